import { z } from 'zod';

/**
 * Reconciliation finding v1 on `jml.reconcile.v1`, key = appId: one record per finding of a run
 * (services/reconcile/compare.ts), and one `summary` record closing each app's run, so a consumer
 * knows a run is complete and how many findings it had. People appear by person key only and
 * attributes by name only: no personal values travel on this topic. Transform-free.
 */
const Drift = z.strictObject({
  attributes: z.array(z.string()).optional(),
  grant: z.array(z.string()).optional(),
  revoke: z.array(z.string()).optional(),
  enabled: z.boolean().optional(),
});

export const ReconcileFinding = z.strictObject({
  schema: z.literal('jml.reconcile.v1'),
  /** The run (`reconcile-<ISO instant>`); every record of a run carries it. */
  runId: z.string().min(1),
  appId: z.string().min(1),
  kind: z.enum(['orphan', 'zombie', 'missing', 'drift', 'unmanaged', 'unused', 'last-use', 'summary']),
  personKey: z.string().optional(),
  externalRef: z.string().optional(),
  summary: z.string(),
  drift: Drift.optional(),
  /** `unused` records: when the account was last used (absent: never, since its creation), and whole days since. */
  lastUsedAt: z.iso.datetime({ offset: true }).optional(),
  daysUnused: z.number().int().nonnegative().optional(),
  /** `summary` records: the app's totals. */
  counts: z.record(z.string(), z.number().int().nonnegative()).optional(),
  accounts: z.number().int().nonnegative().optional(),
  unchecked: z.number().int().nonnegative().optional(),
  /**
   * `last-use` records (apps whose policy judges unused accounts, when the app told): managed
   * accounts' last use by person key, `null` for never used; at most 500 per record, before the summary.
   */
  lastUse: z.record(z.string(), z.iso.datetime({ offset: true }).nullable()).optional(),
  /** `summary` records of an app whose policy judges unused accounts: why it could not (e.g. the app's event store refused). */
  unusedUnknown: z.string().optional(),
  at: z.iso.datetime({ offset: true }),
});
export type ReconcileFinding = z.infer<typeof ReconcileFinding>;
