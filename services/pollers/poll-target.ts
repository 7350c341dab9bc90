import type { SourceDefinition } from '../../sources/sdk/define';
import { tenantOf } from '../../sources/sdk/tenants';
import { PollerError } from '../../sources/sdk/poll-error';

/** What one poll of one tenant runs against: its configuration and its API client. */
export interface PollTarget<Tenant, Client> {
  config: Tenant;
  client: Client;
}

/**
 * How the poll activity finds what a poll runs against: the tenant looked up once (the same lookup
 * as the webhook route's), polled only when the source says so (`poll.enabled`), with one API
 * client per tenant made by `clientFor` or the source's `client()`. Throws {@link PollerError} `tenant-unknown` (not retryable) for a tenant this worker does not
 * poll: the workflow names it, and retrying cannot make it configured.
 */
export function pollTargets<Tenant, Client>(
  source: SourceDefinition<Tenant, unknown, unknown, Client>,
  tenants: Readonly<Record<string, Tenant>>,
  clientFor?: (tenant: string, config: Tenant) => Client | undefined,
): (tenant: string) => PollTarget<Tenant, Client> {
  const clients = new Map<string, Client>();
  return (tenant) => {
    const config = tenantOf(tenants, tenant);
    const client = config !== undefined && source.poll?.enabled(config) ? (clients.get(tenant) ?? clientFor?.(tenant, config) ?? source.client?.(config)) : undefined;
    if (config === undefined || client === undefined) {
      throw new PollerError({ code: 'tenant-unknown', message: `no ${source.id} tenant '${tenant}' with polling is configured on this worker`, context: { source: source.id, tenant } });
    }
    clients.set(tenant, client);
    return { config, client };
  };
}
