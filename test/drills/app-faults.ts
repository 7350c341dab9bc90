import type { ScimGroup, ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { runCli } from '../support/cli-process';
import { makeEvent } from '../support/events';
import { sharedInvariants } from './check';
import { retryGaps, startFaultProxy, type FaultProxy, type ProxiedRequest, type ProxyLogEntry } from './fault-proxy';
import { Scenario, sleep } from './lab';
import type { DrillContext, DrillOptions, DrillReport, Invariant } from './types';

/**
 * The app fault drills: the real scim2-server behind the drill fault proxy (fault-proxy.ts), given to
 * the pipeline as the `scim` app beside the `ledger` app, while joiners fan out.
 *
 * - `app-down`: the app stops listening for 60 s (short: 15 s) in the middle of the burst. Every
 *   joiner ends applied, each person has exactly one user in the app (read back from the server,
 *   not through the proxy), the ledger shows each effect once, `jml reconcile --check` passes.
 * - `app-throttle`: the app answers every request 429 with Retry-After for a while. Each retry of a
 *   throttled person reaches the app at least Retry-After after the 429 (measured on the proxy's
 *   log), and every joiner ends applied with one user each.
 * - `app-reject`: the app rejects for good some people's create (400) and others' group grant (403,
 *   after their user was created). Those events end NeedsAttention with the app's reason, their
 *   created users are deleted again (the compensation touches the scim app only), the ledger app
 *   completes for them; everyone else completes. `jml reconcile --check` then reports exactly one
 *   finding per rejected person: `missing` in `scim`, nothing else.
 *
 * The steps keep the pipeline's own retry policy (workflows/jml-event.ts: a joiner's step is tried
 * up to 10 times, backing off from 1 s to 1 min, or after the app's Retry-After), so the outages and
 * throttling windows are sized to fit within it, as a real app's short incident would.
 */

const SCIM_APP = 'scim';
const GROUP = 'drill-staff';

/** The person key a SCIM request is about: the `externalId eq "…"` lookup's value, or the written user's `externalId`. */
export function scimSubject(req: ProxiedRequest): string | undefined {
  const query = req.path.includes('?') ? req.path.slice(req.path.indexOf('?') + 1) : '';
  const filter = new URLSearchParams(query).get('filter');
  const quoted = filter ? /^externalId eq ("(?:[^"\\]|\\.)*")$/.exec(filter)?.[1] : undefined;
  if (quoted) return JSON.parse(quoted) as string;
  if (!req.body) return undefined;
  try {
    const body = JSON.parse(req.body) as { externalId?: unknown };
    return typeof body.externalId === 'string' ? body.externalId : undefined;
  } catch {
    return undefined;
  }
}

/** One app drill's corner: its own scim2-server, the proxy in front of it, and a Scenario granting the app to everyone. */
interface AppLab {
  s: Scenario;
  scim: ScimServer;
  proxy: FaultProxy;
  /** Straight to the server, never through the proxy: what the app really holds. */
  admin: ScimAdmin;
  close(): Promise<void>;
}

async function openAppLab(name: string, ctx: DrillContext, groups: string[] = []): Promise<AppLab> {
  const scim = await startScimServer();
  const cleanups: Array<() => Promise<unknown>> = [() => scim.stop()];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const admin = scimAdmin(scim);
    for (const g of groups) await admin.createGroup(g);
    const proxy = await startFaultProxy({ upstream: scim.baseUrl, subjectOf: scimSubject });
    cleanups.push(() => proxy.stop());
    const s = await Scenario.open({
      name,
      endpoints: ctx.endpoints,
      entry: ctx.entry,
      policyExtra: `  ${SCIM_APP}: { connector: scim, settings: { baseUrl: "${proxy.baseUrl}", profile: scim2-server }, secrets: { bearerToken: { env: DRILL_SCIM_TOKEN } } }\n`,
      grantExtra: `${SCIM_APP}: [${groups.join(', ')}]`,
      // The token is made per run by startScimServer; the roles and the CLI read it from their environment.
      env: { DRILL_SCIM_TOKEN: scim.token },
    });
    cleanups.push(() => s.close());
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    return { s, scim, proxy, admin, close };
  } catch (err) {
    await close();
    throw err;
  }
}

const createdCount = (log: readonly ProxyLogEntry[]) => log.filter((e) => e.method === 'POST' && e.path.startsWith('/Users') && e.answer === 201).length;

async function waitFor(what: string, s: Scenario, done: () => boolean, deadlineMs: number): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > deadlineMs) throw new Error(`${what}: not reached in ${deadlineMs} ms, answers ${JSON.stringify([...s.answers])}\n${s.output()}`);
    await sleep(50);
  }
}

