import type { AnyConnector } from '../../connectors/sdk';
import type { AppMapping } from '../mapping';

/** A token bucket shared by every worker through Redis: `perSecond` tokens refill, up to `burst`. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** One configured app: a connector instance with its parsed settings and resolved secrets. */
export interface AppInstance {
  appId: string;
  connector: AnyConnector;
  config: unknown;
  secrets: Readonly<Record<string, string>>;
  /** Shared across workers through Redis; none means unlimited. */
  rateLimit?: RateLimit;
  /** The app's attribute mapping; its unique attributes are resolved when an account is created (services/worker/unique.ts). */
  mapping?: AppMapping;
}

/** Releases what the apps' connectors hold (pools, sessions), each connector once however many apps share it. */
export async function disposeConnectors(apps: Iterable<AppInstance>): Promise<void> {
  await Promise.all([...new Set([...apps].map((a) => a.connector))].map((c) => c.dispose?.()));
}
