import { describe, expect, it } from 'vitest';
import { AuditRecord } from './audit-record.v1';

const record = (outcome: string) => ({
  schema: 'jml.audit.v1',
  eventId: 'evt-1',
  personKey: 'hr:1',
  appId: 'wiki',
  connector: 'scim',
  operation: 'createAccount',
  outcome,
  externalRef: 'u-1',
  attempt: 1,
  workflowId: 'jml-event:evt-1',
  at: '2026-12-05T09:00:00Z',
});

describe('audit record v1', () => {
  it('outcome > an adoption is audited as such, apart from a create', () => {
    for (const outcome of ['applied', 'adopted', 'already-in-state', 'not-applicable', 'failed']) {
      expect(AuditRecord.safeParse(record(outcome)).success, outcome).toBe(true);
    }
    expect(AuditRecord.safeParse(record('created')).success).toBe(false);
  });
});
