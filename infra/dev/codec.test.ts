import { mkdtempSync, readFileSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/config';
import { CodecConfigError } from '../../services/temporal/data-converter';
import { DEV_CODEC_KEY_FILE, localCodecEnv } from '../../services/temporal/dev-key';
import { devCodecServerUrl, withDevCodec } from './codec';

const stackDir = () => join(mkdtempSync(join(tmpdir(), 'jml-devcodec-')), 'stack');

describe('npm start and the payload codec', () => {
  it('development mode > without JML_CODEC_KEYS a key is generated once per stack directory (0600), by reference, and said where', () => {
    const dir = stackDir();
    const lines: string[] = [];
    const first = withDevCodec({ config: loadConfig({ JML_STACK_DIR: dir }), devMode: true, say: (l) => lines.push(l) });
    const path = join(dir, DEV_CODEC_KEY_FILE);
    expect(lines).toEqual([`JML_CODEC_KEYS is not set; payloads in Temporal are sealed with the development codec key generated now in ${path}`]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = readFileSync(path, 'utf8').trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(lines.join('')).not.toContain(key);
    expect(first.codec).toEqual({ mode: 'on', keys: [{ id: 'dev', keyBase64: key }] });
    // Again: the same key (the stack's histories stay readable).
    const again = withDevCodec({ config: loadConfig({ JML_STACK_DIR: dir }), devMode: true, say: () => undefined });
    expect(again.codec).toEqual(first.codec);
    // The CLI and the benchmarks read the stack with it.
    expect(localCodecEnv(loadConfig({ JML_STACK_DIR: dir }).codec, dir)?.note).toContain(path);
  });

  it('development mode > a key file others can read is refused', () => {
    const dir = stackDir();
    withDevCodec({ config: loadConfig({ JML_STACK_DIR: dir }), devMode: true, say: () => undefined });
    chmodSync(join(dir, DEV_CODEC_KEY_FILE), 0o644);
    expect(() => withDevCodec({ config: loadConfig({ JML_STACK_DIR: dir }), devMode: true, say: () => undefined })).toThrow(/can be read by others/);
  });

  it('outside development mode > no key stops the start in one line naming JML_CODEC_KEYS, and nothing is generated', () => {
    const dir = stackDir();
    expect(() => withDevCodec({ config: loadConfig({ JML_STACK_DIR: dir }), devMode: false, say: () => undefined })).toThrow(CodecConfigError);
    expect(() => withDevCodec({ config: loadConfig({ JML_STACK_DIR: dir }), devMode: false, say: () => undefined })).toThrow(/^JML_CODEC_KEYS is not set/);
    expect(() => statSync(join(dir, DEV_CODEC_KEY_FILE))).toThrow();
    expect(withDevCodec({ config: loadConfig({ JML_STACK_DIR: dir, JML_CODEC: 'off' }), devMode: false, say: () => undefined }).codec).toEqual({ mode: 'off' });
  });

  it('the local UI is pointed at the configured codec server address', () => {
    expect(devCodecServerUrl(loadConfig({}))).toBe('http://127.0.0.1:8234');
    expect(devCodecServerUrl(loadConfig({ JML_CODEC_SERVER_HOST: '::1', JML_CODEC_SERVER_PORT: '9000' }))).toBe('http://[::1]:9000');
  });
});
