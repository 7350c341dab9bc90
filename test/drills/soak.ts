import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { effectsKey } from '../../connectors/dev-redis';
import { personWorkflowId } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { TOPICS } from '../../services/kafka/topics';
import { makeEvent } from '../support/events';
import { renderChart, type ChartMarker, type ChartPanel } from './chart';
import { sharedInvariants } from './check';
import { Scenario, sleep, type Role } from './lab';
import { driftVerdict, median, rssOf, rssTree, SampleLog, toCsv, type DriftVerdict, type SampleRow } from './samples';
import type { DrillContext, DrillOptions, DrillReport, Invariant } from './types';

/**
 * The soak: mixed joiners, movers and leavers at a steady rate for a bounded time (30 min; 3 min with
 * `--short`; `JML_SOAK_MINUTES` overrides), with faults on a fixed schedule (kill -9 of the worker, then
 * of the dispatcher, then a short stop of the stack's Redis when the runner controls the servers).
 * Every few seconds it samples the RSS of each role and server, the drill dispatcher's consumer lag,
 * the history length of a few long-lived person workflows, leaver latency (2xx → the ledger's effect
 * for that leaver) and error counts into a CSV, and draws them as a PNG (`.jml/drills/soak-<run>.*`,
 * or `JML_SOAK_OUT`). It fails when a role's memory keeps growing or leaver latency drifts (drift
 * verdict of samples.ts), or when a shared invariant does not hold at the end.
 */

const ROLES: readonly Role[] = ['gateway', 'dispatcher', 'worker'];
/** Long-lived people who only ever move: their workflows' history is what the chart shows growing (or rolling over). */
const TRACKED = 3;
const MB = 1024 * 1024;

export interface SoakSettings {
  /** Length of the sending phase. */
  minutes: number;
  /** Events sent per second (joiners, movers and leavers together). */
  rate: number;
  sampleEverySec: number;
  /** Where the CSV and PNG go (relative to the working directory unless absolute). */
  outDir: string;
  /** How long the stack's Redis stays stopped. */
  redisOutageSec: number;
  /**
   * Leavers may be sent as soon as the joiner is answered 2xx (`JML_SOAK_EARLY_LEAVERS=1`), so a leaver
   * can overtake its joiner through the priority lane; by default only people whose account the ledger
   * shows may leave (see the report: the shared effect invariant does not hold for overtaken joiners).
   */
  earlyLeavers: boolean;
}

/**
 * The soak's settings from the environment: `JML_SOAK_MINUTES` (default 30, short 3), `JML_SOAK_RATE`
 * (events/s, default 3: what the 2-core CI machine sustains while other work runs), `JML_SOAK_OUT`
 * (default `.jml/drills`). Throws on a value that is not a positive number.
 */
export function soakSettings(env: Record<string, string | undefined>, short: boolean): SoakSettings {
  const positive = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
    return value;
  };
  const minutes = positive('JML_SOAK_MINUTES', short ? 3 : 30);
  return {
    minutes,
    rate: positive('JML_SOAK_RATE', 3),
    sampleEverySec: minutes <= 5 ? 3 : 5,
    outDir: env.JML_SOAK_OUT || join('.jml', 'drills'),
    redisOutageSec: minutes <= 5 ? 8 : 20,
    earlyLeavers: env.JML_SOAK_EARLY_LEAVERS === '1',
  };
}

export type FaultKind = 'kill-worker' | 'kill-dispatcher' | 'stop-redis';

export interface PlannedFault {
  /** Seconds after the start of sending. */
  at: number;
  kind: FaultKind;
}

/**
 * Fixed points of the sending phase: kill -9 of the worker at 20 %, of the dispatcher at 30 % (early,
 * so each restarted process has most of the run to show whether its memory levels off), a Redis stop
 * at 55 % when the servers can be controlled.
 */
