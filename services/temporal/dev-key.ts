import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { codecKeyProblem, type CodecSettings } from '../settings/codec';
import { readOwnerOnlyFile, writeOwnerOnlyFile } from '../dev-defaults';

/**
 * The development codec key of `npm start` (and only of it), like the development canonical key
 * (services/dev-defaults.ts): when JML_CODEC_KEYS is not set, one random AES-256 key is generated per
 * stack directory, in a file only its owner can read, and used by reference like any other key.
 * The stack's Temporal keeps its histories across restarts, so the key must stay too.
 */
export const DEV_CODEC_KEY_FILE = 'dev-codec-key';
/** Its key id, written into every payload the development stack stores. */
export const DEV_CODEC_KEY_ID = 'dev';

/** The development key file of a stack directory, generated (mode 0600) when missing. Throws when it exists but is unusable. */
export function ensureDevCodecKey(stackDir: string): { path: string; created: boolean } {
  const existing = readDevCodecKey(stackDir);
  if (existing) return { path: existing, created: false };
  mkdirSync(stackDir, { recursive: true, mode: 0o700 });
  const path = join(stackDir, DEV_CODEC_KEY_FILE);
  writeOwnerOnlyFile(path, randomBytes(32).toString('base64'));
  return { path, created: true };
}

/** Path of the development key file when one exists and is usable; throws when others can read it or it holds no key. */
export function readDevCodecKey(stackDir: string): string | undefined {
  const path = join(stackDir, DEV_CODEC_KEY_FILE);
  const text = readOwnerOnlyFile(path, "chmod 600 it (deleting it makes the stack's histories unreadable)");
  if (text === undefined) return undefined;
  const problem = codecKeyProblem(text);
  if (problem) throw new Error(`${path}: the key ${problem}`);
  return path;
}

/** The variables that configure the codec with a development key file (by reference, as any key). */
export function devCodecEnv(path: string): { JML_CODEC_KEYS: string } {
  return { JML_CODEC_KEYS: JSON.stringify([{ id: DEV_CODEC_KEY_ID, key: { file: path } }]) };
}

/**
 * How a local tool (the jml CLI, the benchmarks) reads the stack: the configured codec, else the
 * stack directory's development key when `npm start` made one (with a note saying so), else the
 * configuration as it is (and the data converter then explains what to set).
 */
export function localCodecEnv(codec: CodecSettings, stackDir: string): { env: { JML_CODEC_KEYS: string }; note: string } | undefined {
  if (codec.mode !== 'unset') return undefined;
  const path = readDevCodecKey(stackDir);
  return path ? { env: devCodecEnv(path), note: `JML_CODEC_KEYS is not set; using the development codec key in ${path}` } : undefined;
}
