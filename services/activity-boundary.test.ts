import { ApplicationFailure, CancelledFailure, ensureTemporalFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../connectors/sdk/errors';
import { activityBoundary, toActivityFailure } from './activity-boundary';
import { PollerError } from '../sources/sdk/poll-error';

const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const mockEnv = () => new MockActivityEnvironment(undefined, { logger: quiet });

function asFailure(err: unknown): ApplicationFailure {
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('toActivityFailure', () => {
  it('retryable coded error > a retryable failure typed by its code, with its context and the error as cause', () => {
    const err = new ConnectorError({ code: 'transient', message: 'GET /Users answered 502', status: 502, context: { method: 'GET' } });
    const f = asFailure(toActivityFailure(err));
    expect([f.type, f.message, f.nonRetryable, f.nextRetryDelay, f.details, f.cause]).toEqual(['transient', 'GET /Users answered 502', false, undefined, [{ method: 'GET' }], err]);
  });

  it('non-retryable coded error > a non-retryable failure', () => {
    const f = asFailure(toActivityFailure(new PollerError({ code: 'tenant-unknown', message: 'no tenant', context: { tenant: 'x' } })));
    expect([f.type, f.nonRetryable]).toEqual(['tenant-unknown', true]);
  });

  it('an error that overrides its code default > follows the error', () => {
    const f = asFailure(toActivityFailure(new ConnectorError({ code: 'auth', message: 'token expired mid-call', retryable: true })));
    expect([f.type, f.nonRetryable]).toEqual(['auth', false]);
  });

  it('Retry-After > nextRetryDelay of the failure', () => {
    const f = asFailure(toActivityFailure(new ConnectorError({ code: 'rate-limited', message: 'slow down', status: 429, retryAfterMs: 7_000 })));
    expect([f.type, f.nonRetryable, f.nextRetryDelay]).toEqual(['rate-limited', false, 7_000]);
  });

  it('Temporal failures (built on purpose, or a cancellation) > unchanged', () => {
    const built = ApplicationFailure.create({ type: 'event-failed', message: 'x', nonRetryable: true });
    const cancelled = new CancelledFailure('cancelled');
    expect(toActivityFailure(built)).toBe(built);
    expect(toActivityFailure(cancelled)).toBe(cancelled);
  });

  it('unknown Error > unchanged, which the SDK turns into a retryable failure with its message', () => {
    const err = new TypeError('cannot read x');
    expect(toActivityFailure(err)).toBe(err);
    const f = asFailure(ensureTemporalFailure(toActivityFailure(err)));
    expect([f.type, f.message, f.nonRetryable]).toEqual(['TypeError', 'cannot read x', false]);
  });

  it('a thrown non-Error > a retryable failure whose message does not echo the value', () => {
    const f = asFailure(toActivityFailure({ email: 'ada@example.com' }));
    expect([f.type, f.nonRetryable, f.message]).toEqual(['non-error-thrown', false, 'the activity threw a object, not an Error']);
    expect(asFailure(toActivityFailure('secret-ish text')).message).not.toContain('secret');
  });
});

describe('activityBoundary', () => {
  it('heartbeats on its own while the work runs, forwards the work\'s progress, and stops afterwards', async () => {
    const env = mockEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result = await env.run(() =>
      activityBoundary({ heartbeatEveryMs: 10 }, async (heartbeat) => {
        heartbeat({ page: 1 });
        await new Promise((r) => setTimeout(r, 45));
        return 'done';
      }),
    );
    expect(result).toBe('done');
    expect(beats[0]).toEqual({ page: 1 });
    expect(beats.length).toBeGreaterThanOrEqual(3);
    const after = beats.length;
    await new Promise((r) => setTimeout(r, 40));
    expect(beats.length).toBe(after);
  });

  it('a thrown coded error > shown to onCodedError, then thrown as its failure', async () => {
    const env = mockEnv();
    const seen: string[] = [];
    const err = await env
      .run(() =>
        activityBoundary({ heartbeatEveryMs: 1_000, onCodedError: (e) => void seen.push(e.code) }, async () => {
          throw new ConnectorError({ code: 'conflict', message: 'taken' });
        }),
      )
      .catch((e: unknown) => e);
    expect(seen).toEqual(['conflict']);
    expect([asFailure(err).type, asFailure(err).nonRetryable]).toEqual(['conflict', true]);
  });

  it('an unknown error > not shown to onCodedError, rethrown as it was', async () => {
    const env = mockEnv();
    const seen: string[] = [];
    const thrown = new Error('boom');
    const err = await env
      .run(() =>
        activityBoundary({ heartbeatEveryMs: 1_000, onCodedError: (e) => void seen.push(e.code) }, async () => {
          throw thrown;
        }),
      )
      .catch((e: unknown) => e);
    expect([seen, err]).toEqual([[], thrown]);
  });
});
