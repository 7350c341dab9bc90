import { stableJson } from '../../connectors/dev-redis';
import { eventWorkflowId } from '../../schemas/contracts';
import type { EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { defaultAttributes } from '../../services/policy/plan';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { makeEvent } from '../support/events';
import { sharedInvariants } from './check';
import { Scenario, sleep, type Terminal } from './lab';
import type { DrillContext, DrillOptions, DrillReport, Invariant } from './types';

/**
 * A storm of duplicate and out-of-order deliveries for the same people: each person's HR history
 * (a joiner, one or two movers changing title and department, a leaver for a third of them, entered
 * an hour apart) is delivered shuffled across everyone, each event four times (twice under one
 * webhook id, so the gateway's replay memory answers the second, and twice under webhook ids of its
 * own, so only event dedupe can drop them), sixteen deliveries at a time.
 *
 * Beyond the shared invariants: the ledger app's final state of each person is the newest HR truth
 * (a leaver: disabled or never created; else enabled with the attributes of the newest event), and
 * no effect shows that no applied step of an applied event explains (a joiner delivered after a
 * mover that already created the account finds it in state, a leaver applied first finds nothing to
 * disable: neither leaves an effect, and neither may).
 */
export async function stormDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const s = await Scenario.open({ name: 'storm', endpoints: ctx.endpoints, entry: ctx.entry });
  try {
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    const people = Array.from({ length: opts.short ? 10 : 50 }, () => s.person());
    const histories = new Map(people.map((p, i) => [p, history(p, i)]));
    const events = [...histories.values()].flat();
    const seed = [...s.run].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7);
    const random = mulberry32(seed);
    const deliveries = shuffle(
      events.flatMap((event) => [`wh-${event.id}`, `wh-${event.id}`, `wh-${event.id}-b`, `wh-${event.id}-c`].map((webhookId) => ({ event, webhookId }))),
      random,
    );
    opts.say(`${people.length} people, ${events.length} events, ${deliveries.length} deliveries (shuffle seed ${seed})`);

    const counts = { replayed: 0, duplicate: 0, fresh: 0, refused: 0 };
    const firstFault = Date.now();
    let next = 0;
    const sender = async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++] as (typeof deliveries)[number];
        const answer = await deliver(s, d.event, d.webhookId);
        if (answer.status < 200 || answer.status >= 300) counts.refused += 1;
        else if (answer.replayed) counts.replayed += 1;
        else if (answer.duplicate) counts.duplicate += 1;
        else counts.fresh += 1;
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    opts.say(`delivered: ${counts.fresh} fresh, ${counts.duplicate} answered duplicate, ${counts.replayed} replayed, ${counts.refused} refused`);

    const converged = await s.converge(opts.short ? 180_000 : 420_000);
    const convergeMs = converged === null ? null : Date.now() - firstFault;
    // Converged means terminal; give the last reconciliation-free moment a breath before reading state.
    await sleep(500);
    const terminals = await s.terminals();
    const byStatus = (t: Terminal) => [...terminals.values()].filter((x) => x === t).length;

    const shared = await sharedInvariants(s);
    const effects = await s.effects();
    const { keys: steps, lateOlder } = await appliedSteps(s, terminals);
    const expectedKeys = new Set(steps);
    const unexplained = [...effects.keys()].filter((k) => !expectedKeys.has(k));
    const finals = await finalState(s, histories);

    const invariants: Invariant[] = [
      ...shared.invariants,
      {
        name: 'no effect without an applied step of an applied event',
        ok: unexplained.length === 0,
        ...(unexplained.length ? { detail: `${unexplained.length}: ${unexplained.slice(0, 3).join(', ')}` } : {}),
      },
      {
        name: 'every 2xx delivery of each event was accepted once or answered as a duplicate',
        ok: counts.refused === 0 && counts.fresh >= events.length && s.accepted.size === events.length,
        ...(counts.refused || s.accepted.size !== events.length ? { detail: `${counts.refused} refused, ${s.accepted.size}/${events.length} accepted` } : {}),
      },
      {
        name: 'the ledger holds the newest HR truth of every person',
        ok: finals.wrong.length === 0,
        ...(finals.wrong.length ? { detail: `${finals.wrong.length}/${people.length}: ${finals.wrong.slice(0, 3).join('; ')}` } : {}),
      },
    ];
    return {
      drill: 'storm',
      faults: [`${deliveries.length} deliveries of ${events.length} events for ${people.length} people, shuffled, each ×4 (2 webhook ids replayed, 2 new), 16 at a time`],
      ...shared,
      convergeMs: invariants.every((i) => i.ok) ? convergeMs : null,
      invariants,
      measured: {
        deliveries: deliveries.length,
        'distinct events': events.length,
        'accepted fresh': counts.fresh,
        'answered duplicate (event dedupe)': counts.duplicate,
        'answered replay (webhook id)': counts.replayed,
        applied: byStatus('applied'),
        superseded: byStatus('superseded'),
        'older news applied late': lateOlder,
        'duplicate (person workflow)': byStatus('duplicate'),
        'needs-attention': byStatus('needs-attention'),
        'final state': `${finals.active} active, ${finals.disabled} disabled, ${finals.absent} never created (left before joining was applied)`,
        answers: [...s.answers].map(([k, n]) => `${k < 0 ? 'refused' : k}×${n}`).join(' '),
      },
      notes: [],
    };
  } finally {
    await s.close();
  }
}

