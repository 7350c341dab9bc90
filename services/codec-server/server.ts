import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config';
import { isLoopbackHost } from '../dev-defaults';
import { AesGcmCodec } from '../temporal/codec';

/**
 * The codec server (role `codec-server`): the Temporal UI and CLI send it the sealed payloads they
 * show, and it answers them opened (and seals what ops type in the UI), in Temporal's codec server
 * protocol: `POST …/decode` and `POST …/encode` with `{"payloads": [{"metadata": {k: base64},
 * "data": base64}]}`, answered in the same shape. It holds the codec keys, so it is a door to every
 * history: each request needs `Authorization: Bearer <token>` (JML_CODEC_SERVER_TOKEN); browsers
 * may call it only from the configured UI origin (CORS); it never logs a payload.
 *
 * What sends the token: the Temporal CLI with `--codec-auth 'Bearer <token>'`; a Temporal UI
 * server with `codec.passAccessToken` sends its user's own access token (HTTPS only), which is not
 * ours to check, so in production the UI reaches this server through a proxy that authenticates
 * the user and adds the token (docs/security.md). The development UI (`temporal server start-dev
 * --ui-codec-endpoint`) cannot send any header: in development mode only, on a loopback address,
 * the server runs without a token.
 */

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const PayloadJson = z.object({ metadata: z.record(z.string(), Base64).optional(), data: Base64.optional() });
const PayloadsBody = z.object({ payloads: z.array(PayloadJson) });
type PayloadJson = z.infer<typeof PayloadJson>;

export interface CodecServerDeps {
  codec: PayloadCodec;
  /** Accepted bearer tokens; empty only with `anonymous`. */
  tokens: readonly string[];
  /** Browser origins allowed to call (the Temporal UI's); none = no browser may. */
  corsOrigins: readonly string[];
  /** No token required (development mode on loopback only; see startCodecServer). */
  anonymous?: boolean;
  log: Logger;
  bodyLimitBytes?: number;
}

/** The codec server's HTTP app, not listening yet. */
export function buildCodecServer(deps: CodecServerDeps): FastifyInstance {
  if (deps.tokens.length === 0 && !deps.anonymous) throw new Error('the codec server needs at least one bearer token (JML_CODEC_SERVER_TOKEN)');
  const digests = deps.tokens.map(digest);
  // Payloads are the personal data: no request logging by Fastify, and our own lines carry no body.
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimitBytes ?? 8 * 1024 * 1024 });

  const allowOrigin = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined || !deps.corsOrigins.includes(origin)) return false;
    reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true').header('vary', 'Origin');
    return true;
  };
  const authorized = (req: FastifyRequest): boolean => {
    if (deps.anonymous) return true;
    const m = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const presented = digest((m[1] as string).trim());
    // Compare against every token in constant time, so timing tells neither which nor whether one matched early.
    return digests.map((d) => timingSafeEqual(d, presented)).includes(true);
  };

  app.addHook('onResponse', async (req, reply) => {
    deps.log.debug({ method: req.method, route: req.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'codec server request');
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err.statusCode !== undefined && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.code ?? 'bad-request', message: err.message });
    deps.log.error({ err: { name: err.name, code: err.code } }, 'codec server error');
    return reply.code(500).send({ error: 'internal' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // A browser asks first whether it may send JSON and the Authorization / X-Namespace headers.
  app.options('/*', async (req, reply) => {
    if (!allowOrigin(req, reply)) return reply.code(403).send();
    return reply
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'authorization, content-type, x-namespace')
      .header('access-control-max-age', '600')
      .code(204)
      .send();
  });

  const handle = (op: 'encode' | 'decode') => async (req: FastifyRequest, reply: FastifyReply) => {
    allowOrigin(req, reply);
    if (!authorized(req)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    const body = PayloadsBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: 'invalid-payloads', message: body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    const payloads = body.data.payloads.map(fromJson);
    try {
      const out = op === 'encode' ? await deps.codec.encode(payloads) : await deps.codec.decode(payloads);
      return { payloads: out.map(toJson) };
    } catch (err) {
      // The codec's messages name key ids and nothing of the payload.
      const e = err as Error & { code?: string };
      return reply.code(422).send({ error: e.code ?? 'codec-error', message: e.message });
    }
  };
  // The protocol lets clients mount the endpoints under any prefix (the CLI puts the namespace there).
  for (const op of ['encode', 'decode'] as const) {
    app.post(`/${op}`, handle(op));
    app.post(`/:prefix/${op}`, handle(op));
  }
  return app;
}

export interface RunningCodecServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Starts the codec server of the configuration (role `codec-server`). Refuses, with one line, when
 * the codec is not on (nothing to open) or no token is configured, except in development mode
 * (`npm start`) on a loopback host, where the local UI cannot send one. `corsOrigins` adds
 * origins to JML_CODEC_CORS_ORIGIN (development: the local UI under both of its names).
 */
export async function startCodecServer(
  config: Config,
  log: Logger,
  opts: { development?: boolean; port?: number; corsOrigins?: readonly string[] } = {},
): Promise<RunningCodecServer> {
  const { codec, codecServer: settings } = config;
  if (codec.mode !== 'on') throw new Error('the codec server needs the codec keys: set JML_CODEC_KEYS (JML_CODEC=off leaves nothing to decode)');
  const anonymous = settings.tokens.length === 0;
  if (anonymous && !(opts.development && isLoopbackHost(settings.host))) {
    throw new Error(
      opts.development
        ? `JML_CODEC_SERVER_TOKEN is not set and JML_CODEC_SERVER_HOST ${settings.host} is not loopback; without a token the codec server only listens on loopback`
        : 'JML_CODEC_SERVER_TOKEN is not set; the codec server does not start without it',
    );
  }
  const corsOrigins = [...new Set([...(settings.corsOrigin ? [settings.corsOrigin] : []), ...(opts.corsOrigins ?? [])])];
  const slog = log.child({ component: 'codec-server' });
  const app = buildCodecServer({ codec: new AesGcmCodec(codec.keys), tokens: settings.tokens, corsOrigins, anonymous, log: slog });
  const url = await app.listen({ host: settings.host, port: opts.port ?? settings.port });
  if (anonymous) slog.warn({ url }, 'codec server without a token (development mode, loopback only)');
  slog.info({ url, corsOrigins }, 'codec server listening');
  return { url, app, close: () => app.close() };
}

/** SHA-256 of a token: equal-length values for the constant-time comparison. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function fromJson(p: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): PayloadJson {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}
