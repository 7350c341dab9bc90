import { ConnectorError } from '../sdk/errors';
import { createHttpClient, type HttpRequest, type HttpResponse } from '../sdk/http';
import type { ConnectorContext } from '../sdk/types';
import type { ScimConfig } from './config';
import { PROFILES, type ScimProfile } from './profiles';
import { describeScimError, SCIM_MEDIA_TYPE } from './schema';

/** What the connector does against one app, decided from its ServiceProviderConfig and profile. */
export interface Features {
  /** PATCH (RFC 7644 §3.5.2) instead of PUT for partial changes. */
  patch: boolean;
  /** If-Match on writes (RFC 7644 §3.14). */
  etag: boolean;
  /** Filtered queries (RFC 7644 §3.4.2.2) for lookups. */
  filter: boolean;
}

/** ServiceProviderConfig as RFC 7643 §5 defines the parts we read. */
interface ServiceProviderConfig {
  patch?: { supported?: boolean };
  filter?: { supported?: boolean };
  etag?: { supported?: boolean };
}

/** One operation's view of the app: the context, the profile, the features and a request helper. */
export interface ScimSession {
  ctx: ConnectorContext<ScimConfig>;
  profile: ScimProfile;
  features: Features;
  request<T>(req: Omit<HttpRequest, 'signal' | 'log' | 'timeoutMs'>): Promise<HttpResponse<T>>;
}

/**
 * Discovered features per base URL, for the life of the connector instance: ServiceProviderConfig
 * is read once per instance (RFC 7644 §4), not once per operation. A failed read is not cached.
 */
export class FeatureCache {
  private readonly byBaseUrl = new Map<string, Promise<ServiceProviderConfig>>();

  get(baseUrl: string, load: () => Promise<ServiceProviderConfig>): Promise<ServiceProviderConfig> {
    let pending = this.byBaseUrl.get(baseUrl);
    if (!pending) {
      pending = load();
      this.byBaseUrl.set(baseUrl, pending);
      pending.catch(() => this.byBaseUrl.delete(baseUrl));
    }
    return pending;
  }
}

export async function openSession(ctx: ConnectorContext<ScimConfig>, cache: FeatureCache): Promise<ScimSession> {
  const token = ctx.secrets.bearerToken;
  if (!token) throw new ConnectorError({ code: 'auth', message: `app '${ctx.appId}' has no bearerToken secret`, context: { appId: ctx.appId } });
  const http = createHttpClient({
    baseUrl: ctx.config.baseUrl,
    headers: { authorization: `Bearer ${token}` },
    contentType: SCIM_MEDIA_TYPE,
    timeoutMs: ctx.config.requestTimeoutMs,
    describeError: describeScimError,
  });
  const request: ScimSession['request'] = (req) => http.request({ ...req, signal: ctx.signal, log: ctx.log });
  const profile: ScimProfile = PROFILES[ctx.config.profile];

  // The read is shared by concurrent operations, so it runs without one operation's signal; each
  // operation still stops waiting for it as soon as its own signal aborts.
  const shared = cache.get(ctx.config.baseUrl, async () => {
    const res = await http.request<ServiceProviderConfig>({ method: 'GET', path: 'ServiceProviderConfig', accept: [404, 501], log: ctx.log });
    if (res.status !== 200 || !res.body) {
      // Required by RFC 7644 §4, yet absent: assume the least (PUT, no ETags) and try filters.
      ctx.log.warn({ appId: ctx.appId, status: res.status }, 'scim: no ServiceProviderConfig; assuming no PATCH and no ETag');
      return {};
    }
    return res.body;
  });
  const spc = await untilAborted(shared, ctx.signal);

  return {
    ctx,
    profile,
    features: {
      patch: profile.patch === 'auto' && spc.patch?.supported === true,
      etag: profile.etag === 'auto' && spc.etag?.supported === true,
      filter: spc.filter?.supported !== false,
    },
    request,
  };
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
