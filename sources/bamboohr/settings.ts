import { z } from 'zod';
import { SecretRef } from '../../schemas/secret-ref';
import { defineSettings, pollIntervalSeconds, SecretRefs, tenantsVariable } from '../sdk/settings';

/** One BambooHR account the gateway takes webhooks from (`POST /webhooks/bamboohr/<tenant>`), as configured. */
export const BambooHrTenantSettings = z.strictObject({
  /** The webhook's private key (signature); a list during rotation. */
  webhookKey: SecretRefs,
  /** API key for hydration and reconciliation. */
  apiKey: SecretRef,
  /** API root ending in /v1; default `https://api.bamboohr.com/api/gateway.php/<companyDomain>/v1`. */
  apiBaseUrl: z.string().url().optional(),
  companyDomain: z.string().min(1).optional(),
  /** IANA zone of the tenant's calendar dates (hire and termination dates); UTC when absent. */
  timeZone: z.string().min(1).optional(),
});

/** A BambooHR tenant with its secrets resolved. */
export interface BambooHrTenantConfig {
  /** The webhook's private keys: one, or several during a rotation. */
  readonly webhookKeys: readonly string[];
  readonly apiKey: string;
  readonly apiBaseUrl: string;
  readonly timeZone?: string;
}

/** `JML_BAMBOOHR_TENANTS` and the reconciliation poll interval. */
export const bambooHrSettings = defineSettings({
  tenantsVariable: 'JML_BAMBOOHR_TENANTS',
  env: {
    /** JSON: { "<tenant>": { webhookKey: {env|file} | [{env|file}, …], apiKey: {env|file}, apiBaseUrl?, companyDomain?, timeZone? } } */
    JML_BAMBOOHR_TENANTS: tenantsVariable(BambooHrTenantSettings),
    /** Seconds between BambooHR reconciliation polls per tenant; 0 turns them off. */
    JML_BAMBOOHR_POLL_INTERVAL_SECONDS: pollIntervalSeconds(300),
  },
  resolve(env, ctx) {
    const tenants: Record<string, BambooHrTenantConfig> = {};
    for (const [tenant, t] of Object.entries(env.JML_BAMBOOHR_TENANTS ?? {})) {
      const webhookKeys = ctx.signingKeys(t.webhookKey, `JML_BAMBOOHR_TENANTS.${tenant}.webhookKey`, 'utf8');
      const apiKey = ctx.secret(t.apiKey, `JML_BAMBOOHR_TENANTS.${tenant}.apiKey`);
      const apiBaseUrl = t.apiBaseUrl ?? (t.companyDomain ? `https://api.bamboohr.com/api/gateway.php/${encodeURIComponent(t.companyDomain)}/v1` : undefined);
      if (!apiBaseUrl) ctx.problem(`JML_BAMBOOHR_TENANTS.${tenant}: set apiBaseUrl or companyDomain`);
      if (webhookKeys && apiKey !== undefined && apiBaseUrl) {
        tenants[tenant] = { webhookKeys, apiKey, apiBaseUrl, ...(t.timeZone ? { timeZone: t.timeZone } : {}) };
      }
    }
    return { tenants, pollIntervalMs: env.JML_BAMBOOHR_POLL_INTERVAL_SECONDS * 1000 };
  },
});
