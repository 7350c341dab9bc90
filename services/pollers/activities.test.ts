import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeBambooHr, type FakeBambooHr } from '../../sources/bamboohr/testing/fake-api';
import { memoryDedupe, memoryPublishedState, memorySink, memorySnapshotStore } from '../../test/fakes/pollers';
import { createBambooHrClient } from '../../sources/bamboohr/api-client';
import type { AnySource, PollContract } from '../../sources/sdk/define';
import { readCursor, type PollRequest } from '../../sources/sdk/poll';
import { summarize } from '../../sources/sdk/poll-summary';
import { gatewayCounters } from '../metrics';
import type { PollSummary } from '../../schemas/contracts';
import { createPollerActivities, type PollerActivityDeps } from './activities';
import { ingestPublisher } from './publish';

const log = pino({ level: 'silent' });
const SINCE = { kind: 'bamboohr' as const, since: '2026-03-01T00:00:00Z' };
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const mockEnv = () => new MockActivityEnvironment(undefined, { logger: quiet });

/**
 * A third polled source, only as far as polling goes (the activity reads nothing else of a
 * definition): its cursor is a page number, which the activity and the workflow carry unread.
 */
const Page = z.object({ kind: z.literal('paged'), page: z.number().int() });
const seen: Array<PollRequest<{ pages: boolean }, { name: string }>> = [];
const pagedPoll: PollContract<{ pages: boolean }, { name: string }> = {
  enabled: (config) => config.pages,
  async poll(req) {
    seen.push(req);
    const page = readCursor('paged', Page, req.cursor)?.page ?? 0;
    req.ports.heartbeat({ page });
    return summarize({ cursor: { kind: 'paged', page: page + 1 }, position: `page ${page + 1}`, at: req.ports.now(), observed: 0, skipped: 0, notes: [] });
  },
};
const pagedSource = { id: 'paged', title: 'Paged', client: () => ({ name: 'paged-client' }), poll: pagedPoll } as Partial<AnySource> as AnySource;