/** Users in the real server by person key, and users that belong to no one of the drill. */
async function scimHoldings(admin: ScimAdmin, people: readonly string[]): Promise<{ byPerson: Map<string, Array<ScimUser & { id: string }>>; strangers: number }> {
  const byPerson = new Map<string, Array<ScimUser & { id: string }>>(people.map((p) => [p, []]));
  let strangers = 0;
  for (const u of await admin.list<ScimUser & { id: string }>('Users')) {
    const mine = u.externalId === undefined ? undefined : byPerson.get(u.externalId);
    if (mine) mine.push(u);
    else strangers += 1;
  }
  return { byPerson, strangers };
}

/** Step attempts beyond the first, from the event histories (ActivityTaskStarted carries the attempt that ended the activity). */
async function stepRetries(s: Scenario): Promise<{ retries: number; maxAttempt: number }> {
  let retries = 0;
  let maxAttempt = 1;
  for (const e of s.accepted.values()) {
    const history = await s.temporal.workflow.getHandle(eventWorkflowId(e.subject, e.id)).fetchHistory();
    for (const h of history.events ?? []) {
      const attempt = h.activityTaskStartedEventAttributes?.attempt;
      if (typeof attempt === 'number' && attempt > 1) {
        retries += attempt - 1;
        maxAttempt = Math.max(maxAttempt, attempt);
      }
    }
  }
  return { retries, maxAttempt };
}

const check = (name: string, bad: string[], what = 'of'): Invariant => ({ name, ok: bad.length === 0, ...(bad.length > 0 ? { detail: `${bad.length} ${what}: ${bad.slice(0, 3).join(', ')}` } : {}) });

/** The SCIM app's share of the table: one user a person, none twice, none that belongs to no one. */
function scimTally(holdings: Awaited<ReturnType<typeof scimHoldings>>, expected: readonly string[]) {
  const missing = expected.filter((p) => (holdings.byPerson.get(p)?.length ?? 0) === 0);
  const twice = [...holdings.byPerson].filter(([, users]) => users.length > 1).map(([p, users]) => `${p} ×${users.length}`);
  return {
    expected: expected.length,
    seen: expected.length - missing.length,
    missing,
    twice,
    invariants: [
      check('each person has exactly one user in scim2-server (read from the server)', [...missing.map((p) => `${p} ×0`), ...twice], 'people'),
      check('scim2-server holds no user of anyone else', holdings.strangers > 0 ? [`${holdings.strangers} users`] : []),
    ],
  };
}

/** `app-down`: the SCIM app stops listening during a joiner burst, then comes back on the same address. */
export async function appDownDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const downMs = opts.short ? 15_000 : 60_000;
  const lab = await openAppLab('app-down', ctx);
  const { s, proxy } = lab;
  try {
    const people = Array.from({ length: opts.short ? 30 : 100 }, () => s.person());
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' }));
    // Five a second: deliveries still arrive while the app is down.
    const sending = s.sendPaced(joiners, 5);
    const downAt = Math.ceil(people.length * 0.3);
    await waitFor(`${downAt} users created before the outage`, s, () => createdCount(proxy.log) >= downAt, 120_000);
    const firstFault = Date.now();
    const createdBefore = createdCount(proxy.log);
    await proxy.setMode({ kind: 'down' });
    opts.say(`scim app down (connections refused) with ${createdBefore}/${people.length} users created`);
    await sleep(downMs);
    await proxy.setMode({ kind: 'pass' });
    const outage = proxy.outages[0] as { from: number; to: number };
    opts.say(`scim app back after ${((outage.to - outage.from) / 1000).toFixed(1)} s`);
    await sending;
    const converged = await s.converge(240_000);
    const recoverMs = Date.now() - outage.to;
    const shared = await sharedInvariants(s);
    const terminals = await s.terminals();
    const scim = scimTally(await scimHoldings(lab.admin, people), people);
    const { retries, maxAttempt } = await stepRetries(s);
    const createdAfter = proxy.log.filter((e) => e.at >= outage.to && e.method === 'POST' && e.answer === 201).length;
    const acceptedDuring = s.timeline.filter((a) => a.at >= outage.from && a.at <= outage.to && a.status >= 200 && a.status < 300).length;
    const invariants: Invariant[] = [
      ...shared.invariants,
      check('every joiner ended applied', joiners.filter((e) => terminals.get(e.id) !== 'applied').map((e) => `${e.id} ${terminals.get(e.id) ?? 'not accepted'}`), 'joiners'),
      ...scim.invariants,
      check('the outage hit work in progress (users created only after the app came back)', createdAfter > 0 ? [] : ['no create after the outage']),
    ];
    const ok = invariants.every((i) => i.ok);
    return {
      drill: 'app-down',
      faults: [`scim app down ${(downMs / 1000).toFixed(0)} s (connections refused, open ones cut) at ${createdBefore}/${people.length} users created`],
      events: shared.events,
      effectsExpected: shared.effectsExpected + scim.expected,
      effectsSeen: shared.effectsSeen + scim.seen,
      lost: shared.lost + scim.missing.length,
      duplicated: shared.duplicated + scim.twice.length,
      convergeMs: ok && converged !== null ? Date.now() - firstFault : null,
      invariants,
      measured: {
        downMs: outage.to - outage.from,
        cutInFlight: proxy.log.filter((e) => e.answer === 'reset').length,
        joinersAcceptedDuringOutage: acceptedDuring,
        createdBeforeOutage: createdBefore,
        createdAfterOutage: createdAfter,
        stepRetries: retries,
        maxStepAttempt: maxAttempt,
        recoverMsAfterBackUp: recoverMs,
        answers: s.answerSummary(),
      },
      notes: [],
    };
  } finally {
    await lab.close();
  }
}

