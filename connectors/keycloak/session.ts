import { createHttpClient, type HttpRequest, type HttpResponse } from '../sdk/http';
import type { ConnectorContext } from '../sdk/types';
import type { KeycloakConfig } from './config';
import type { TokenCache } from './token';

/** One operation's view of the realm: the context and a request helper on the admin API. */
export interface KeycloakSession {
  ctx: ConnectorContext<KeycloakConfig>;
  /** A request below `/admin/realms/{realm}/`, with the service account's token. */
  request<T>(req: Omit<HttpRequest, 'signal' | 'log' | 'timeoutMs'>): Promise<HttpResponse<T>>;
}

/** Options of {@link openSession}; `fetch` is injected by unit tests. */
export interface OpenSessionOptions {
  tokens: TokenCache;
  fetch?: typeof fetch;
}

/**
 * Opens the admin API of the configured realm. Errors follow the SDK table (connectors/sdk/http.ts):
 * 429 and 5xx retryable with Retry-After, 401/403 `auth`, 409 `conflict`, other 4xx
 * `invalid-request`. A 401 on a token we cached is answered once more with a fresh token (Keycloak
 * revokes a token before its expiry when its session ends); a second 401 is `auth`.
 */
export function openSession(ctx: ConnectorContext<KeycloakConfig>, opts: OpenSessionOptions): KeycloakSession {
  const base = `${ctx.config.baseUrl.replace(/\/+$/, '')}/admin/realms/${encodeURIComponent(ctx.config.realm)}`;
  const clientFor = (token: string) =>
    createHttpClient({
      baseUrl: base,
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: ctx.config.requestTimeoutMs,
      describeError: describeKeycloakError,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });

  return {
    ctx,
    async request<T>(req: Omit<HttpRequest, 'signal' | 'log' | 'timeoutMs'>): Promise<HttpResponse<T>> {
      const token = await opts.tokens.get(ctx, opts.fetch);
      const accept = [...(req.accept ?? []), 401];
      const first = await clientFor(token).request<T>({ ...req, accept, signal: ctx.signal, log: ctx.log });
      if (first.status !== 401 || req.accept?.includes(401)) return first;
      await opts.tokens.invalidate(ctx, token);
      ctx.log.info({ appId: ctx.appId, method: req.method, path: req.path }, 'keycloak: token refused before its expiry; asking for a new one');
      const fresh = await opts.tokens.get(ctx, opts.fetch);
      return clientFor(fresh).request<T>({ ...req, signal: ctx.signal, log: ctx.log });
    },
  };
}

/**
 * Safe facts of a Keycloak error body: `errorMessage` (admin API) or `error_description` (OAuth) as
 * prose, the `field` a user-profile validation names, the OAuth `error` keyword. Never `params`,
 * which echo the refused values (personal data).
 */
export function describeKeycloakError(body: unknown): { detail?: string; context?: Record<string, string> } {
  if (typeof body !== 'object' || body === null) return {};
  const { errorMessage, error_description: description, error, field } = body as Record<string, unknown>;
  const detail = typeof errorMessage === 'string' ? errorMessage : typeof description === 'string' ? description : typeof error === 'string' ? error : undefined;
  const context: Record<string, string> = {};
  if (typeof field === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(field)) context.field = field;
  if (typeof error === 'string' && /^[a-z_]{1,40}$/.test(error)) context.oauthError = error;
  return { ...(detail ? { detail } : {}), ...(Object.keys(context).length > 0 ? { context } : {}) };
}
