import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { requireTool, run, StackError, which } from './exec';
import type { ToolPaths } from './paths';
import { VERSIONS } from './versions';

export type Say = (line: string) => void;

/**
 * Installs every server the stack needs, each only when missing. Safe to run concurrently with
 * another install of the same cache: each tool is built in a temporary folder and renamed into place.
 */
export async function installAll(say: Say, paths: ToolPaths): Promise<void> {
  await mkdir(paths.logs, { recursive: true });
  // Kafka and Redis are quick; start them beside the long Temporal build.
  await Promise.all([installTemporal(say, paths), installKafka(say, paths).then(() => installRedis(say, paths))]);
}

/** Kafka broker jars and their runtime dependencies from Maven Central, through Maven. */
export async function installKafka(say: Say, paths: ToolPaths): Promise<string> {
  const marker = join(paths.kafkaLibs, '.complete');
  if (existsSync(marker)) return paths.kafkaLibs;
  await requireTool('java', 'run the Kafka broker (install a JDK 17+, e.g. apt-get install -y openjdk-17-jre-headless)');
  const mvn = await requireTool('mvn', 'fetch the Kafka jars from Maven Central (apt-get install -y maven)');
  await mkdir(paths.logs, { recursive: true });
  const started = Date.now();
  say(`installing Kafka ${VERSIONS.kafka} jars from Maven Central into ${paths.kafkaLibs} ...`);
  const work = await mkdtemp(join(dirname(dirname(paths.kafkaLibs)), '.kafka-install-'));
  try {
    await writeFile(join(work, 'pom.xml'), kafkaPom());
    const libs = join(work, 'libs');
    await run(mvn, ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], {
      cwd: work,
      logFile: join(paths.logs, 'kafka-install.log'),
    });
    const jars = (await readdir(libs)).filter((f) => f.endsWith('.jar'));
    if (!jars.some((j) => j.startsWith(`kafka_2.13-${VERSIONS.kafka}`))) {
      throw new StackError('INSTALL_INCOMPLETE', `Maven finished but no kafka_2.13-${VERSIONS.kafka}.jar is in ${libs}`);
    }
    await writeFile(join(libs, '.complete'), `${jars.length} jars\n`);
    await mkdir(dirname(paths.kafkaLibs), { recursive: true });
    await rm(paths.kafkaLibs, { recursive: true, force: true });
    await rename(libs, paths.kafkaLibs);
    say(`Kafka jars ready: ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return paths.kafkaLibs;
}

function kafkaPom(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.jml-pipeline</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${VERSIONS.kafka}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${VERSIONS.slf4jReload4j}</version></dependency>
  </dependencies>
</project>
`;
}

/** The Temporal CLI (dev server with the embedded UI), built from source through the Go module proxy. */
export async function installTemporal(say: Say, paths: ToolPaths): Promise<string> {
  if (existsSync(paths.temporalBin)) return paths.temporalBin;
  const go = await requireTool('go', 'build the Temporal CLI (install Go 1.24+)');
  await mkdir(paths.logs, { recursive: true });
  const started = Date.now();
  const binDir = dirname(paths.temporalBin);
  say(`building Temporal CLI v${VERSIONS.temporalCli} with go install (about 5 minutes cold; log: ${join(paths.logs, 'temporal-install.log')}) ...`);
  await mkdir(dirname(binDir), { recursive: true });
  const work = await mkdtemp(join(dirname(binDir), '.bin-'));
  try {
    await run(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${VERSIONS.temporalCli}`], {
      logFile: join(paths.logs, 'temporal-install.log'),
      env: { ...process.env, GOPATH: paths.goPath, GOBIN: work, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    });
    await mkdir(binDir, { recursive: true });
    await rename(join(work, 'temporal'), paths.temporalBin);
    say(`Temporal CLI ready in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return paths.temporalBin;
}

/** redis-server from Debian when it is not already on PATH (we are root on our machines). */
export async function installRedis(say: Say, paths: ToolPaths): Promise<string> {
  return installFromDebian({ binary: 'redis-server', packages: ['redis-server'], say, paths, alternative: 'or set REDIS_URL' });
}

/**
 * Makes sure `binary` (a name on PATH or an absolute path) exists, installing Debian `packages` with
 * apt-get when it does not and we are root. Returns the binary's path.
 */
export async function installFromDebian(req: { binary: string; packages: string[]; say: Say; paths: ToolPaths; alternative?: string }): Promise<string> {
  const find = async () => (req.binary.startsWith('/') ? (existsSync(req.binary) ? req.binary : undefined) : await which(req.binary));
  const found = await find();
  if (found) return found;
  const manual = `apt-get install -y ${req.packages.join(' ')}`;
  const aptGet = await which('apt-get');
  if (!aptGet || process.getuid?.() !== 0) {
    throw new StackError('TOOL_MISSING', `'${req.binary}' is missing; install it (${manual})${req.alternative ? ` ${req.alternative}` : ''}.`);
  }
  req.say(`installing ${req.packages.join(', ')} from Debian ...`);
  await mkdir(req.paths.logs, { recursive: true });
  const logFile = join(req.paths.logs, `${req.packages[0]}-install.log`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run(aptGet, ['update', '-qq'], { logFile, env });
  await run(aptGet, ['install', '-y', '-qq', ...req.packages], { logFile, env });
  const installed = await find();
  if (!installed) throw new StackError('INSTALL_INCOMPLETE', `apt-get finished but ${req.binary} is still missing; see ${logFile}`);
  return installed;
}
