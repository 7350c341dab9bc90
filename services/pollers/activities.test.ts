import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeBambooHr, type FakeBambooHr } from '../../sources/bamboohr/testing/fake-api';
import { memoryDedupe, memoryPublishedState, memorySink, memorySnapshotStore } from '../../test/fakes/pollers';
import { createBambooHrClient } from '../../sources/bamboohr/api-client';
import { gatewayCounters } from '../metrics';
import type { PollSummary } from '../../schemas/contracts';
import { createPollerActivities, type PollerActivityDeps } from './activities';
import { ingestPublisher } from './publish';

const log = pino({ level: 'silent' });
const SINCE = { kind: 'bamboohr' as const, since: '2026-03-01T00:00:00Z' };
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const mockEnv = () => new MockActivityEnvironment(undefined, { logger: quiet });

describe('poller activities', () => {
  let fake: FakeBambooHr;
  beforeEach(async () => {
    fake = await startFakeBambooHr({ apiKey: 'key' });
  });
  afterEach(() => fake.close());

  function activities(over: Partial<PollerActivityDeps> = {}) {
    return createPollerActivities({
      bamboohr: { acme: { webhookKeys: ['w'], apiKey: 'key', apiBaseUrl: fake.url } },
      workday: { acme: { secrets: ['s'], defaultTimeZone: 'UTC' } },
      publisher: ingestPublisher({ producer: memorySink(), dedupe: memoryDedupe(), metrics: gatewayCounters(), log, now: Date.now }),
      ledger: memoryPublishedState(),
      snapshots: memorySnapshotStore(),
      log,
      // Fail fast: the activity's own retry policy (in the workflow) does the waiting.
      bambooHrClientFor: (_t, c) => createBambooHrClient({ baseUrl: c.apiBaseUrl, apiKey: c.apiKey, maxAttempts: 1 }),
      ...over,
    });
  }

  async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }

  it('unknown tenant > a non-retryable tenant-unknown failure (a Workday tenant without raas counts as unknown)', async () => {
    const env = mockEnv();
    const a = activities();
    const bamboo = await failureOf(env.run(a.pollBambooHr, { tenant: 'nobody', cursor: SINCE }));
    const workday = await failureOf(env.run(a.pollWorkday, { tenant: 'acme' }));
    expect([bamboo.type, bamboo.nonRetryable, workday.type, workday.nonRetryable]).toEqual(['tenant-unknown', true, 'tenant-unknown', true]);
  });

  it('vendor errors > become failures typed by their code, honouring Retry-After', async () => {
    const env = mockEnv();
    const wrongKey = activities({ bamboohr: { acme: { webhookKeys: ['w'], apiKey: 'wrong', apiBaseUrl: fake.url } } });
    const auth = await failureOf(env.run(wrongKey.pollBambooHr, { tenant: 'acme', cursor: SINCE }));
    expect([auth.type, auth.nonRetryable]).toEqual(['auth', true]);

    fake.failNext(429, 600);
    const limited = await failureOf(env.run(activities().pollBambooHr, { tenant: 'acme', cursor: SINCE }));
    expect([limited.type, limited.nonRetryable, limited.nextRetryDelay]).toEqual(['rate-limited', false, 600_000]);
  });

  it('heartbeats > per employee with progress, and on a timer while a call is slow', async () => {
    const env = mockEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    fake.setEmployee('4101', { firstName: 'Ada', lastName: 'Lovelace' }, { lastChanged: '2026-03-01T10:00:00Z' });
    fake.scriptNext({ delayMs: 120 });
    const summary = (await env.run(activities({ heartbeatEveryMs: 20 }).pollBambooHr, { tenant: 'acme', cursor: SINCE })) as PollSummary;
    expect(summary.produced).toBe(1);
    expect(beats).toContainEqual({ employeeId: '4101', done: 0, of: 1 });
    expect(beats.filter((b) => b === undefined).length).toBeGreaterThanOrEqual(2);
  });
});
