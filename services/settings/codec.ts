import { z } from 'zod';
import { SecretRef } from '../../schemas/secret-ref';
import { jsonText, optionalString } from '../../sources/sdk/settings';
import { resolveSecret } from '../secrets';

/**
 * Settings of the payload codec (services/temporal/codec.ts) and of the codec server
 * (services/codec-server/server.ts): the keys that seal what the pipeline stores in Temporal, and
 * who may ask the codec server to open it. Keys and tokens are read by reference only.
 */

/** A key id: written in clear into every payload's metadata, so it names a key and says nothing else. */
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Exactly 32 bytes (AES-256) of standard base64: 44 characters ending in one `=`. */
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

export const AES_256_KEY_BYTES = 32;

/** One codec key, resolved: its id and its 32 bytes as base64 (a string: the configuration is frozen, and a Buffer cannot be). */
export interface CodecKey {
  readonly id: string;
  readonly keyBase64: string;
}

/**
 * `on`: every payload is sealed with `keys[0]` and opened with whichever key its id names.
 * `off`: payloads are stored in clear, because `JML_CODEC=off` says so.
 * `unset`: no keys and no decision; only development mode fills it in (a generated key), anything
 * else refuses to start a Temporal client or worker (services/temporal/data-converter.ts).
 */
export type CodecSettings = { readonly mode: 'on'; readonly keys: readonly CodecKey[] } | { readonly mode: 'off' } | { readonly mode: 'unset' };

export interface CodecServerSettings {
  readonly host: string;
  readonly port: number;
  /** The Temporal UI's origin (scheme://host:port), the only one whose browser pages may call the codec server. */
  readonly corsOrigin?: string;
  /** Bearer tokens, any of which is accepted (several during a rotation); empty when none is configured. */
  readonly tokens: readonly string[];
}

const port = z.coerce.number().int().min(0).max(65_535);

const CodecKeyEntry = z.strictObject({ id: z.string().regex(KEY_ID, 'a key id is 1-64 letters, digits, ".", "_" or "-"'), key: SecretRef });

/** The codec's and the codec server's variables. */
export const codecEnv = {
  /** `on` (default): payloads in Temporal are encrypted and JML_CODEC_KEYS is required; `off`: stored in clear, deliberately. */
  JML_CODEC: z.enum(['on', 'off']).default('on'),
  /** JSON: [{ id, key: {env|file} }, …]: base64 32-byte AES keys; the first seals, any opens (rotation: put the new key first). */
  JML_CODEC_KEYS: jsonText(z.array(CodecKeyEntry).min(1)),
  JML_CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
  JML_CODEC_SERVER_PORT: port.default(8234),
  /** Origin of the Temporal UI allowed to call the codec server from a browser (e.g. https://temporal.example.com). */
  JML_CODEC_CORS_ORIGIN: optionalString,
  /** Bearer token(s) the codec server requires: a reference, or a list of them during a rotation. */
  JML_CODEC_SERVER_TOKEN: jsonText(z.union([SecretRef, z.array(SecretRef).min(1)])),
};

type CodecEnv = z.output<z.ZodObject<typeof codecEnv>>;

/** The codec's settings; each problem (never a key) is added to `problems` as one line. */
export function codecSettings(e: CodecEnv, env: NodeJS.ProcessEnv, problems: string[]): { codec: CodecSettings; codecServer: CodecServerSettings } {
  return { codec: codecKeys(e, env, problems), codecServer: codecServer(e, env, problems) };
}

function codecKeys(e: CodecEnv, env: NodeJS.ProcessEnv, problems: string[]): CodecSettings {
  if (e.JML_CODEC === 'off') {
    if (e.JML_CODEC_KEYS) problems.push('JML_CODEC is off but JML_CODEC_KEYS is set; unset one of them');
    return { mode: 'off' };
  }
  if (!e.JML_CODEC_KEYS) return { mode: 'unset' };
  const keys: CodecKey[] = [];
  const seen = new Set<string>();
  e.JML_CODEC_KEYS.forEach((entry, i) => {
    const where = `JML_CODEC_KEYS[${i}] (${entry.id})`;
    if (seen.has(entry.id)) return problems.push(`${where}: the id is used twice; every key needs its own id`);
    seen.add(entry.id);
    const r = resolveSecret(entry.key, env);
    if ('error' in r) return problems.push(`${where}: ${r.error}`);
    const problem = codecKeyProblem(r.value);
    if (problem) return problems.push(`${where}: the key ${problem}`);
    keys.push({ id: entry.id, keyBase64: r.value.trim() });
  });
  return { mode: 'on', keys };
}

/** Why a codec key is unusable (the message never contains it), or undefined when it is 32 bytes of base64. */
export function codecKeyProblem(value: string): string | undefined {
  const text = value.trim();
  if (KEY_BASE64.test(text)) return undefined;
  const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64').length : undefined;
  return bytes === undefined
    ? `is not base64 (make one with: openssl rand -base64 ${AES_256_KEY_BYTES})`
    : `decodes to ${bytes} bytes; AES-256 needs exactly ${AES_256_KEY_BYTES} (openssl rand -base64 ${AES_256_KEY_BYTES})`;
}

function codecServer(e: CodecEnv, env: NodeJS.ProcessEnv, problems: string[]): CodecServerSettings {
  const refs = e.JML_CODEC_SERVER_TOKEN === undefined ? [] : Array.isArray(e.JML_CODEC_SERVER_TOKEN) ? e.JML_CODEC_SERVER_TOKEN : [e.JML_CODEC_SERVER_TOKEN];
  const tokens: string[] = [];
  refs.forEach((ref, i) => {
    const where = refs.length > 1 ? `JML_CODEC_SERVER_TOKEN[${i}]` : 'JML_CODEC_SERVER_TOKEN';
    const r = resolveSecret(ref, env);
    if ('error' in r) return problems.push(`${where}: ${r.error}`);
    // A bearer token is a password anyone may try against the server: make guessing hopeless.
    if (Buffer.byteLength(r.value, 'utf8') < 24) return problems.push(`${where}: the token is shorter than 24 bytes`);
    tokens.push(r.value);
  });
  const origin = e.JML_CODEC_CORS_ORIGIN;
  if (origin !== undefined && !isOrigin(origin)) problems.push(`JML_CODEC_CORS_ORIGIN: '${origin}' is not an origin (scheme://host[:port], no path)`);
  return {
    host: e.JML_CODEC_SERVER_HOST,
    port: e.JML_CODEC_SERVER_PORT,
    ...(origin !== undefined ? { corsOrigin: origin } : {}),
    tokens,
  };
}

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value;
  } catch {
    return false;
  }
}