export function faultSchedule(durationSec: number, redis: boolean): PlannedFault[] {
  return [
    { at: Math.round(durationSec * 0.2), kind: 'kill-worker' as const },
    { at: Math.round(durationSec * 0.3), kind: 'kill-dispatcher' as const },
    ...(redis ? [{ at: Math.round(durationSec * 0.55), kind: 'stop-redis' as const }] : []),
  ];
}

/**
 * Samples of a role's memory before this many seconds are not judged: the usual first fifth of the run,
 * or, for a role restarted by a fault, until a tenth of the run (at least a minute) after its last
 * restart (a fresh process warming up is not a leak).
 */
export function memoryWarmupSec(durationSec: number, restartsAt: readonly number[]): number {
  const last = restartsAt.length ? Math.max(...restartsAt) : -Infinity;
  return Math.max(durationSec / 5, last + Math.max(durationSec / 10, RESTART_WARMUP_MIN_SEC));
}

/** A restarted role (Temporal worker bundle, Kafka consumer) takes about a minute to reach its working set. */
const RESTART_WARMUP_MIN_SEC = 60;
/** Fewest seconds of samples after warm-up for a role's memory to be judged. */
const MIN_MEMORY_WINDOW_SEC = 120;

/** Records behind a group: the sum over partitions of end offset minus committed offset (none committed: from the low watermark). */
export function lagOf(ends: ReadonlyArray<{ partition: number; offset: string; low?: string }>, committed: ReadonlyArray<{ partition: number; offset: string }>): number {
  const at = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  let lag = 0;
  for (const end of ends) {
    const c = at.get(end.partition);
    const from = c === undefined || c < 0 ? Number(end.low ?? 0) : c;
    lag += Math.max(0, Number(end.offset) - from);
  }
  return lag;
}

export type Action = { kind: 'joiner' } | { kind: 'mover'; personKey: string } | { kind: 'leaver'; personKey: string };

/**
 * The next event of the mix: 40 % joiners, 35 % movers (a third of them for the tracked people),
 * 25 % leavers of people who joined; joiners only until ten people are active.
 */
export function nextAction(rnd: () => number, active: readonly string[], tracked: readonly string[]): Action {
  const r = rnd();
  if (active.length < 10 || r < 0.4) return { kind: 'joiner' };
  const pick = (list: readonly string[]) => list[Math.floor(rnd() * list.length)] as string;
  if (r < 0.75) return { kind: 'mover', personKey: tracked.length > 0 && rnd() < 1 / 3 ? pick(tracked) : pick(active) };
  return { kind: 'leaver', personKey: pick(active) };
}

/** mulberry32: a seeded source, so the mix (who moves, who leaves) is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile (p in 0..100) of the values; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Leaver latency: the time from a leaver's 2xx to the first ledger effect carrying its event id. Both
 * ends may come in either order (the effect can be polled before the sender sees its answer: then 0).
 */
export class LeaverClock {
  private readonly acceptedAt = new Map<string, number>();
  private readonly seenAt = new Map<string, number>();
  private readonly open = new Set<string>();
  private fresh: number[] = [];
  readonly all: number[] = [];
  /** Each completed leaver: when it was answered 2xx (epoch ms) and its latency (ms). */
  readonly done: Array<{ acceptedAt: number; ms: number }> = [];

  /** A leaver about to be sent: its effects are watched for from now on. */
  watch(eventId: string): void {
    this.open.add(eventId);
  }

  watching(eventId: string): boolean {
    return this.open.has(eventId);
  }

  accepted(eventId: string, at: number): void {
    this.acceptedAt.set(eventId, at);
    this.settle(eventId);
  }

  seen(eventId: string, at: number): void {
    if (!this.seenAt.has(eventId)) this.seenAt.set(eventId, at);
    this.settle(eventId);
  }

