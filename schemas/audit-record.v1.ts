import { z } from 'zod';

/**
 * Audit record v1 on `jml.audit.v1`, key = personKey: one record per connector step that reached an
 * outcome (applied, adopted, already-in-state, not-applicable; written by the event workflow once
 * the outcome is in its history, so a crash cannot lose it; a replay may write the same record
 * again), and one per attempt that failed with a coded error (written by the activity).
 * Transform-free, like every wire contract.
 */
export const AuditRecord = z.strictObject({
  schema: z.literal('jml.audit.v1'),
  eventId: z.string().min(1),
  personKey: z.string().min(1),
  appId: z.string().min(1),
  connector: z.string().min(1),
  operation: z.string().min(1),
  qualifier: z.string().optional(),
  outcome: z.enum(['applied', 'adopted', 'already-in-state', 'not-applicable', 'failed']),
  externalRef: z.string().optional(),
  errorCode: z.string().optional(),
  retryable: z.boolean().optional(),
  /** Activity attempt, starting at 1. */
  attempt: z.number().int().positive(),
  /** `already-in-state` reported by a retry: an earlier attempt may have made the change itself. */
  mayHaveAppliedEarlier: z.boolean().optional(),
  /** The step undid an earlier step of the same event (saga compensation). */
  compensation: z.boolean().optional(),
  /**
   * A createAccount answered `already-in-state` on a retry, or the undo of a create: whether the
   * pipeline made the account (`created`), or it was there before and was adopted by an attempt
   * whose answer was lost (`pre-existing`; `unknown` when the app keeps no creation time, treated
   * alike: released, never deleted).
   */
  origin: z.enum(['created', 'pre-existing', 'unknown']).optional(),
  workflowId: z.string().min(1),
  /** The run of `workflowId` that recorded it: a re-drive is a new run of the same event workflow. */
  runId: z.string().min(1).optional(),
  at: z.iso.datetime({ offset: true }),
});
export type AuditRecord = z.infer<typeof AuditRecord>;
