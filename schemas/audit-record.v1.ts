import { z } from 'zod';

/**
 * Audit record v1 on `jml.audit.v1`, key = personKey: one record per connector step attempt that
 * reached an outcome (applied, adopted, already-in-state, not-applicable) or failed with a coded
 * error. `adopted`: a create claimed an account the pipeline did not make (connectors/sdk/types.ts).
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
  workflowId: z.string().min(1),
  at: z.iso.datetime({ offset: true }),
});
export type AuditRecord = z.infer<typeof AuditRecord>;
