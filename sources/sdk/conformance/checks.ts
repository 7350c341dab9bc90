import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { routeOf, SINGLE_TENANT, sourceProblems, type AnySource, type GoldenContext } from '../define';
import { goldenFixtures, type GoldenFixture } from './golden';
import type { KitGateway, KitResponse, SourceKitHost } from './host';

/** One check of the kit: throws when the source fails it; returns a reason when it does not apply. */
export interface SourceCheck {
  title: string;
  run(kit: KitContext): Promise<void | { skipped: string }>;
}

/** What a check runs with: the source, its fixtures, and a way to start a gateway for it. */
export interface KitContext {
  source: AnySource;
  host: SourceKitHost;
  fixtures: readonly GoldenFixture[];
}

/** The gateway's clock for checks that do not follow a fixture (any fixed instant works). */
const NOW = Date.parse('2026-06-01T12:00:00Z');
/** Bodies above this are refused by the kit's gateway. */
const BODY_LIMIT = 64 * 1024;

/** A key of the source's encoding that nobody else has. */
function newKey(source: AnySource): string {
  return source.webhook.keyEncoding === 'standard-webhooks' ? `whsec_${randomBytes(32).toString('base64')}` : `source-kit-${randomBytes(16).toString('hex')}`;
}

const tenantNameOf = (source: AnySource, context?: GoldenContext) => (source.webhook.path.includes(':tenant') ? (context?.tenant ?? 'acme') : SINGLE_TENANT);

/** A gateway serving the source for one tenant configured from `context`, signed with a fresh key. */
async function gatewayFor(kit: KitContext, fixture?: GoldenFixture) {
  const { source } = kit;
  const context: GoldenContext = fixture?.context ?? { contentType: kit.fixtures[0]?.context.contentType ?? 'application/json' };
  const key = newKey(source);
  const tenant = tenantNameOf(source, context);
  const nowMs = context.receivedAt ? Date.parse(context.receivedAt) : NOW;
  const client = source.golden.client?.(context);
  const gateway = await kit.host.start({
    source,
    tenants: { [tenant]: source.golden.tenant({ key, context }) },
    ...(client !== undefined ? { client } : {}),
    nowMs,
    bodyLimitBytes: BODY_LIMIT,
  });
  let deliveries = 0;
  /** Posts `body` signed with `signWith` (the tenant's key by default) at `atMs` (the gateway's clock by default). */
  const post = (body: Buffer, opts: { signWith?: string; atMs?: number; tenant?: string; headers?: Record<string, string> } = {}) => {
    deliveries += 1;
    const headers = source.webhook.sign({ key: opts.signWith ?? key, body, nowMs: opts.atMs ?? nowMs, deliveryId: `msg_source_kit_${deliveries}` });
    return gateway.post({ path: routeOf(source, opts.tenant ?? tenant), headers: { 'content-type': context.contentType, ...headers, ...opts.headers }, body });
  };
  return { gateway, post, key, nowMs, context };
}

async function withGateway<T>(kit: KitContext, fixture: GoldenFixture | undefined, fn: (g: Awaited<ReturnType<typeof gatewayFor>>) => Promise<T>): Promise<T> {
  const g = await gatewayFor(kit, fixture);
  try {
    return await fn(g);
  } finally {
    await g.gateway.close();
  }
}

