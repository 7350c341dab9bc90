import { z } from 'zod';

/**
 * What __ID__ posts, as generated: one event per post. TODO(__ID__): the vendor's real payload,
 * taken from its documentation and from captured deliveries (golden/).
 */
export const __PASCAL__Payload = z.strictObject({
  type: z.enum(['employee.hired', 'employee.updated', 'employee.terminated']),
  /** When the change was entered in the HR system. */
  occurredAt: z.iso.datetime({ offset: true }),
  employee: z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/),
    firstName: z.string().min(1).max(512),
    lastName: z.string().min(1).max(512),
    email: z.email().nullable(),
    jobTitle: z.string().min(1).max(512).nullable(),
    department: z.string().min(1).max(512).nullable(),
    /** First day of work (calendar date). */
    startDate: z.iso.date(),
    /** Last day of work, once known. */
    endDate: z.iso.date().nullable(),
  }),
});
export type __PASCAL__Payload = z.infer<typeof __PASCAL__Payload>;

/** One offending field: its dotted path and what is wrong (never the value posted). */
export interface PayloadIssue {
  path: string;
  message: string;
}

/** From the verified bytes to a payload; never throws. */
export function parse__PASCAL__Body(body: Buffer): { ok: true; payload: __PASCAL__Payload } | { ok: false; reason: string; issues?: PayloadIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  const parsed = __PASCAL__Payload.safeParse(json);
  if (parsed.success) return { ok: true, payload: parsed.data };
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  return { ok: false, reason: `not a __ID__ event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues };
}