  /** Leavers answered 2xx whose effect has not shown yet, and the age of the oldest (ms). */
  pending(now: number): { count: number; oldestMs: number | undefined } {
    let count = 0;
    let oldest: number | undefined;
    for (const [id, at] of this.acceptedAt) {
      if (this.seenAt.has(id)) continue;
      count += 1;
      oldest = Math.max(oldest ?? 0, now - at);
    }
    return { count, oldestMs: oldest };
  }

  /** Latencies (ms) completed since the last call. */
  take(): number[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  private settle(eventId: string): void {
    const a = this.acceptedAt.get(eventId);
    const s = this.seenAt.get(eventId);
    if (a === undefined || s === undefined || !this.open.has(eventId)) return;
    this.open.delete(eventId);
    const ms = Math.max(0, s - a);
    this.fresh.push(ms);
    this.all.push(ms);
    this.done.push({ acceptedAt: a, ms });
  }
}

/** One row per completed leaver, at its 2xx time (seconds since `started`), in time order: what the latency verdict judges. */
export function leaverLatencyRows(done: ReadonlyArray<{ acceptedAt: number; ms: number }>, started: number): SampleRow[] {
  return [...done].sort((a, b) => a.acceptedAt - b.acceptedAt).map((d) => ({ t: Math.round(d.acceptedAt - started) / 1000, 'leaver.latency': d.ms }));
}

/** The chart's panels, by the series the sampler writes. */
export function soakPanels(series: readonly string[]): ChartPanel[] {
  const of = (prefix: string) => series.filter((s) => s.startsWith(prefix));
  return [
    { title: 'memory of the roles (RSS)', series: of('rss.role.'), unit: 'MB' },
    { title: 'memory of the servers (RSS)', series: of('rss.server.'), unit: 'MB' },
    { title: 'consumer lag of the drill dispatcher', series: of('lag.'), unit: 'records' },
    { title: 'leaver latency (2xx to ledger effect)', series: ['leaver.p50', 'leaver.max'].filter((s) => series.includes(s)), unit: 'ms', clipSpikes: true },
    { title: 'person workflow history', series: of('history.'), unit: 'events' },
    { title: 'errors (cumulative)', series: of('errors.'), unit: 'count' },
    { title: 'throughput', series: of('rate.'), unit: 'per s' },
  ];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p.catch(() => undefined), sleep(ms).then(() => undefined)]);
}

async function lag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, offsets] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  return lagOf(ends, offsets.find((o) => o.topic === topic)?.partitions ?? []);
}

/** For each applied joiner or leaver without a ledger effect: its type, and what became of the person's joiner. */
async function missingEffects(s: Scenario): Promise<string[]> {
  const terminals = await s.terminals();
  const keys = [...(await s.effects()).keys()];
  const events = [...s.accepted.values()];
  const missing = events.filter((e) => terminals.get(e.id) === 'applied' && (e.type === 'jml.joiner' || e.type === 'jml.leaver') && !keys.some((k) => k.startsWith(`${e.id}/ledger/`)));
  const tally = new Map<string, number>();
  for (const e of missing) {
    const joiner = events.find((j) => j.subject === e.subject && j.type === 'jml.joiner');
    const what = e.type === 'jml.leaver' ? `leaver whose joiner is ${joiner ? terminals.get(joiner.id) : 'unknown'}` : 'joiner';
    tally.set(what, (tally.get(what) ?? 0) + 1);
  }
  return [...tally].map(([what, n]) => `without effect: ${n} × ${what}`);
}

interface PersonTruth {
  department: string;
}

