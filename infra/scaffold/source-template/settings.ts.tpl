import { z } from 'zod';
import { defineSettings, SecretRefs, tenantsVariable } from '__SDK__/settings';

/** One __ID__ account the gateway takes webhooks from (`POST /webhooks/__ID__/<tenant>`), as configured. */
export const __PASCAL__TenantSettings = z.strictObject({
  /** The webhook's signing key; a list during rotation. */
  webhookKey: SecretRefs,
  // TODO(__ID__): API credentials when the source hydrates or polls; a time zone when it sends calendar dates.
});

/** A __ID__ tenant with its secrets resolved. */
export interface __PASCAL__TenantConfig {
  /** The webhook's signing keys: one, or several during a rotation. */
  readonly webhookKeys: readonly string[];
}

/** `JML___ENV___TENANTS`: JSON { "<tenant>": { webhookKey: {env|file} | [{env|file}, …] } }. */
export const __CAMEL__Settings = defineSettings({
  tenantsVariable: 'JML___ENV___TENANTS',
  env: {
    JML___ENV___TENANTS: tenantsVariable(__PASCAL__TenantSettings),
  },
  resolve(env, ctx) {
    const tenants: Record<string, __PASCAL__TenantConfig> = {};
    for (const [tenant, t] of Object.entries(env.JML___ENV___TENANTS ?? {})) {
      const webhookKeys = ctx.signingKeys(t.webhookKey, `JML___ENV___TENANTS.${tenant}.webhookKey`, 'utf8');
      if (webhookKeys) tenants[tenant] = { webhookKeys };
    }
    return { tenants };
  },
});