/** `app-throttle`: every request to the SCIM app answered 429 + Retry-After for a while during a joiner burst. */
export async function appThrottleDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const retryAfterSeconds = opts.short ? 2 : 5;
  const windowMs = opts.short ? 12_000 : 30_000;
  const lab = await openAppLab('app-throttle', ctx);
  const { s, proxy } = lab;
  try {
    const people = Array.from({ length: opts.short ? 20 : 60 }, () => s.person());
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' }));
    const sending = s.sendPaced(joiners, 5);
    const startAt = Math.ceil(people.length * 0.2);
    await waitFor(`${startAt} users created before throttling`, s, () => createdCount(proxy.log) >= startAt, 120_000);
    const firstFault = Date.now();
    const createdBefore = createdCount(proxy.log);
    await proxy.setMode({ kind: 'throttle', retryAfterSeconds });
    opts.say(`scim app throttling (429, Retry-After: ${retryAfterSeconds}) with ${createdBefore}/${people.length} users created`);
    await sleep(windowMs);
    await proxy.setMode({ kind: 'pass' });
    await sending;
    const converged = await s.converge(240_000);
    const shared = await sharedInvariants(s);
    const terminals = await s.terminals();
    const scim = scimTally(await scimHoldings(lab.admin, people), people);
    const { gaps, unretried } = retryGaps(proxy.log);
    const throttled = proxy.log.filter((e) => e.answer === 429);
    const short = gaps.filter((g) => g.gapMs < g.asked).map((g) => `${g.subject} after ${g.gapMs} ms`);
    const sorted = gaps.map((g) => g.gapMs).sort((a, b) => a - b);
    const invariants: Invariant[] = [
      ...shared.invariants,
      check('every joiner ended applied', joiners.filter((e) => terminals.get(e.id) !== 'applied').map((e) => `${e.id} ${terminals.get(e.id) ?? 'not accepted'}`), 'joiners'),
      ...scim.invariants,
      check(`every retry after a 429 waited at least Retry-After (${retryAfterSeconds} s)`, short, 'retries came early'),
      check('every throttled person was retried', unretried, 'people'),
      check('the throttling hit work in progress (retries measured)', gaps.length > 0 ? [] : ['no 429 about a person']),
    ];
    const ok = invariants.every((i) => i.ok);
    return {
      drill: 'app-throttle',
      faults: [`scim app answers 429 + Retry-After: ${retryAfterSeconds} to every request for ${windowMs / 1000} s at ${createdBefore}/${people.length} users created`],
      events: shared.events,
      effectsExpected: shared.effectsExpected + scim.expected,
      effectsSeen: shared.effectsSeen + scim.seen,
      lost: shared.lost + scim.missing.length,
      duplicated: shared.duplicated + scim.twice.length,
      convergeMs: ok && converged !== null ? Date.now() - firstFault : null,
      invariants,
      measured: {
        retryAfterMs: retryAfterSeconds * 1000,
        throttledMs: windowMs,
        answered429: throttled.length,
        peopleThrottled: new Set(throttled.flatMap((e) => (e.subject ? [e.subject] : []))).size,
        retriesMeasured: gaps.length,
        minRetryGapMs: sorted[0] ?? '-',
        medianRetryGapMs: sorted[Math.floor(sorted.length / 2)] ?? '-',
        maxRetryGapMs: sorted.at(-1) ?? '-',
        stepRetries: (await stepRetries(s)).retries,
      },
      notes: [],
    };
  } finally {
    await lab.close();
  }
}

