import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../infra/stack/exec';
import { installKafka } from '../../infra/stack/install';
import type { ToolPaths } from '../../infra/stack/paths';
import { freePort, waitFor } from '../../infra/stack/process';
import { kafkaReady } from '../../infra/stack/servers';
import type { TestCa } from './test-ca';

/** A user the broker knows, for every SASL mechanism it offers. */
export interface KafkaUser {
  name: string;
  password: string;
}

export interface SecureKafka {
  /** `127.0.0.1:<port>` of the SASL_SSL listener. */
  brokers: string;
  /** `127.0.0.1:<port>` of an SSL listener that requires a client certificate signed by the CA (no SASL). */
  mtlsBrokers: string;
  /** The broker's log, for a failure message. */
  logFile: string;
  stop(): Promise<void>;
}

/**
 * A throwaway one-node Kafka (KRaft, broker and controller in one JVM) from the cached jars, with a
 * SASL_SSL listener on a free port: TLS with a broker certificate from `ca` (a PEM keystore, so no
 * keytool step), and PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for `users`. SCRAM credentials are
 * written into the metadata log at format time (`--add-scram`), PLAIN ones sit in the listener's
 * JAAS line. A second listener, SSL with `ssl.client.auth=required`, authenticates clients by
 * certificate instead. Inter-broker and controller traffic stay on loopback plaintext listeners.
 * Data and logs live in `dir`; `stop()` kills the JVM.
 */
export async function startSecureKafka(opts: { dir: string; tools: ToolPaths; ca: TestCa; users: readonly KafkaUser[]; say: (line: string) => void }): Promise<SecureKafka> {
  const libs = await installKafka(opts.say, opts.tools);
  const broker = await opts.ca.issue('kafka-broker');
  const [port, mtlsPort, internalPort, controllerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = join(opts.dir, 'kafka-config');
  const data = join(opts.dir, 'kafka-data');
  await mkdir(config, { recursive: true });
  const keystore = join(config, 'broker-keystore.pem');
  // A PEM keystore is the private key followed by the certificate chain, in one file.
  await writeFile(keystore, `${broker.keyPem.trim()}\n${broker.certPem.trim()}\n`, { mode: 0o600 });
  const plainUsers = opts.users.map((u) => `user_${u.name}="${u.password}"`).join(' ');
  const props = join(config, 'server.properties');
  await writeFile(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SASL_SSL://127.0.0.1:${port},SSL://127.0.0.1:${mtlsPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${port},SSL://127.0.0.1:${mtlsPort},INTERNAL://127.0.0.1:${internalPort}`,
      'listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=INTERNAL',
      'controller.listener.names=CONTROLLER',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${keystore}`,
      'listener.name.ssl.ssl.client.auth=required',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${opts.ca.caFile}`,
      `log.dirs=${data}`,
      'num.partitions=1',
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const log4j = join(config, 'log4j.properties');
  await writeFile(log4j, ['log4j.rootLogger=WARN, stdout', 'log4j.appender.stdout=org.apache.log4j.ConsoleAppender', 'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout', 'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n', ''].join('\n'));
  const logFile = join(opts.dir, 'kafka.log');
  const jvm = [`-Dlog4j.configuration=file:${log4j}`, `-Dkafka.logs.dir=${opts.dir}`, '-cp', `${libs}/*`];
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const scram = opts.users.flatMap((u) => ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]));
  await run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, ...scram], { logFile });

  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn('java', ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-Djava.awt.headless=true', ...jvm, 'kafka.Kafka', props], { stdio: ['ignore', out, out] });
  closeSync(out);
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  };
  const brokers = `127.0.0.1:${port}`;
  // Ready when the plaintext internal listener answers metadata: the SASL_SSL one opens at the same time.
  const probe = () => kafkaReady(`127.0.0.1:${internalPort}`);
  try {
    await waitFor(`SASL_SSL Kafka on ${brokers} (log: ${logFile})`, probe, 90_000, () => exited);
  } catch (err) {
    await stop();
    throw err;
  }
  return { brokers, mtlsBrokers: `127.0.0.1:${mtlsPort}`, logFile, stop };
}
