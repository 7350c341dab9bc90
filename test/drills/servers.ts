import { startRedisServer, type RedisServerInstance } from '../harness/redis-server';
import { runCli } from '../support/cli-process';
import { makeEvent } from '../support/events';
import { sharedInvariants } from './check';
import { Scenario, sleep } from './lab';
import type { DrillContext, DrillOptions, DrillReport, Invariant } from './types';

type Service = 'kafka' | 'temporal' | 'redis';

/** What each server's drill expects of the answers while that server is down. */
const DURING: Record<Service, { gatewayNeeds: boolean; say: string }> = {
  // The gateway answers 2xx only once Kafka acknowledged the event: nothing can be acknowledged while it is down.
  kafka: { gatewayNeeds: true, say: 'Kafka' },
  // Ingest does not touch Temporal: the gateway goes on answering 2xx, the dispatcher waits.
  temporal: { gatewayNeeds: false, say: 'Temporal (persistent database)' },
  // The replay guard fails open without Redis: every delivery is still handled.
  redis: { gatewayNeeds: false, say: 'Redis' },
};

function needServers(ctx: DrillContext, drill: string): NonNullable<DrillContext['servers']> {
  if (!ctx.servers) throw new Error(`${drill} stops a server of the stack: run it with \`npm run drill\`, which starts a private stack`);
  return ctx.servers;
}

/**
 * A server of the stack killed (SIGKILL) while joiners are sent at a steady rate and fanned out, kept
 * down for a while, then started again with the same data; then leavers for a quarter of the people.
 * The sender retries 5xx and refused connections with the same webhook id, as HR systems do.
 * Besides the shared invariants: no valid delivery was answered 4xx (an HR system would drop it), and
 * where the gateway needs the server (Kafka), nothing was answered 2xx while it was down.
 */
