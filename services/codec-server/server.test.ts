import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { AesGcmCodec } from '../temporal/codec';
import { buildCodecServer, startCodecServer } from './server';

const TOKEN = randomBytes(24).toString('base64url');
const UI = 'https://temporal.example.com';
const person = { givenName: 'Grace', familyName: 'Hopper', workEmail: 'grace.hopper@example.com' };
const codec = new AesGcmCodec([{ id: 'k1', keyBase64: randomBytes(32).toString('base64') }]);

/** The wire form of the protocol: metadata values and data in base64. */
const json = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

function logLines(): { log: Logger; text: () => string } {
  const lines: string[] = [];
  return { log: pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) }), text: () => lines.join('') };
}

describe('codec server', () => {
  const servers: Array<{ close(): Promise<unknown> }> = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const app = (log: Logger = pino({ level: 'silent' })) => {
    const a = buildCodecServer({ codec, tokens: ['an-old-token-still-valid-for-now', TOKEN], corsOrigins: [UI], log });
    servers.push(a);
    return a;
  };

  it('decode > answers sealed payloads opened, in the protocol\'s JSON; encode seals', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(person) as Payload]);
    const res = await app().inject({ method: 'POST', url: '/decode', headers: { authorization: `Bearer ${TOKEN}`, 'x-namespace': 'default' }, payload: { payloads: [json(sealed as Payload)] } });
    expect(res.statusCode).toBe(200);
    const [out] = (res.json() as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads;
    expect(Buffer.from(out?.metadata.encoding ?? '', 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(out?.data ?? '', 'base64').toString())).toEqual(person);

    const enc = await app().inject({ method: 'POST', url: '/default/encode', headers: { authorization: `Bearer ${TOKEN}` }, payload: { payloads: [out] } });
    expect(enc.statusCode).toBe(200);
    expect(Buffer.from(enc.body).toString()).not.toContain(Buffer.from(JSON.stringify(person)).toString('base64'));
    expect(Buffer.from((enc.json() as { payloads: Array<{ metadata: Record<string, string> }> }).payloads[0]?.metadata.encoding ?? '', 'base64').toString()).toBe('binary/encrypted');
  });

  it('auth > 401 without a token, with a wrong one, or with another scheme; any configured token works', async () => {
    const body = { payloads: [] };
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${TOKEN}` }, { authorization: TOKEN }]) {
      const res = await app().inject({ method: 'POST', url: '/decode', headers, payload: body });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const old = await app().inject({ method: 'POST', url: '/decode', headers: { authorization: 'Bearer an-old-token-still-valid-for-now' }, payload: body });
    expect(old.statusCode).toBe(200);
  });

  it('CORS > only the configured UI origin is allowed, preflight included', async () => {
    const pre = await app().inject({ method: 'OPTIONS', url: '/decode', headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(UI);
    expect(String(pre.headers['access-control-allow-headers'])).toContain('authorization');
    const evil = await app().inject({ method: 'OPTIONS', url: '/decode', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.statusCode).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const post = await app().inject({ method: 'POST', url: '/decode', headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` }, payload: { payloads: [] } });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('errors > a payload sealed with an unknown key is a 422 naming the key id; malformed bodies are 400', async () => {
    const [foreign] = await new AesGcmCodec([{ id: 'other', keyBase64: randomBytes(32).toString('base64') }]).encode([defaultPayloadConverter.toPayload(person) as Payload]);
    const res = await app().inject({ method: 'POST', url: '/decode', headers: { authorization: `Bearer ${TOKEN}` }, payload: { payloads: [json(foreign as Payload)] } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'codec-key-unknown' });
    const bad = await app().inject({ method: 'POST', url: '/decode', headers: { authorization: `Bearer ${TOKEN}` }, payload: { payloads: [{ data: '***' }] } });
    expect(bad.statusCode).toBe(400);
  });

  it('logs > never a payload, opened or sealed, nor the token', async () => {
    const { log, text } = logLines();
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(person) as Payload]);
    const a = app(log);
    await a.inject({ method: 'POST', url: '/decode', headers: { authorization: `Bearer ${TOKEN}` }, payload: { payloads: [json(sealed as Payload)] } });
    await a.inject({ method: 'POST', url: '/decode', headers: { authorization: 'Bearer wrong' }, payload: { payloads: [json(sealed as Payload)] } });
    expect(text()).toContain('codec server request');
    for (const secret of ['Grace', 'Hopper', 'grace.hopper', Buffer.from(sealed?.data ?? []).toString('base64').slice(0, 16), TOKEN]) expect(text()).not.toContain(secret);
  });

  it('boot > refuses without a token outside development, and without keys; development runs tokenless on loopback only', async () => {
    const key = randomBytes(32).toString('base64');
    const withKeys = { K: key, JML_CODEC_KEYS: JSON.stringify([{ id: 'k', key: { env: 'K' } }]) };
    const log = pino({ level: 'silent' });
    await expect(startCodecServer(loadConfig(withKeys), log)).rejects.toThrow('JML_CODEC_SERVER_TOKEN is not set; the codec server does not start without it');
    await expect(startCodecServer(loadConfig({ JML_CODEC: 'off' }), log, { development: true })).rejects.toThrow(/needs the codec keys/);
    await expect(startCodecServer(loadConfig({ ...withKeys, JML_CODEC_SERVER_HOST: '0.0.0.0' }), log, { development: true })).rejects.toThrow(/not loopback/);
    expect(() => loadConfig({ ...withKeys, T: 'short', JML_CODEC_SERVER_TOKEN: JSON.stringify({ env: 'T' }) })).toThrow(/JML_CODEC_SERVER_TOKEN: the token is shorter than 24 bytes/);

    const dev = await startCodecServer(loadConfig(withKeys), log, { development: true, port: 0 });
    servers.push(dev);
    const res = await fetch(`${dev.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' });
    expect(res.status).toBe(200);

    const prod = await startCodecServer(loadConfig({ ...withKeys, T: TOKEN, JML_CODEC_SERVER_TOKEN: JSON.stringify({ env: 'T' }) }), log, { port: 0 });
    servers.push(prod);
    expect((await fetch(`${prod.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payloads":[]}' })).status).toBe(401);
  });
});
