import { z } from 'zod';
import { SecretRef } from '../../schemas/secret-ref';
import { defineSettings, pollIntervalSeconds, SecretRefs, tenantsVariable } from '../sdk/settings';

/** The RaaS report the Workday reconciliation poller runs (docs/workday-contract.md#raas-reconciliation). */
const WorkdayRaasSettings = z.strictObject({
  /** `https://<host>/ccx/service/customreport2/<tenant>/<owner>/<report>`, without a query. */
  reportUrl: z.string().url().refine((u) => !URL.canParse(u) || new URL(u).search === '', 'must not carry a query; put report prompts in `prompts`'),
  /** The integration system user (`ISU_JML@acme`); not a secret. */
  user: z.string().min(1),
  password: SecretRef,
  /** Report prompts sent as query parameters. */
  prompts: z.record(z.string().min(1), z.string()).optional(),
});

/** One Workday tenant posting the documented contract (`POST /webhooks/workday/<tenant>`), as configured. */
export const WorkdayTenantSettings = z.strictObject({
  /** Shared HMAC secret; a list during rotation (any one may match). */
  secret: SecretRefs,
  /** Zone for effective dates of workers without a Time_Zone. Required: never the host's zone. */
  defaultTimeZone: z.string().min(1),
  /** With it, a poller reconciles the tenant against this report. */
  raas: WorkdayRaasSettings.optional(),
});

/** A Workday tenant with its secrets resolved. */
export interface WorkdayTenantConfig {
  readonly secrets: readonly string[];
  readonly defaultTimeZone: string;
  /** The reconciliation report, password resolved. */
  readonly raas?: { readonly reportUrl: string; readonly user: string; readonly password: string; readonly prompts?: Readonly<Record<string, string>> };
}

/** `JML_WORKDAY_TENANTS` and the RaaS poll interval. */
export const workdaySettings = defineSettings({
  tenantsVariable: 'JML_WORKDAY_TENANTS',
  env: {
    /** JSON: { "<tenant>": { secret: {env|file} | [{env|file}, …], defaultTimeZone, raas?: { reportUrl, user, password: {env|file}, prompts? } } } */
    JML_WORKDAY_TENANTS: tenantsVariable(WorkdayTenantSettings),
    /** Seconds between Workday RaaS polls per tenant with `raas`; 0 turns them off. */
    JML_WORKDAY_POLL_INTERVAL_SECONDS: pollIntervalSeconds(900),
  },
  resolve(env, ctx) {
    const tenants: Record<string, WorkdayTenantConfig> = {};
    for (const [tenant, t] of Object.entries(env.JML_WORKDAY_TENANTS ?? {})) {
      const secrets = ctx.signingKeys(t.secret, `JML_WORKDAY_TENANTS.${tenant}.secret`, 'utf8');
      const password = t.raas ? ctx.secret(t.raas.password, `JML_WORKDAY_TENANTS.${tenant}.raas.password`) : undefined;
      if (secrets && !(t.raas && password === undefined)) {
        tenants[tenant] = {
          secrets,
          defaultTimeZone: t.defaultTimeZone,
          ...(t.raas && password !== undefined
            ? { raas: { reportUrl: t.raas.reportUrl, user: t.raas.user, password, ...(t.raas.prompts ? { prompts: t.raas.prompts } : {}) } }
            : {}),
        };
      }
    }
    return { tenants, pollIntervalMs: env.JML_WORKDAY_POLL_INTERVAL_SECONDS * 1000 };
  },
});
