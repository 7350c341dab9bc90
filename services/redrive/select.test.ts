import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { NeedsAttention } from '../../schemas/contracts';
import { refusalOf } from './redrive';
import { attentionStatus, eventOf, quote, selectionQuery } from './select';

describe('re-drive selection > the visibility query', () => {
  it('finds closed event workflows flagged or not completed, never pre-start or retention-delete runs', () => {
    expect(selectionQuery()).toBe(
      "WorkflowType = 'jmlEventWorkflow' AND ExecutionStatus != 'Running' AND " +
        "(NeedsAttention = true OR ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Terminated' OR ExecutionStatus = 'Canceled') AND " +
        "JmlKind != 'prestart' AND JmlKind != 'delete'",
    );
  });

  it('narrows to an app (the Apps search attribute) and a start moment', () => {
    const query = selectionQuery({ app: 'wiki', since: new Date('2026-12-06T01:00:00Z') });
    expect(query.endsWith(" AND Apps = 'wiki' AND StartTime >= '2026-12-06T01:00:00.000Z'")).toBe(true);
  });

  it('quotes values so that an app id cannot change the query', () => {
    expect(quote("wiki' OR '1'='1")).toBe("'wiki\\' OR \\'1\\'=\\'1'");
    expect(quote('a\\b')).toBe("'a\\\\b'");
  });
});

describe('re-drive selection > what a latest run asks for', () => {
  const desc = (name: string, needs?: boolean) => ({
    status: { code: 0, name },
    typedSearchAttributes: new TypedSearchAttributes(needs === undefined ? [] : [{ key: NeedsAttention, value: needs }]),
  }) as unknown as Parameters<typeof attentionStatus>[0];

  it.each<[string, boolean | undefined, string | undefined]>([
    ['COMPLETED', true, 'needs-attention'],
    ['COMPLETED', false, undefined],
    ['COMPLETED', undefined, undefined],
    ['FAILED', undefined, 'failed'],
    ['TERMINATED', false, 'failed'],
    ['TIMED_OUT', undefined, 'failed'],
    ['CANCELLED', undefined, 'failed'],
    ['RUNNING', true, undefined],
  ])('%s with NeedsAttention %s: %s', (name, needs, expected) => {
    expect(attentionStatus(desc(name, needs))).toBe(expected);
  });

  it('reads the person key and event id from the workflow id, with the PersonKey attribute as the split', () => {
    expect(eventOf('jml/test:acme:42/evt-1', 'test:acme:42')).toEqual({ personKey: 'test:acme:42', eventId: 'evt-1' });
    expect(eventOf('jml/a/b/c', 'a/b')).toEqual({ personKey: 'a/b', eventId: 'c' });
    expect(eventOf('jml/test:acme:42/', 'test:acme:42')).toBeUndefined();
    expect(eventOf('person/test:acme:42', 'test:acme:42')).toBeUndefined();
    expect(eventOf('jml/test:acme:42/evt-1', undefined)).toBeUndefined();
  });
});

describe('re-drive > refusals from the person workflow', () => {
  it('are read from the failure type of the refused update', () => {
    const err = new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type: 'already-applied', message: 'e1 was applied in full', nonRetryable: true }));
    expect(refusalOf(err)).toEqual({ reason: 'already-applied', message: 'e1 was applied in full' });
  });

  it('are not made up from other failures', () => {
    expect(refusalOf(new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type: 'SomethingElse', message: 'boom' })))).toBeUndefined();
    expect(refusalOf(new Error('unavailable'))).toBeUndefined();
  });
});
