import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { AesGcmCodec, CodecError, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './codec';
import { CodecConfigError, temporalDataConverter } from './data-converter';

const key = (id: string) => ({ id, keyBase64: randomBytes(32).toString('base64') });
const person = { givenName: 'Ada', familyName: 'Lovelace', workEmail: 'ada.lovelace@example.com' };
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value) as Payload;
const valueOf = (p: Payload) => defaultPayloadConverter.fromPayload(p);
const bytesText = (p: Payload) => Buffer.from(p.data ?? []).toString('latin1') + JSON.stringify(Object.values(p.metadata ?? {}).map((v) => Buffer.from(v).toString('latin1')));

describe('payload codec (AES-256-GCM)', () => {
  it('round trip > a sealed payload opens to the same value, and its bytes hold none of it', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const [sealed] = await codec.encode([payloadOf(person)]);
    expect(Buffer.from(sealed?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed?.metadata?.[KEY_ID_METADATA] ?? []).toString()).toBe('k1');
    for (const word of ['Ada', 'Lovelace', 'ada.lovelace', 'json/plain']) expect(bytesText(sealed as Payload)).not.toContain(word);
    const [opened] = await codec.decode([sealed as Payload]);
    expect(valueOf(opened as Payload)).toEqual(person);
  });

  it('round trip > two seals of one payload differ (a fresh nonce each time)', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const [a, b] = await codec.encode([payloadOf(person), payloadOf(person)]);
    expect(Buffer.from(a?.data ?? []).equals(Buffer.from(b?.data ?? []))).toBe(false);
  });

  it('tamper > one flipped bit in the ciphertext fails with codec-payload-invalid', async () => {
    const codec = new AesGcmCodec([key('k1')]);
    const [sealed] = await codec.encode([payloadOf(person)]);
    const data = Buffer.from(sealed?.data ?? []);
    data[20] = (data[20] as number) ^ 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toMatchObject({ name: 'CodecError', code: 'codec-payload-invalid' });
  });

  it('tamper > a payload relabelled with another configured key id does not open', async () => {
    const codec = new AesGcmCodec([key('k1'), key('k2')]);
    const [sealed] = await codec.encode([payloadOf(person)]);
    const relabelled = { ...sealed, metadata: { ...sealed?.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('k2') } };
    await expect(codec.decode([relabelled])).rejects.toMatchObject({ code: 'codec-payload-invalid' });
  });

  it('rotation > a payload sealed with the old key opens once a new primary key is added; new ones use the new key', async () => {
    const oldKey = key('2026-01');
    const newKey = key('2026-07');
    const [old] = await new AesGcmCodec([oldKey]).encode([payloadOf(person)]);
    const rotated = new AesGcmCodec([newKey, oldKey]);
    expect(valueOf((await rotated.decode([old as Payload]))[0] as Payload)).toEqual(person);
    const [fresh] = await rotated.encode([payloadOf(person)]);
    expect(Buffer.from(fresh?.metadata?.[KEY_ID_METADATA] ?? []).toString()).toBe('2026-07');
    // Dropping the old key too early is a clear error, not garbage.
    await expect(new AesGcmCodec([newKey]).decode([old as Payload])).rejects.toThrow(/codec key '2026-01', which is not configured \(configured: 2026-07\)/);
  });

  it('unknown key id > the error names the id and says where keys are configured', async () => {
    const [sealed] = await new AesGcmCodec([key('gone')]).encode([payloadOf(person)]);
    const err = await new AesGcmCodec([key('k1')]).decode([sealed as Payload]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toMatchObject({ code: 'codec-key-unknown', context: { keyId: 'gone' } });
    expect((err as Error).message).toContain('JML_CODEC_KEYS');
  });

  it('plaintext payloads (written before the codec was on) pass through decode unchanged', async () => {
    const plain = payloadOf(person);
    expect(await new AesGcmCodec([key('k1')]).decode([plain])).toEqual([plain]);
  });
});

describe('codec settings', () => {
  const good = randomBytes(32).toString('base64');
  const config = (env: Record<string, string>) => loadConfig({ JML_CODEC_KEYS: JSON.stringify([{ id: 'k1', key: { env: 'K1' } }]), ...env });

  it('keys by reference > env and file references resolve, the first key seals', () => {
    const c = loadConfig({ K1: good, K2: randomBytes(32).toString('base64'), JML_CODEC_KEYS: JSON.stringify([{ id: 'new', key: { env: 'K2' } }, { id: 'old', key: { env: 'K1' } }]) });
    expect(c.codec.mode === 'on' && c.codec.keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(temporalDataConverter(c.codec).payloadCodecs).toHaveLength(1);
  });

  it.each([
    ['a 16-byte key', randomBytes(16).toString('base64'), /JML_CODEC_KEYS\[0\] \(k1\): the key decodes to 16 bytes; AES-256 needs exactly 32/],
    ['a 33-byte key', randomBytes(33).toString('base64'), /decodes to 33 bytes/],
    ['hex instead of base64', randomBytes(32).toString('hex'), /the key is not base64|decodes to 48 bytes/],
    ['a passphrase', 'correct horse battery staple', /is not base64/],
  ])('bad keys refused at boot > %s', (_what, value, message) => {
    expect(() => config({ K1: value })).toThrow(message);
  });

  it('bad keys refused at boot > a missing reference, a repeated id and a malformed list, each on its own line, never the key', () => {
    expect(() => config({})).toThrow(/JML_CODEC_KEYS\[0\] \(k1\): environment variable K1 is not set/);
    const twice = () => loadConfig({ K1: good, JML_CODEC_KEYS: JSON.stringify([{ id: 'a', key: { env: 'K1' } }, { id: 'a', key: { env: 'K1' } }]) });
    expect(twice).toThrow(/JML_CODEC_KEYS\[1\] \(a\): the id is used twice/);
    expect(() => loadConfig({ JML_CODEC_KEYS: JSON.stringify([{ id: 'a', key: good }]) })).toThrow(/JML_CODEC_KEYS/);
    try {
      config({ K1: randomBytes(16).toString('base64') });
    } catch (err) {
      expect((err as Error).message).not.toContain(good);
    }
  });

  it('no key > starting a Temporal client or worker is refused unless JML_CODEC=off says plaintext is wanted', () => {
    const unset = loadConfig({});
    expect(unset.codec).toEqual({ mode: 'unset' });
    expect(() => temporalDataConverter(unset.codec)).toThrow(CodecConfigError);
    expect(() => temporalDataConverter(unset.codec)).toThrow(/JML_CODEC_KEYS is not set.*JML_CODEC=off/);
    const off = loadConfig({ JML_CODEC: 'off' });
    expect(temporalDataConverter(off.codec).payloadCodecs).toBeUndefined();
    expect(() => loadConfig({ JML_CODEC: 'off', K1: good, JML_CODEC_KEYS: JSON.stringify([{ id: 'k1', key: { env: 'K1' } }]) })).toThrow(/JML_CODEC is off but JML_CODEC_KEYS is set/);
  });

  it('failure messages > every data converter encodes failure messages and stack traces as payloads', async () => {
    const { failureConverterPath } = temporalDataConverter(loadConfig({ JML_CODEC: 'off' }).codec);
    const { createRequire } = await import('node:module');
    const loaded = createRequire(import.meta.url)(failureConverterPath as string) as { failureConverter: { options: { encodeCommonAttributes: boolean } } };
    expect(loaded.failureConverter.options.encodeCommonAttributes).toBe(true);
  });
});