export async function soakDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const settings = soakSettings(process.env, opts.short);
  const durationSec = Math.round(settings.minutes * 60);
  // The worker's sticky cache is capped (100 workflows, or TEMPORAL_MAX_CACHED_WORKFLOWS of the drill's
  // own environment): with the SDK's default (about 2,300) the cache keeps filling for the whole run
  // (15 MB/min at 3 events/s, measured), which is growth by design, bounded, and would hide a leak.
  const cache = process.env.TEMPORAL_MAX_CACHED_WORKFLOWS ?? '100';
  const s = await Scenario.open({ name: 'soak', endpoints: ctx.endpoints, entry: ctx.entry, env: { TEMPORAL_MAX_CACHED_WORKFLOWS: cache } });
  // The ledger's effects log, read incrementally (Scenario.effects() reads it whole): same key as the Scenario's ledger app.
  const ledger = new Redis(ctx.endpoints.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  ledger.on('error', () => undefined);
  const effectsList = effectsKey({ keyPrefix: `jml:drill:${s.run}` }, 'ledger');
  const admin = new Kafka({ clientId: `${s.run}-probe`, brokers: ctx.endpoints.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  let log = new SampleLog();
  const csvPath = resolve(settings.outDir, `${s.run}.csv`);
  const pngPath = resolve(settings.outDir, `${s.run}.png`);
  const markers: ChartMarker[] = [];
  const faults: string[] = [];
  const restarts = new Map<Role, number[]>(ROLES.map((r) => [r, []]));
  let stopping = false;
  // The background loops, awaited before the Scenario closes (a probe still running then would use a closed connection).
  const loops: Array<Promise<void>> = [];
  try {
    await admin.connect();
    await Promise.all(ROLES.map((r) => s.start(r)));
    opts.say(`soak ${s.run}: ${settings.minutes} min at ${settings.rate} events/s, samples every ${settings.sampleEverySec} s → ${csvPath}`);

    const clock = new LeaverClock();
    const rnd = seeded(17);
    const truth = new Map<string, PersonTruth>();
    // People who may move or leave: joined (2xx) and, unless early leavers are asked for, with their account seen at the ledger.
    const active: string[] = [];
    const awaitingAccount = new Map<string, string>();
    // Events whose effect the ledger showed (a joiner's create may be polled before its sender sees the 2xx).
    const effected = new Set<string>();
    const tracked: string[] = [];
    const counts = { sent: 0, failed: 0, skipped: 0, joiners: 0, movers: 0, leavers: 0 };
    const started = Date.now();
    log = new SampleLog({ startedAt: started });
    const sendEnd = started + durationSec * 1000;
    const hrBase = Math.floor(started / 1000) * 1000 - 86_400_000;
    let seq = 0;
    // HR entry times strictly increase (one second apart, a day in the past), so ids are distinct and the newest truth is the last sent.
    const enteredAt = () => new Date(hrBase + ++seq * 1000).toISOString();

    const deliver = async (event: JmlEvent, after: (ok: boolean) => void): Promise<void> => {
      counts.sent += 1;
      const status = await s.send(event, { attempts: 40 });
      const ok = status >= 200 && status < 300;
      if (!ok) counts.failed += 1;
      after(ok);
    };
    const fire = (action: Action): Promise<void> => {
      if (action.kind === 'joiner') {
        const personKey = s.person();
        const department = `Dept-${Math.floor(rnd() * 8)}`;
        truth.set(personKey, { department });
        counts.joiners += 1;
        const makeTracked = tracked.length < TRACKED;
        if (makeTracked) tracked.push(personKey);
        const event = makeEvent({ personKey, type: 'jml.joiner', enteredAt: enteredAt(), person: { department } });
        return deliver(event, (ok) => {
          if (!ok || makeTracked) return;
          if (settings.earlyLeavers || effected.has(event.id)) active.push(personKey);
          else awaitingAccount.set(event.id, personKey);
        });
      }
      const person = truth.get(action.personKey) as PersonTruth;
      if (action.kind === 'mover') {
        counts.movers += 1;
        person.department = `Dept-${Math.floor(rnd() * 8)}`;
        const event = makeEvent({ personKey: action.personKey, type: 'jml.mover', enteredAt: enteredAt(), changedFields: ['department'], person: { department: person.department } });
        return deliver(event, () => undefined);
      }
      counts.leavers += 1;
      active.splice(active.indexOf(action.personKey), 1);
      const event = makeEvent({ personKey: action.personKey, type: 'jml.leaver', enteredAt: enteredAt(), person: { department: person.department } });
      clock.watch(event.id);
      return deliver(event, (ok) => {
        if (ok) clock.accepted(event.id, Date.now());
      });
    };

    // The tracked people first, then the steady mix; a send still retrying does not hold up the next.
    const sending = (async () => {
      const inflight = new Set<Promise<void>>();
      const tick = 1000 / settings.rate;
      for (let i = 0; ; i += 1) {
        const due = started + i * tick;
        if (due >= sendEnd) break;
        await sleep(Math.max(0, due - Date.now()));
        if (inflight.size >= 200) {
          counts.skipped += 1;
          continue;
        }
        const p: Promise<void> = fire(tracked.length < TRACKED ? { kind: 'joiner' } : nextAction(rnd, active, tracked)).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.all(inflight);
    })();

    const t = () => (Date.now() - started) / 1000;
    const injecting = (async () => {
      for (const fault of faultSchedule(durationSec, ctx.servers !== undefined)) {
        await sleep(Math.max(0, started + fault.at * 1000 - Date.now()));
        const at = t();
        if (fault.kind === 'stop-redis') {
          const servers = ctx.servers as NonNullable<DrillContext['servers']>;
          await servers.stop('redis');
          await sleep(settings.redisOutageSec * 1000);
          await servers.start();
          faults.push(`Redis stopped at ${Math.round(at)} s for ${settings.redisOutageSec} s`);
          markers.push({ t: at, label: 'redis stop' });
        } else {
          const role: Role = fault.kind === 'kill-worker' ? 'worker' : 'dispatcher';
          await s.kill(role);
          await sleep(2_000);
          await s.start(role);
          restarts.get(role)?.push(t());
          faults.push(`kill -9 ${role} at ${Math.round(at)} s, restarted after 2 s`);
          markers.push({ t: at, label: `kill -9 ${role}` });
        }
        opts.say(faults.at(-1) as string);
      }
    })();

    let cursor = 0;
    let effectsSinceSample = 0;
    const polling = (async () => {
      while (!stopping) {
        const lines = await withTimeout(ledger.lrange(effectsList, cursor, -1), 2_000);
        const now = Date.now();
        for (const line of lines ?? []) {
          const eventId = line.slice(0, line.indexOf('/'));
          if (clock.watching(eventId)) clock.seen(eventId, now);
          effected.add(eventId);
          const joined = awaitingAccount.get(eventId);
          if (joined !== undefined) {
            awaitingAccount.delete(eventId);
            active.push(joined);
          }
        }
        cursor += lines?.length ?? 0;
        effectsSinceSample += lines?.length ?? 0;
        await sleep(250);
      }
    })();
    loops.push(polling);

    let lastSample = { at: started, accepted: 0 };
    const sample = async (): Promise<SampleRow> => {
      const row: Record<string, number | undefined> = {};
      await Promise.all([
        ...ROLES.map(async (role) => {
          const pid = s.pid(role);
          // A role is one node process (no children): its own VmRSS, one small read even on a busy machine.
          row[`rss.role.${role}`] = pid === undefined ? undefined : ((await withTimeout(rssOf(pid), 2_000)) ?? Number.NaN) / MB;
        }),
        (async () => {
          const pids: Record<string, number | undefined> = (await withTimeout(ctx.servers?.pids() ?? Promise.resolve({}), 2_000)) ?? {};
          await Promise.all(Object.entries(pids).map(async ([name, pid]) => void (row[`rss.server.${name}`] = pid === undefined ? undefined : ((await withTimeout(rssTree(pid), 4_000)) ?? Number.NaN) / MB)));
        })(),
        (async () => {
          row['lag.events'] = await withTimeout(lag(admin, s.env.JML_DISPATCHER_GROUP as string, TOPICS.events), 4_000);
          row['lag.priority'] = await withTimeout(lag(admin, `${s.env.JML_DISPATCHER_GROUP}.priority`, TOPICS.priority), 4_000);
        })(),
        ...tracked.map(async (personKey, i) => {
          const d = await withTimeout(s.temporal.connection.withDeadline(Date.now() + 4_000, () => s.temporal.workflow.getHandle(personWorkflowId(personKey)).describe()), 5_000);
          row[`history.person${i + 1}`] = d?.historyLength;
        }),
      ]);
      const now = Date.now();
      const latencies = clock.take();
      row['leaver.p50'] = percentile(latencies, 50);
      row['leaver.max'] = percentile(latencies, 100);
      row['leaver.pending'] = clock.pending(now).count;
      const answers = [...s.answers];
      const sum = (pred: (status: number) => boolean) => answers.filter(([k]) => pred(k)).reduce((n, [, c]) => n + c, 0);
      row['errors.5xx'] = sum((k) => k >= 500);
      row['errors.4xx'] = sum((k) => k >= 400 && k < 500);
      row['errors.refused'] = sum((k) => k < 0);
      row['errors.failedSends'] = counts.failed;
      const seconds = (now - lastSample.at) / 1000;
      row['rate.accepted'] = (s.accepted.size - lastSample.accepted) / seconds;
      row['rate.effects'] = effectsSinceSample / seconds;
      effectsSinceSample = 0;
      lastSample = { at: now, accepted: s.accepted.size };
      return log.record(row);
    };

    const sampling = (async () => {
      let written = Date.now();
      while (!stopping) {
        await sleep(settings.sampleEverySec * 1000);
        if (stopping) break;
        await sample();
        if (Date.now() - written > 60_000) {
          written = Date.now();
          await log.writeCsv(csvPath);
        }
      }
    })();
    loops.push(sampling);

    await Promise.all([sending, injecting]);
    const sentFor = t();
    markers.push({ t: sentFor, label: 'sending stops' });
    opts.say(`sent ${counts.sent} events (${counts.joiners} joiners, ${counts.movers} movers, ${counts.leavers} leavers) in ${Math.round(sentFor)} s; ${counts.failed} not accepted, ${counts.skipped} ticks skipped; draining`);
    const drainStarted = Date.now();
    const converged = await s.converge(opts.short ? 240_000 : 600_000);
    // Let the last leavers' effects be polled and sampled.
    const leaverDeadline = Date.now() + 30_000;
    while (clock.pending(Date.now()).count > 0 && Date.now() < leaverDeadline) await sleep(500);
    stopping = true;
    await Promise.all([sampling, polling]);
    await sample();
    const drainMs = Date.now() - drainStarted;

    // Memory is judged over the sending phase only (the drain has no steady load). Latency is judged per
    // leaver, by when it was answered 2xx: a leaver sent late and applied during the drain counts at its send time.
    const judged = log.rows.filter((r) => r.t <= sentFor);
    const leaverRows = leaverLatencyRows(clock.done, started);
    const leaversCsv = resolve(settings.outDir, `${s.run}-leavers.csv`);
    await mkdir(resolve(settings.outDir), { recursive: true });
    await writeFile(leaversCsv, toCsv(leaverRows));
    // A role judged over less than MIN_MEMORY_WINDOW_SEC after its warm-up (a restarted role in a short run) is
    // reported, not judged: a minute or so of a fresh process says nothing about a leak.
    const memory = ROLES.map((role) => {
      const warmupSeconds = memoryWarmupSec(sentFor, restarts.get(role) ?? []);
      return { verdict: driftVerdict(judged, `rss.role.${role}`, { kind: 'memory', warmupSeconds }), judgedFor: sentFor - warmupSeconds };
    });
    const unjudged = memory.filter((m) => m.judgedFor < MIN_MEMORY_WINDOW_SEC);
    const verdicts: DriftVerdict[] = [...memory.filter((m) => m.judgedFor >= MIN_MEMORY_WINDOW_SEC).map((m) => m.verdict), driftVerdict(leaverRows, 'leaver.latency', { kind: 'latency' })];
    const shared = await sharedInvariants(s);
    const unexplained = shared.invariants.some((i) => !i.ok && i.name === 'every applied event shows its effect') ? await missingEffects(s) : [];
    const invariants: Invariant[] = [
      ...shared.invariants,
      ...verdicts.map((v) => ({
        name: v.series.startsWith('rss.') ? `memory of ${v.series.slice('rss.role.'.length)} does not keep growing` : 'leaver latency does not drift',
        ok: v.ok,
        ...(v.ok ? {} : { detail: v.why }),
      })),
    ];

    await log.writeCsv(csvPath);
    await mkdir(resolve(settings.outDir), { recursive: true });
    await writeFile(pngPath, renderChart({ title: `jml soak ${s.run}: ${settings.minutes} min at ${settings.rate} events/s`, rows: log.rows, panels: soakPanels(log.series), markers }));
    opts.say(`soak samples: ${csvPath}`);
    opts.say(`soak chart:   ${pngPath}`);

    const col = (name: string) => log.rows.map((r) => r[name]).filter((v): v is number => v !== undefined);
    const firstFault = markers.length > 0 ? Math.min(...markers.map((m) => m.t)) : 0;
    const ok = invariants.every((i) => i.ok);
    const fmt = (x: number | undefined) => (x === undefined ? '-' : String(Math.round(x)));
    return {
      drill: 'soak',
      faults,
      ...shared,
      invariants,
      convergeMs: ok && converged !== null ? Date.now() - (started + firstFault * 1000) : null,
      measured: {
        minutes: settings.minutes,
        'worker workflow cache': cache ?? 'SDK default',
        'rate (events/s planned)': settings.rate,
        'rate (accepted/s achieved)': (s.accepted.size / sentFor).toFixed(2),
        mix: `${counts.joiners} joiners, ${counts.movers} movers, ${counts.leavers} leavers; ${counts.failed} not accepted; ${counts.skipped} ticks skipped`,
        samples: log.rows.length,
        'leaver latency p50/p95/max ms': `${fmt(percentile(clock.all, 50))}/${fmt(percentile(clock.all, 95))}/${fmt(percentile(clock.all, 100))} (${clock.all.length} leavers)`,
        'lag max (events/priority)': `${fmt(Math.max(0, ...col('lag.events')))}/${fmt(Math.max(0, ...col('lag.priority')))}`,
        'history max': fmt(Math.max(0, ...col('history.person1'), ...col('history.person2'), ...col('history.person3'))),
        ...Object.fromEntries(
          [...ROLES.map((r) => `rss.role.${r}`), ...log.series.filter((x) => x.startsWith('rss.server.'))].map((name) => {
            const v = col(name);
            return [`${name} MB first/median/last`, `${fmt(v[0])}/${fmt(median(v))}/${fmt(v.at(-1))}`];
          }),
        ),
        answers: [...s.answers].map(([k, n]) => `${k < 0 ? 'refused' : k}×${n}`).join(' '),
        'drain after sending (s)': (drainMs / 1000).toFixed(1),
        csv: csvPath,
        'leavers csv': leaversCsv,
        png: pngPath,
      },
      notes: [
        ...unexplained,
        ...verdicts.map((v) => v.why),
        ...unjudged.map((m) => `not judged (${Math.round(m.judgedFor)} s after warm-up, need ${MIN_MEMORY_WINDOW_SEC}): ${m.verdict.why}`),
        'servers are charted, not judged; memory of a restarted role is judged from a tenth of the run (at least 60 s) after its restart',
        'figures from a shared 2-core machine: other drills may run at the same time',
      ],
    };
  } finally {
    stopping = true;
    await Promise.allSettled(loops);
    if (log.rows.length > 0) await log.writeCsv(csvPath).catch(() => undefined);
    ledger.disconnect();
    await admin.disconnect().catch(() => undefined);
    await s.close();
  }
}