interface ReconcileJson {
  apps?: Array<{ appId: string; findings: Array<{ kind: string; appId: string; personKey?: string }> }>;
  skipped?: unknown[];
  unreadable?: unknown[];
}

/** `jml reconcile --check --json` with the scenario's configuration: the exit code and each finding as `<kind> <app> <person>`. */
async function reconcileFindings(s: Scenario): Promise<{ code: number | null; findings: string[]; incomplete: number }> {
  const r = await runCli(['reconcile', '--check', '--json'], { env: { ...process.env, ...s.env, LOG_LEVEL: 'silent' }, cwd: process.cwd() });
  let report: ReconcileJson;
  try {
    report = JSON.parse(r.stdout) as ReconcileJson;
  } catch {
    return { code: r.code, findings: [`unreadable output: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`], incomplete: 0 };
  }
  const findings = (report.apps ?? []).flatMap((a) => a.findings.filter((f) => f.kind !== 'unmanaged').map((f) => `${f.kind} ${f.appId} ${f.personKey ?? '-'}`));
  return { code: r.code, findings: findings.sort(), incomplete: (report.skipped?.length ?? 0) + (report.unreadable?.length ?? 0) };
}

/**
 * `app-reject`: the SCIM app refuses for good a quarter of the people's create (400 invalidValue)
 * and another quarter's group grant (403, after their user was created), while joiners fan out.
 */