export async function serverRestartDrill(service: Service, ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const drill = `restart-${service}`;
  const servers = needServers(ctx, drill);
  const downMs = opts.short ? 8_000 : 30_000;
  // Redis's drill keeps the ledger app elsewhere: it must count effects while the pipeline's Redis is gone.
  const ledgerRedis: RedisServerInstance | undefined = service === 'redis' ? await startRedisServer() : undefined;
  const s = await Scenario.open({ name: drill, endpoints: ctx.endpoints, entry: ctx.entry, ...(ledgerRedis ? { ledgerRedisUrl: ledgerRedis.url } : {}) });
  try {
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    const people = Array.from({ length: opts.short ? 40 : 200 }, () => s.person());
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' }));
    // Paced so that the burst lasts through the outage: deliveries are in flight when the server dies.
    const perSecond = (joiners.length * 1000) / (downMs + 10_000);
    const sending = s.sendPaced(joiners, perSecond);
    const seenAtFault = await s.waitForEffects(Math.ceil(joiners.length * 0.2));
    const down = Date.now();
    await servers.stop(service, { hard: true });
    opts.say(`kill -9 ${service} with ${seenAtFault}/${joiners.length} joiners applied; down for ${downMs / 1000} s`);
    await sleep(downMs);
    const restarting = Date.now();
    await servers.start();
    const back = Date.now();
    opts.say(`${service} answering again after ${((back - restarting) / 1000).toFixed(1)} s`);
    await sending;
    const leavers = people.slice(0, Math.ceil(people.length / 4)).map((personKey) => makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-25T09:00:00Z' }));
    await s.sendPaced(leavers, 20);
    const converged = await s.converge(240_000);
    const shared = await sharedInvariants(s);

    const during = s.timeline.filter((a) => a.at > down + 500 && a.at < back);
    const okDuring = during.filter((a) => a.status >= 200 && a.status < 300).length;
    const fourXx = [...s.answers].filter(([status]) => status >= 400 && status < 500).reduce((n, [, c]) => n + c, 0);
    const firstOkAfter = s.timeline.find((a) => a.at >= back && a.status >= 200 && a.status < 300);
    const invariants: Invariant[] = [
      ...shared.invariants,
      { name: 'no valid delivery answered 4xx', ok: fourXx === 0, ...(fourXx ? { detail: `${fourXx} answered 4xx: ${s.answerSummary()}` } : {}) },
    ];
    if (DURING[service].gatewayNeeds) {
      invariants.push({ name: `nothing answered 2xx while ${service} was down`, ok: okDuring === 0, ...(okDuring ? { detail: `${okDuring} × 2xx` } : {}) });
      invariants.push({ name: `deliveries during the outage were refused with 5xx (and retried)`, ok: during.some((a) => a.status >= 500), detail: `${during.length} answers while down` });
    }
    return {
      drill,
      faults: [`kill -9 ${DURING[service].say} at ${seenAtFault}/${joiners.length} joiners applied, down ${downMs / 1000} s, restarted`],
      ...shared,
      invariants,
      convergeMs: invariants.every((i) => i.ok) && converged !== null ? Date.now() - down : null,
      measured: {
        answers: s.answerSummary(),
        'answers while down': summarize(during.map((a) => a.status)),
        'restart took': `${((back - restarting) / 1000).toFixed(1)} s`,
        'first 2xx after restart': firstOkAfter ? `${((firstOkAfter.at - back) / 1000).toFixed(1)} s` : 'none',
        'send rate': `${perSecond.toFixed(1)}/s`,
      },
      notes: [],
    };
  } finally {
    await s.close();
    await ledgerRedis?.stop();
  }
}

/**
 * Redis killed during a leaver burst under the mass-change guard, with retention deletes coming due
 * while it is down. What the README promises: when the guard cannot count, reversible work (disables)
 * goes ahead uncounted and irreversible work (deletes) is held; once Redis answers, deletes are
 * counted again, those past `max` stay held until ops approve, and then each runs once.
 */
export async function redisGuardDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const drill = 'redis-guard';
  const servers = needServers(ctx, drill);
  const max = 3;
  const deleteAfterSec = 10;
  const ledgerRedis = await startRedisServer();
  const s = await Scenario.open({
    name: drill,
    endpoints: ctx.endpoints,
    entry: ctx.entry,
    ledgerRedisUrl: ledgerRedis.url,
    // The ledger app deletes leavers' accounts after a short retention: deletes come due while Redis is down.
    policyTail: `massChangeGuard: { max: ${max}, window: PT1H }\n`,
    ledgerExtra: `, leaver: { deleteAfter: PT${deleteAfterSec}S }`,
  });
  try {
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    const people = Array.from({ length: opts.short ? 10 : 30 }, () => s.person());
    await s.sendPaced(
      people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' })),
      20,
    );
    await s.waitForEffects(people.length, 120_000);
    const leavers = people.map((personKey) => makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-25T09:00:00Z' }));
    const down = Date.now();
    await servers.stop('redis', { hard: true });
    opts.say(`kill -9 Redis, then ${leavers.length} leavers (guard max ${max}, deletes after ${deleteAfterSec} s)`);
    await s.sendPaced(leavers, 20);
    const disabled = async () => countOps(await s.effects(), leavers, 'suspendAccount');
    const deleted = async () => countOps(await s.effects(), leavers, 'deleteAccount');
    // Disables go ahead uncounted while Redis is down.
    const deadline = Date.now() + 120_000;
    while ((await disabled()) < leavers.length && Date.now() < deadline) await sleep(250);
    const disabledWhileDown = await disabled();
    const disableMs = Date.now() - down;
    // Let every delete come due and meet the guard that cannot count.
    await sleep(deleteAfterSec * 1000 + 8_000);
    const deletedWhileDown = await deleted();
    const heldWhileDown = await held(s);
    await servers.start();
    const back = Date.now();
    opts.say(`Redis back after ${((back - down) / 1000).toFixed(1)} s: ${disabledWhileDown}/${leavers.length} disabled, ${deletedWhileDown} deleted, ${heldWhileDown.length} held`);
    // Held deletes ask the guard again every minute: once it counts, `max` of them go ahead by
    // themselves and the rest are held by the count, for ops.
    const admittedWanted = Math.min(max, leavers.length);
    let heldAfter = await held(s);
    const settle = Date.now() + 100_000;
    while (Date.now() < settle && ((await deleted()) < admittedWanted || (await deleted()) + heldAfter.length < leavers.length)) {
      await sleep(1_000);
      heldAfter = await held(s);
    }
    const deletedByThemselves = await deleted();
    const approve = await runCli(['approve', '--all', '--reason', 'drill: release after the Redis outage'], { env: { ...process.env, ...s.env, LOG_LEVEL: 'silent' }, cwd: process.cwd() });
    const approved = Date.now();
    const converged = await s.converge(180_000);
    const end = Date.now() + 60_000;
    while ((await deleted()) < leavers.length && Date.now() < end) await sleep(250);
    const deletedAtEnd = await deleted();
    const shared = await sharedInvariants(s);
    const invariants: Invariant[] = [
      ...shared.invariants,
      { name: 'every leaver disabled while Redis was down (reversible work goes ahead)', ok: disabledWhileDown === leavers.length, detail: `${disabledWhileDown}/${leavers.length}` },
      { name: 'no delete while the guard could not count', ok: deletedWhileDown === 0, detail: `${deletedWhileDown} deleted, ${heldWhileDown.length} held` },
      { name: `once Redis answered, the guard counted again: ${admittedWanted} deletes went ahead, the rest held`, ok: deletedByThemselves === admittedWanted && heldAfter.length === leavers.length - admittedWanted, detail: `${deletedByThemselves} deleted, ${heldAfter.length} held` },
      { name: 'ops approval released the rest: every account deleted once', ok: approve.code === 0 && deletedAtEnd === leavers.length, detail: `approve exit ${approve.code}, ${deletedAtEnd}/${leavers.length} deleted` },
    ];
    return {
      drill,
      faults: [`kill -9 Redis before ${leavers.length} leavers, down ${((back - down) / 1000).toFixed(0)} s, deletes due meanwhile`],
      ...shared,
      invariants,
      convergeMs: invariants.every((i) => i.ok) && converged !== null ? Date.now() - down : null,
      measured: {
        answers: s.answerSummary(),
        'all disabled while down after': `${(disableMs / 1000).toFixed(1)} s`,
        'held while down': heldWhileDown.length,
        'deleted before approval': deletedByThemselves,
        'held after Redis returned': heldAfter.length,
        'approve to all deleted': `${((Date.now() - approved) / 1000).toFixed(1)} s`,
      },
      notes: [],
    };
  } finally {
    await s.close();
    await ledgerRedis.stop();
  }
}

async function held(s: Scenario): Promise<string[]> {
  const r = await runCli(['held'], { env: { ...process.env, ...s.env, LOG_LEVEL: 'silent' }, cwd: process.cwd() });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** Leavers whose effect of `op` the ledger shows (keys `<eventId>[.<suffix>]/ledger/<operation>…`). */
function countOps(effects: Map<string, number>, events: readonly { id: string }[], op: string): number {
  const keys = [...effects.keys()];
  return events.filter((e) => keys.some((k) => (k.startsWith(`${e.id}/`) || k.startsWith(`${e.id}.`)) && k.endsWith(`/${op}`))).length;
}

function summarize(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const st of statuses) counts.set(st, (counts.get(st) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([k, n]) => `${k < 0 ? 'refused' : k}×${n}`).join(' ') || 'none';
}
