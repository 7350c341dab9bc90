import type { Logger } from 'pino';
import { loadConfig, type Config } from '../../services/config';
import { startCodecServer, type RunningCodecServer } from '../../services/codec-server/server';
import { temporalDataConverter } from '../../services/temporal/data-converter';
import { devCodecEnv, ensureDevCodecKey } from '../../services/temporal/dev-key';

/**
 * The payload codec of `npm start`. In development mode, with no JML_CODEC_KEYS, a key is generated
 * once per stack directory (services/temporal/dev-key.ts) and configured by reference like any
 * other; the codec server then runs tokenless on loopback so that the local Temporal UI shows
 * decoded payloads. Outside development mode nothing is generated: a missing key stops the start
 * here, in one line, before any server is started.
 */
export function withDevCodec(opts: { config: Config; devMode: boolean; say: (line: string) => void }): Config {
  const { config, devMode, say } = opts;
  if (config.codec.mode !== 'unset' || !devMode) {
    temporalDataConverter(config.codec);
    return config;
  }
  const key = ensureDevCodecKey(config.stackDir);
  say(`JML_CODEC_KEYS is not set; payloads in Temporal are sealed with the development codec key ${key.created ? 'generated now ' : ''}in ${key.path}`);
  // Only the codec's part is read again (the key by reference, as JML_CODEC_KEYS would name it).
  return { ...config, codec: loadConfig(devCodecEnv(key.path)).codec };
}

/** Where the development codec server listens, for the Temporal UI's `--ui-codec-endpoint`. */
export function devCodecServerUrl(config: Config): string {
  const host = config.codecServer.host.includes(':') ? `[${config.codecServer.host}]` : config.codecServer.host;
  return `http://${host}:${config.codecServer.port}`;
}

/**
 * Starts the codec server for the local UI (both names of the loopback UI origin are allowed), in
 * development mode or when a token is configured; undefined (and a line saying why) otherwise.
 */
export async function startLocalCodecServer(opts: { config: Config; log: Logger; devMode: boolean; say: (line: string) => void }): Promise<RunningCodecServer | undefined> {
  const { config } = opts;
  if (config.codec.mode !== 'on') return undefined;
  if (!opts.devMode && config.codecServer.tokens.length === 0) {
    opts.say('codec server not started: JML_CODEC_SERVER_TOKEN is not set');
    return undefined;
  }
  const ui = config.ports.temporalUi;
  return startCodecServer(config, opts.log, { development: opts.devMode, corsOrigins: [`http://127.0.0.1:${ui}`, `http://localhost:${ui}`] });
}

/** A line for `npm start` when the stack's Temporal was already running: its UI keeps the codec settings it was started with. */
export function codecUiNote(opts: { codecServer: RunningCodecServer | undefined; started: readonly string[]; config: Config }): string | undefined {
  if (!opts.codecServer || opts.started.includes('temporal') || opts.config.reuse.temporalAddress) return undefined;
  return `Temporal was already running: its UI decodes payloads only if it was started by npm start or npm run stack:up (npm run stack:down, then npm start, to restart it)`;
}
