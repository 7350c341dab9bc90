import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { temporalConnectionOptions } from '../connections/temporal';
import { temporalDataConverter } from '../temporal/data-converter';
import { localCodecEnv } from '../temporal/dev-key';
import type { GlobalFlags } from './args';
import { CliError, EXIT } from './exit-codes';
import { progressBar, type Progress, type ProgressStream } from './progress';

/** Where the CLI finds the servers: those named by KAFKA_BROKERS, TEMPORAL_ADDRESS and REDIS_URL, else the local stack's. */
export function localEndpoints(config: Config): { kafkaBrokers: string; temporalAddress: string; redisUrl: string } {
  return {
    kafkaBrokers: config.reuse.kafkaBrokers ?? `127.0.0.1:${config.ports.kafka}`,
    temporalAddress: config.reuse.temporalAddress ?? `127.0.0.1:${config.ports.temporal}`,
    redisUrl: config.reuse.redisUrl ?? `redis://127.0.0.1:${config.ports.redis}`,
  };
}

/** What the CLI talks to: its streams and environment (the process's, or a test's). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  /** The environment the configuration is read from (`.env` already applied by the entry). */
  env: NodeJS.ProcessEnv;
  /** Who runs the CLI, recorded with guard decisions. */
  user: string;
}

/** What a command gets: the configuration and a Temporal client on demand, notes and progress on stderr. */
export interface CliContext {
  readonly io: CliIo;
  readonly globals: GlobalFlags;
  /** The configuration, read once (throws ConfigError: exit 2). */
  config(): Config;
  /** A client of the configured Temporal namespace, connected once; closed by the runner. */
  temporal(): Promise<{ client: Client; config: Config }>;
  /** One line on stderr, prefixed `jml: `. */
  note(line: string): void;
  /** A progress bar on stderr when it is a terminal; quiet otherwise. */
  progress(label: string, total: number): Progress;
  close(): Promise<void>;
}

export function createContext(io: CliIo, globals: GlobalFlags): CliContext {
  let config: Config | undefined;
  let temporalConfig: Config | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;
  const note = (line: string) => void io.stderr.write(`jml: ${line}\n`);
  const getConfig = () => (config ??= loadConfig(io.env));
  return {
    io,
    globals,
    config: getConfig,
    note,
    async temporal() {
      if (client && temporalConfig) return { client, config: temporalConfig };
      let c = getConfig();
      // Like npm start's own tools, read its stack with the development codec key when none is configured.
      const devCodec = localCodecEnv(c.codec, c.stackDir);
      if (devCodec) {
        c = loadConfig({ ...io.env, ...devCodec.env });
        note(devCodec.note);
      }
      const dataConverter = temporalDataConverter(c.codec);
      const address = localEndpoints(c).temporalAddress;
      try {
        connection = await Connection.connect(temporalConnectionOptions(c.connections.temporal, address));
      } catch (err) {
        throw new CliError(`cannot reach Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}`, EXIT.failed, { cause: err });
      }
      temporalConfig = c;
      client = new Client({ connection, namespace: c.temporal.namespace, dataConverter });
      return { client, config: c };
    },
    progress: (label, total) => progressBar({ stream: io.stderr, label, total }),
    async close() {
      await connection?.close();
    },
  };
}