describe('poller activities', () => {
  let fake: FakeBambooHr;
  beforeEach(async () => {
    fake = await startFakeBambooHr({ apiKey: 'key' });
    seen.length = 0;
  });
  afterEach(() => fake.close());

  function activities(over: Partial<PollerActivityDeps> = {}) {
    return createPollerActivities({
      tenants: {
        bamboohr: { acme: { webhookKeys: ['w'], apiKey: 'key', apiBaseUrl: fake.url } },
        workday: { acme: { secrets: ['s'], defaultTimeZone: 'UTC' } },
      },
      publisher: ingestPublisher({ producer: memorySink(), dedupe: memoryDedupe(), metrics: gatewayCounters(), log, now: Date.now }),
      ledger: memoryPublishedState(),
      snapshots: memorySnapshotStore(),
      log,
      // Fail fast: the activity's own retry policy (in the workflow) does the waiting.
      clientFor: { bamboohr: (_t, c) => createBambooHrClient({ baseUrl: c.apiBaseUrl, apiKey: c.apiKey, maxAttempts: 1 }) },
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
    const bamboo = await failureOf(env.run(a.pollSource, { source: 'bamboohr', tenant: 'nobody', cursor: SINCE }));
    const workday = await failureOf(env.run(a.pollSource, { source: 'workday', tenant: 'acme' }));
    expect([bamboo.type, bamboo.nonRetryable, workday.type, workday.nonRetryable]).toEqual(['tenant-unknown', true, 'tenant-unknown', true]);
  });

  it('unknown source > a source that is not registered, or does not poll, is tenant-unknown too', async () => {
    const env = mockEnv();
    const a = activities();
    const failures = await Promise.all(['hibob', 'canonical', 'constructor'].map((source) => failureOf(env.run(a.pollSource, { source, tenant: 'default' }))));
    expect(failures.map((f) => [f.type, f.nonRetryable])).toEqual([
      ['tenant-unknown', true],
      ['tenant-unknown', true],
      ['tenant-unknown', true],
    ]);
  });

  it('cursor > one its source does not recognise is a non-retryable cursor-invalid failure', async () => {
    const f = await failureOf(mockEnv().run(activities().pollSource, { source: 'bamboohr', tenant: 'acme', cursor: { kind: 'workday', asOf: '2026-03-01T00:00:00Z' } }));
    expect([f.type, f.nonRetryable]).toEqual(['cursor-invalid', true]);
    expect(fake.requests).toEqual([]);
  });

  it('vendor errors > become failures typed by their code, honouring Retry-After', async () => {
    const env = mockEnv();
    const wrongKey = activities({ tenants: { bamboohr: { acme: { webhookKeys: ['w'], apiKey: 'wrong', apiBaseUrl: fake.url } } } });
    const auth = await failureOf(env.run(wrongKey.pollSource, { source: 'bamboohr', tenant: 'acme', cursor: SINCE }));
    expect([auth.type, auth.nonRetryable]).toEqual(['auth', true]);

    fake.failNext(429, 600);
    const limited = await failureOf(env.run(activities().pollSource, { source: 'bamboohr', tenant: 'acme', cursor: SINCE }));
    expect([limited.type, limited.nonRetryable, limited.nextRetryDelay]).toEqual(['rate-limited', false, 600_000]);
  });

  it('heartbeats > per employee with progress, and on a timer while a call is slow', async () => {
    const env = mockEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    fake.setEmployee('4101', { firstName: 'Ada', lastName: 'Lovelace' }, { lastChanged: '2026-03-01T10:00:00Z' });
    fake.scriptNext({ delayMs: 120 });
    const summary = (await env.run(activities({ heartbeatEveryMs: 20 }).pollSource, { source: 'bamboohr', tenant: 'acme', cursor: SINCE })) as PollSummary;
    expect(summary.produced).toBe(1);
    expect(beats).toContainEqual({ employeeId: '4101', done: 0, of: 1 });
    expect(beats.filter((b) => b === undefined).length).toBeGreaterThanOrEqual(2);
  });

  it('any source > a registered source with a poll contract is polled through the one activity, its cursor carried as opaque data', async () => {
    const env = mockEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const a = activities({ sources: { paged: pagedSource }, tenants: { paged: { acme: { pages: true }, off: { pages: false } } }, now: () => Date.parse('2026-03-01T12:00:00Z') });

    const first = (await env.run(a.pollSource, { source: 'paged', tenant: 'acme' })) as PollSummary;
    const second = (await env.run(a.pollSource, { source: 'paged', tenant: 'acme', cursor: first.cursor })) as PollSummary;

    expect([first.cursor, second.cursor, second.position, second.at]).toEqual([{ kind: 'paged', page: 1 }, { kind: 'paged', page: 2 }, 'page 2', '2026-03-01T12:00:00Z']);
    expect(seen.map((r) => [r.tenant, r.config, r.client, r.cursor, r.ports.keyPrefix])).toEqual([
      ['acme', { pages: true }, { name: 'paged-client' }, undefined, 'jml:poll:v1'],
      ['acme', { pages: true }, { name: 'paged-client' }, { kind: 'paged', page: 1 }, 'jml:poll:v1'],
    ]);
    // One client per tenant for the worker's life.
    expect(seen[0]?.client).toBe(seen[1]?.client);
    expect(beats).toContainEqual({ page: 1 });
    // The registry's sources are not polled when others are given; a tenant the source turns off is unknown.
    const off = await failureOf(env.run(a.pollSource, { source: 'paged', tenant: 'off' }));
    const bamboo = await failureOf(env.run(a.pollSource, { source: 'bamboohr', tenant: 'acme', cursor: SINCE }));
    expect([off.type, bamboo.type]).toEqual(['tenant-unknown', 'tenant-unknown']);
  });
});