const events = (gateway: KitGateway) => gateway.records().filter((r) => r.kind === 'event');
const deadLetters = (gateway: KitGateway) => gateway.records().filter((r) => r.kind === 'dead-letter');
const errorCode = (res: KitResponse) => (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;

/** The first fixture that can go through the webhook route; the checks that need a valid delivery use it. */
function usableFixture(kit: KitContext): GoldenFixture {
  const fixture = kit.fixtures.find((f) => kit.source.golden.skip?.(f.context) === undefined);
  if (!fixture) throw new Error(`source '${kit.source.id}' has no golden fixture the webhook route can take: add one to ${kit.source.golden.dir}`);
  return fixture;
}

/** The checks for the golden fixtures, one per fixture, then the delivery checks. */
export function sourceChecks(source: AnySource): SourceCheck[] {
  const fixtures = goldenFixtures(source);
  const golden: SourceCheck[] = fixtures.map((fixture) => ({
    title: `golden > ${fixture.name} > becomes exactly the expected events`,
    async run(kit) {
      const skip = kit.source.golden.skip?.(fixture.context);
      if (skip) return { skipped: skip };
      await withGateway(kit, fixture, async ({ gateway, post }) => {
        const res = await post(fixture.body);
        expect({ status: res.status, body: res.body }).toMatchObject({ status: 202 });
        expect(events(gateway).map((r) => JSON.parse(r.value) as unknown)).toStrictEqual(fixture.expected);
        expect(deadLetters(gateway)).toEqual([]);
      });
    },
  }));
  return [
    {
      title: 'definition > is valid and has golden fixtures',
      async run(kit) {
        expect(sourceProblems(kit.source)).toEqual([]);
        expect(kit.fixtures.length).toBeGreaterThan(0);
      },
    },
    ...golden,
    {
      title: 'redelivery > a later, newly signed copy gives the same event ids and produces nothing again',
      async run(kit) {
        await withGateway(kit, usableFixture(kit), async ({ gateway, post, nowMs }) => {
          const first = await post(usableFixture(kit).body);
          expect(first.status).toBe(202);
          const produced = events(gateway).length;
          gateway.setNow(nowMs + 60_000);
          const again = await post(usableFixture(kit).body, { atMs: nowMs + 60_000 });
          expect(again.status).toBe(202);
          expect(again.headers['jml-replay']).toBeUndefined();
          expect(events(gateway)).toHaveLength(produced);
        });
      },
    },
    {
      title: 'signature > a delivery signed with another key is answered 401 signature-invalid and produces nothing',
      async run(kit) {
        await withGateway(kit, usableFixture(kit), async ({ gateway, post }) => {
          const res = await post(usableFixture(kit).body, { signWith: newKey(kit.source) });
          expect([res.status, errorCode(res)]).toEqual([401, 'signature-invalid']);
          expect(gateway.records()).toEqual([]);
        });
      },
    },
    {
      title: 'signature > a delivery signed outside the window is answered 401 timestamp-out-of-window',
      async run(kit) {
        await withGateway(kit, usableFixture(kit), async ({ gateway, post, nowMs }) => {
          const res = await post(usableFixture(kit).body, { atMs: nowMs - (kit.source.webhook.toleranceSec + 60) * 1000 });
          expect([res.status, errorCode(res)]).toEqual([401, 'timestamp-out-of-window']);
          expect(gateway.records()).toEqual([]);
        });
      },
    },
    {
      title: 'signature > an unknown tenant is answered exactly as a wrong key is',
      async run(kit) {
        if (!kit.source.webhook.path.includes(':tenant')) return { skipped: 'the source has no tenants' };
        await withGateway(kit, usableFixture(kit), async ({ gateway, post }) => {
          const body = usableFixture(kit).body;
          const unknown = await post(body, { tenant: 'nobody-here' });
          const wrongKey = await post(body, { signWith: newKey(kit.source) });
          expect({ status: unknown.status, body: unknown.body }).toEqual({ status: wrongKey.status, body: wrongKey.body });
          expect(gateway.records()).toEqual([]);
        });
      },
    },
    {
      title: 'size > a body over the limit is answered 413 body-too-large',
      async run(kit) {
        await withGateway(kit, usableFixture(kit), async ({ gateway, post }) => {
          const res = await post(Buffer.alloc(BODY_LIMIT + 1, 0x20));
          expect([res.status, errorCode(res)]).toEqual([413, 'body-too-large']);
          expect(gateway.records()).toEqual([]);
        });
      },
    },
    {
      title: 'replay > the same delivery again gets the first answer back with jml-replay: true and produces nothing',
      async run(kit) {
        await withGateway(kit, usableFixture(kit), async ({ gateway, key, nowMs, context }) => {
          const body = usableFixture(kit).body;
          const headers = { 'content-type': context.contentType, ...kit.source.webhook.sign({ key, body, nowMs, deliveryId: 'msg_source_kit_replay' }) };
          const path = routeOf(kit.source, tenantNameOf(kit.source, context));
          const first = await gateway.post({ path, headers, body });
          const produced = gateway.records().length;
          const replay = await gateway.post({ path, headers, body });
          expect(first.status).toBe(202);
          expect({ status: replay.status, body: replay.body, replay: replay.headers['jml-replay'] }).toEqual({ status: first.status, body: first.body, replay: 'true' });
          expect(gateway.records()).toHaveLength(produced);
        });
      },
    },
    {
      title: 'reject > a body that is not a payload of the source is answered 400 once it is in the DLQ with the same code',
      async run(kit) {
        await withGateway(kit, undefined, async ({ gateway, post }) => {
          const res = await post(Buffer.from('{"not":"a payload of this source"}'), { headers: { 'content-type': 'application/json' } });
          expect(res.status).toBe(400);
          expect(deadLetters(gateway).map((r) => r.rejectCode)).toEqual([errorCode(res)]);
          expect(events(gateway)).toEqual([]);
        });
      },
    },
  ];
}