/** One person's HR history, entered an hour apart: joiner, mover, a second mover for every other person, a leaver for every third. */
function history(personKey: string, i: number): JmlEvent[] {
  const at = (h: number) => new Date(Date.parse('2026-11-02T09:00:00Z') + i * 60_000 + h * 3_600_000).toISOString();
  const roles = [
    { jobTitle: 'Engineer', department: 'Engineering' },
    { jobTitle: 'Senior Engineer', department: 'Platform' },
    { jobTitle: 'Staff Engineer', department: 'Infrastructure' },
  ] as const;
  const out = [makeEvent({ personKey, type: 'jml.joiner', enteredAt: at(0), person: roles[0] })];
  out.push(makeEvent({ personKey, type: 'jml.mover', enteredAt: at(1), person: roles[1], changedFields: ['jobTitle', 'department'] }));
  if (i % 2 === 0) out.push(makeEvent({ personKey, type: 'jml.mover', enteredAt: at(2), person: roles[2], changedFields: ['jobTitle', 'department'] }));
  if (i % 3 === 0) out.push(makeEvent({ personKey, type: 'jml.leaver', enteredAt: at(3), person: roles[i % 2 === 0 ? 2 : 1] }));
  return out;
}

/**
 * One signed delivery as an HR system makes it: a 5xx or a refused connection is retried with the
 * same webhook id; a 2xx marks the event accepted. Says whether the gateway answered it as a replay
 * of that webhook id (`jml-replay` header) or as a duplicate event (`duplicate: true`).
 */
async function deliver(s: Scenario, event: JmlEvent, webhookId: string): Promise<{ status: number; replayed: boolean; duplicate: boolean }> {
  const raw = JSON.stringify(event);
  for (let i = 1; ; i += 1) {
    let answer = { status: -1, replayed: false, duplicate: false };
    try {
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(`${s.gatewayUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': webhookId, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(s.secret, webhookId, ts, raw) },
        body: raw,
      });
      const text = await res.text();
      const body = (text ? JSON.parse(text) : {}) as { duplicate?: boolean };
      answer = { status: res.status, replayed: res.headers.get('jml-replay') === 'true', duplicate: body.duplicate === true };
    } catch {
      // refused connection: retried below
    }
    s.answers.set(answer.status, (s.answers.get(answer.status) ?? 0) + 1);
    if (answer.status >= 200 && answer.status < 300) {
      s.accepted.set(event.id, event);
      return answer;
    }
    if ((answer.status >= 0 && answer.status < 500) || i >= 30) return answer;
    await sleep(Math.min(2_000, 100 * i));
  }
}

/**
 * The idempotency keys of the ledger steps that applied events report `applied` (a real change), and
 * how many events applied after an event of the same person that HR entered later (older news
 * applied late, e.g. a joiner after its mover: what makes this drill's order a storm).
 */
async function appliedSteps(s: Scenario, terminals: Map<string, Terminal>): Promise<{ keys: string[]; lateOlder: number }> {
  const keys: string[] = [];
  const started: Array<{ subject: string; enteredAt: number; at: number }> = [];
  for (const event of s.accepted.values()) {
    if (terminals.get(event.id) !== 'applied' && terminals.get(event.id) !== 'needs-attention') continue;
    const handle = s.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
    started.push({ subject: event.subject, enteredAt: Date.parse(event.data.enteredAt), at: (await handle.describe()).startTime.getTime() });
    const outcome = (await handle.result()) as EventOutcome;
    for (const app of outcome.apps) {
      if (app.appId !== 'ledger') continue;
      for (const step of app.steps) if (step.outcome === 'applied') keys.push([event.id, 'ledger', step.operation, step.qualifier].filter(Boolean).join('/'));
    }
  }
  const lateOlder = started.filter((e) => started.some((o) => o.subject === e.subject && o.at < e.at && o.enteredAt > e.enteredAt)).length;
  return { keys, lateOlder };
}

/**
 * Compares each person's ledger account with their newest HR event (by entry time): a leaver's
 * account is disabled, or absent when the leaver was applied before any joiner or mover could create
 * it (they were superseded); anyone else's is enabled with the attributes of that newest event.
 * Reports person keys and field names only.
 */
async function finalState(s: Scenario, histories: Map<string, JmlEvent[]>) {
  const out = { active: 0, disabled: 0, absent: 0, wrong: [] as string[] };
  for (const [personKey, events] of histories) {
    const newest = events.reduce((a, b) => (Date.parse(b.data.enteredAt) > Date.parse(a.data.enteredAt) ? b : a));
    const account = await s.ledgerAccount(personKey);
    const exists = account.enabled !== undefined;
    if (!exists) out.absent += 1;
    else if (account.enabled === '1') out.active += 1;
    else out.disabled += 1;
    if (newest.type === 'jml.leaver') {
      if (exists && account.enabled !== '0') out.wrong.push(`${personKey}: left, account enabled`);
      continue;
    }
    if (!exists || account.enabled !== '1') {
      out.wrong.push(`${personKey}: ${newest.type} newest, account ${exists ? 'disabled' : 'absent'}`);
      continue;
    }
    const want = JSON.parse(stableJson(defaultAttributes(newest))) as Record<string, unknown>;
    const held = JSON.parse(account.attributes ?? '{}') as Record<string, unknown>;
    const differ = Object.keys({ ...want, ...held }).filter((k) => JSON.stringify(want[k]) !== JSON.stringify(held[k]));
    if (differ.length > 0) out.wrong.push(`${personKey}: ${differ.join(', ')} differ from the newest event`);
  }
  return out;
}

/** A small seeded PRNG, so a storm's order can be told and replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