export async function appRejectDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const lab = await openAppLab('app-reject', ctx, [GROUP]);
  const { s, proxy, admin } = lab;
  try {
    const people = Array.from({ length: opts.short ? 12 : 40 }, () => s.person());
    const atCreate = new Set(people.filter((_, i) => i % 4 === 1));
    const atGrant = new Set(people.filter((_, i) => i % 4 === 3));
    const normal = people.filter((p) => !atCreate.has(p) && !atGrant.has(p));
    const ownerOf = new Map<string, string | undefined>();
    const owner = async (userId: string) => {
      if (!ownerOf.has(userId)) ownerOf.set(userId, ((await admin.request({ method: 'GET', path: `Users/${encodeURIComponent(userId)}` })).body as ScimUser | undefined)?.externalId);
      return ownerOf.get(userId);
    };
    await proxy.setMode({
      kind: 'reject',
      decide: async (req) => {
        if (req.method === 'POST' && /^\/Users(\?|$)/.test(req.path)) return atCreate.has(scimSubject(req) ?? '') ? 400 : undefined;
        if (req.method !== 'PATCH' || !req.path.startsWith('/Groups/')) return undefined;
        const ops = (JSON.parse(req.body) as { Operations?: Array<{ op?: string; value?: Array<{ value?: string }> }> }).Operations ?? [];
        const added = ops.filter((o) => o.op?.toLowerCase() === 'add').flatMap((o) => (o.value ?? []).map((v) => v.value ?? ''));
        for (const id of added) if (atGrant.has((await owner(id)) ?? '')) return 403;
        return undefined;
      },
    });
    const firstFault = Date.now();
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' }));
    await s.sendPaced(joiners, 10);
    const converged = await s.converge(240_000);
    const shared = await sharedInvariants(s, { reconcileCheck: false });
    const terminals = await s.terminals();
    const effects = await s.effects();
    const rejected = joiners.filter((e) => atCreate.has(e.subject) || atGrant.has(e.subject));
    const outcomes = new Map<string, EventOutcome>();
    for (const e of rejected) outcomes.set(e.id, (await s.temporal.workflow.getHandle(eventWorkflowId(e.subject, e.id)).result()) as EventOutcome);
    const app = (e: JmlEvent, id: string) => outcomes.get(e.id)?.apps.find((a) => a.appId === id);

    const holdings = await scimHoldings(admin, people);
    const scim = scimTally(holdings, normal);
    const leftBehind = rejected.filter((e) => (holdings.byPerson.get(e.subject)?.length ?? 0) > 0).map((e) => e.subject);
    const group = (await admin.list<ScimGroup & { id: string }>('Groups')).find((g) => g.displayName === GROUP);
    const members = new Set((group?.members ?? []).map((m) => m.value));
    const normalIds = normal.flatMap((p) => (holdings.byPerson.get(p) ?? []).map((u) => u.id));
    const deletes = proxy.log.filter((e) => e.method === 'DELETE' && e.path.startsWith('/Users/'));
    const compensated = rejected.filter((e) => app(e, SCIM_APP)?.status === 'compensated' && app(e, SCIM_APP)?.compensations?.some((c) => c.operation === 'deleteAccount' && c.outcome === 'applied'));
    const expectedFindings = rejected.map((e) => `missing ${SCIM_APP} ${e.subject}`).sort();
    const found = await reconcileFindings(s);
    const unexpected = found.findings.filter((f) => !expectedFindings.includes(f));
    const absent = expectedFindings.filter((f) => !found.findings.includes(f));

    const invariants: Invariant[] = [
      ...shared.invariants,
      check('the others ended applied', joiners.filter((e) => !atCreate.has(e.subject) && !atGrant.has(e.subject) && terminals.get(e.id) !== 'applied').map((e) => e.id), 'joiners'),
      check(
        'each rejected event ended NeedsAttention, with the app\'s reason, in the scim app only',
        rejected
          .filter((e) => {
            const out = outcomes.get(e.id);
            const failedApps = out?.apps.filter((a) => a.status !== 'done').map((a) => a.appId) ?? [];
            return terminals.get(e.id) !== 'needs-attention' || out?.status !== 'needs-attention' || failedApps.join() !== SCIM_APP || !app(e, SCIM_APP)?.error;
          })
          .map((e) => `${e.id} ${terminals.get(e.id)}`),
        'events',
      ),
      check(
        'a create refused for good failed with invalid-request (nothing to undo); a grant refused for good undid the create (deleteAccount applied)',
        rejected
          .filter((e) =>
            atCreate.has(e.subject)
              ? app(e, SCIM_APP)?.status !== 'failed' || !app(e, SCIM_APP)?.error?.includes('invalid-request') || (app(e, SCIM_APP)?.compensations?.length ?? 0) > 0
              : !compensated.includes(e),
          )
          .map((e) => `${e.subject} ${app(e, SCIM_APP)?.status}`),
        'people',
      ),
      check('nothing left behind in scim2-server for the rejected people', leftBehind, 'people'),
      check('the compensation touched the scim app only: the ledger applied each rejected event once, undid nothing', rejected.filter((e) => app(e, 'ledger')?.status !== 'done' || [...effects.keys()].filter((k) => k.startsWith(`${e.id}/ledger/`)).length !== 1).map((e) => e.id), 'events'),
      check('deletes reached the app only for the users a compensation removed', deletes.length === atGrant.size ? [] : [`${deletes.length} DELETE for ${atGrant.size} compensations`]),
      ...scim.invariants,
      check(`the group ${GROUP} holds exactly the others`, normalIds.length === members.size && normalIds.every((id) => members.has(id)) ? [] : [`${members.size} members for ${normalIds.length} users`]),
      {
        name: 'jml reconcile --check reports exactly one missing scim account per rejected person, nothing else',
        ok: found.code === 4 && unexpected.length === 0 && absent.length === 0 && found.incomplete === 0,
        ...(found.code === 4 && unexpected.length === 0 && absent.length === 0 && found.incomplete === 0
          ? {}
          : { detail: `exit ${found.code}; ${unexpected.length} unexpected (${unexpected.slice(0, 3).join(', ')}), ${absent.length} absent, ${found.incomplete} incomplete` }),
      },
    ];
    const ok = invariants.every((i) => i.ok);
    const ledgerOfRejected = rejected.filter((e) => [...effects.keys()].some((k) => k.startsWith(`${e.id}/ledger/`))).length;
    return {
      drill: 'app-reject',
      faults: [`scim app refuses for good ${atCreate.size} creates (400) and ${atGrant.size} group grants (403) of ${people.length} joiners`],
      events: shared.events,
      // The ledger for every joiner (applied or not), the scim app for the others only.
      effectsExpected: shared.effectsExpected + rejected.length + scim.expected,
      effectsSeen: shared.effectsSeen + ledgerOfRejected + scim.seen,
      lost: shared.lost + scim.missing.length + (rejected.length - ledgerOfRejected),
      duplicated: shared.duplicated + scim.twice.length,
      convergeMs: ok && converged !== null ? Date.now() - firstFault : null,
      invariants,
      measured: {
        needsAttention: [...terminals.values()].filter((t) => t === 'needs-attention').length,
        rejectedAtCreate: proxy.log.filter((e) => e.answer === 400).length,
        rejectedAtGrant: proxy.log.filter((e) => e.answer === 403).length,
        compensations: compensated.length,
        deletesAtApp: deletes.length,
        reconcileFindings: found.findings.length,
      },
      notes: [],
    };
  } finally {
    await lab.close();
  }
}
