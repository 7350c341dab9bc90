import type { AnySource } from '../define';

/**
 * What the source conformance kit runs deliveries through: the gateway's generic webhook route
 * with an in-memory Kafka, edge dedupe and replay memory. Sources may not import the gateway, so
 * the kit gets it injected: test/setup/source-kit.ts (a vitest setup file) installs the gateway's
 * host (services/gateway/testing/source-kit-host.ts) with {@link installSourceKitHost}.
 */
export interface SourceKitHost {
  start(req: KitGatewayRequest): Promise<KitGateway>;
}

export interface KitGatewayRequest {
  source: AnySource;
  /** Tenants by name, as the route takes them. */
  tenants: Readonly<Record<string, unknown>>;
  /** The API client every tenant uses (hydration); the source's own when absent. */
  client?: unknown;
  /** The gateway's clock. */
  nowMs: number;
  /** Largest body the gateway reads. */
  bodyLimitBytes: number;
}

/** A record the gateway produced, by what it is rather than by topic name. */
export interface KitRecord {
  kind: 'event' | 'leaver-lane' | 'raw' | 'dead-letter';
  /** The value as text (JSON for events). */
  value: string;
  headers: Readonly<Record<string, string>>;
  /** Dead letters: the reason code, as the host's dead-letter reader parsed it from the headers. */
  rejectCode?: string;
}

export interface KitResponse {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

export interface KitGateway {
  post(req: { path: string; headers: Readonly<Record<string, string>>; body: Buffer }): Promise<KitResponse>;
  /** Every record produced so far, in order. */
  records(): readonly KitRecord[];
  /** Moves the gateway's clock. */
  setNow(ms: number): void;
  close(): Promise<void>;
}

type HostLoader = () => Promise<SourceKitHost>;
let loader: HostLoader | undefined;

/** Installs the host the kit runs against (lazily loaded: most test files never run the kit). */
export function installSourceKitHost(load: HostLoader): void {
  loader = load;
}

/** The installed host; throws with the fix when none is installed. */
export async function sourceKitHost(): Promise<SourceKitHost> {
  if (!loader) throw new Error('no source kit host is installed: run the kit under vitest.unit.config.ts (its setup file test/setup/source-kit.ts installs the gateway)');
  return loader();
}
