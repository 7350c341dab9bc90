import { createHash } from 'node:crypto';
import { ConnectorError } from '../sdk/errors';
import { attemptHttp, errorForResponse } from '../sdk/http';
import type { ConnectorContext } from '../sdk/types';
import type { KeycloakConfig } from './config';

/** A token is renewed this long before Keycloak says it expires, so that no request carries a dying one. */
const RENEW_BEFORE_MS = 30_000;

interface CachedToken {
  accessToken: string;
  /** Milliseconds since the epoch after which the token is renewed. */
  renewAt: number;
}

/**
 * Access tokens of the service account (OAuth 2.0 client credentials, RFC 6749 §4.4), one per
 * realm, client and secret, cached until shortly before they expire. Concurrent operations share one
 * pending token request; a failed request is not cached. `invalidate` drops a token Keycloak refused
 * (revoked before its expiry: its session was logged out, the realm keys rotated).
 */
export class TokenCache {
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(ctx: ConnectorContext<KeycloakConfig>, fetchImpl?: typeof fetch): Promise<string> {
    const key = cacheKey(ctx);
    const cached = this.tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.renewAt > this.now()) return token.accessToken;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    let pending = this.tokens.get(key);
    if (!pending) {
      pending = requestToken(ctx, this.now, fetchImpl);
      this.tokens.set(key, pending);
      pending.catch(() => {
        if (this.tokens.get(key) === pending) this.tokens.delete(key);
      });
    }
    return (await pending).accessToken;
  }

  /** Forgets the token of this context's client if it is still `accessToken`. */
  async invalidate(ctx: ConnectorContext<KeycloakConfig>, accessToken: string): Promise<void> {
    const key = cacheKey(ctx);
    const cached = this.tokens.get(key);
    if (cached && (await cached.catch(() => undefined))?.accessToken === accessToken && this.tokens.get(key) === cached) this.tokens.delete(key);
  }
}

function cacheKey(ctx: ConnectorContext<KeycloakConfig>): string {
  // The secret is part of the key (hashed, never kept in clear) so that a rotated secret gets a new token.
  const secret = createHash('sha256').update(ctx.secrets.clientSecret ?? '').digest('base64url');
  return JSON.stringify([ctx.config.baseUrl, ctx.config.realm, ctx.config.clientId, secret]);
}

/** Token endpoint of the realm (OpenID Connect Core, Keycloak's `/protocol/openid-connect/token`). */
export function tokenPath(config: Pick<KeycloakConfig, 'realm'>): string {
  return `realms/${encodeURIComponent(config.realm)}/protocol/openid-connect/token`;
}

async function requestToken(ctx: ConnectorContext<KeycloakConfig>, now: () => number, fetchImpl?: typeof fetch): Promise<CachedToken> {
  const secret = ctx.secrets.clientSecret;
  if (!secret) throw new ConnectorError({ code: 'auth', message: `app '${ctx.appId}' has no clientSecret secret`, context: { appId: ctx.appId } });
  const path = tokenPath(ctx.config);
  const url = `${ctx.config.baseUrl.replace(/\/+$/, '')}/${path}`;
  const started = now();
  const sent = await attemptHttp(
    {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ctx.config.clientId, client_secret: secret }).toString(),
      signal: ctx.signal,
      timeoutMs: ctx.config.requestTimeoutMs,
      redirect: 'manual',
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    },
    async (res) => ({ res, text: await res.text() }),
  );
  const where = { method: 'POST', path: 'token' };
  if (!sent.ok) {
    ctx.log.warn({ ...where, timedOut: sent.timedOut, durationMs: now() - started }, 'keycloak: token request failed');
    throw new ConnectorError({
      code: 'transient',
      message: sent.timedOut ? `POST token timed out after ${ctx.config.requestTimeoutMs} ms` : 'POST token failed before Keycloak answered',
      cause: sent.cause,
      context: { ...where, timedOut: sent.timedOut },
    });
  }
  const { res, text } = sent.value;
  ctx.log.debug({ ...where, status: res.status, durationMs: now() - started }, 'http request');
  if (res.status !== 200) {
    const base = errorForResponse({ status: res.status, headers: res.headers, method: 'POST', path: 'token', description: describeOAuthError(text), now: now() });
    // A refused client (400 invalid_client / unauthorized_client, 401) is a credential problem, not a bad request.
    if (res.status === 400 || res.status === 401) {
      throw new ConnectorError({ code: 'auth', message: `app '${ctx.appId}': Keycloak refused the client credentials (${base.message})`, status: res.status, context: base.context });
    }
    throw base;
  }
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = {};
  }
  if (typeof body.access_token !== 'string') throw new ConnectorError({ code: 'transient', message: 'POST token answered 200 without an access_token', status: 200, context: where });
  const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60) * 1000;
  return { accessToken: body.access_token, renewAt: now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
}

/** The OAuth error code (RFC 6749 §5.2, an enumerated keyword) of a token endpoint answer; the description is prose from Keycloak. */
function describeOAuthError(text: string): { detail?: string; context?: Record<string, string> } {
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    return {
      ...(typeof body.error_description === 'string' ? { detail: body.error_description } : {}),
      ...(typeof body.error === 'string' && /^[a-z_]{1,40}$/.test(body.error) ? { context: { oauthError: body.error } } : {}),
    };
  } catch {
    return {};
  }
}
