import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import { runCli } from '../support/cli-process';
import { makeEvent } from '../support/events';
import { sharedInvariants } from './check';
import { Scenario, sleep } from './lab';
import type { DrillContext, DrillOptions, DrillReport, Invariant } from './types';

/**
 * Ten times the usual leaver rate inside the mass-change guard's window. The drill's policy sets the
 * guard at twice the usual rate (`max` = 2 × usual per `window`), so ordinary days pass untouched;
 * then 10 × usual leavers arrive, spread over 80 % of one window (full: 5 usual per 5 minutes, 50
 * leavers in 4 minutes; short: 2 usual per minute, 20 leavers in 48 s). Everyone joined first.
 *
 * Checked beyond the shared invariants: the guard admits at most `max` and holds the rest before
 * they touch anything (only the admitted leavers' accounts are disabled while ops have not decided);
 * nothing is ever deleted at the ledger (no `delete` in its effects log, every account still there);
 * `jml approve --all`, run as ops would, releases every held leaver, each then disables its account
 * once, and no leaver is held any more.
 */
export async function leaverSurgeDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const usual = opts.short ? 2 : 5;
  const windowMs = (opts.short ? 1 : 5) * 60_000;
  const max = 2 * usual;
  const surge = 10 * usual;
  const s = await Scenario.open({
    name: 'leaver-surge',
    endpoints: ctx.endpoints,
    entry: ctx.entry,
    policyTail: `massChangeGuard: { max: ${max}, window: PT${windowMs / 60_000}M }\n`,
  });
  const cliEnv = { ...process.env, ...s.env, LOG_LEVEL: 'silent' };
  const cli = (args: string[]) => runCli(args, { env: cliEnv, cwd: process.cwd() });
  const enabledOf = async (people: string[]) =>
    Promise.all(people.map(async (p) => (await s.ledgerAccount(p)).enabled ?? 'absent'));
  try {
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    const people = Array.from({ length: surge }, () => s.person());
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' }));
    for (let i = 0; i < joiners.length; i += 10) await Promise.all(joiners.slice(i, i + 10).map((e) => s.send(e)));
    if ((await s.converge(180_000)) === null) throw new Error(`joiners did not converge\n${s.output()}`);
    const joined = (await enabledOf(people)).filter((e) => e === '1').length;
    opts.say(`${joined}/${people.length} joined; guard max ${max} per ${windowMs / 1000} s; sending ${surge} leavers over ${(0.8 * windowMs) / 1000} s`);

    const leavers = people.map((personKey) => makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-25T09:00:00Z' }));
    const spacing = (0.8 * windowMs) / surge;
    const firstFault = Date.now();
    const sends: Array<Promise<number>> = [];
    for (const [i, e] of leavers.entries()) {
      await sleep(Math.max(0, firstFault + i * spacing - Date.now()));
      sends.push(s.send(e));
    }
    const statuses = await Promise.all(sends);
    const sentMs = Date.now() - firstFault;

    // Every leaver is either done (admitted) or held, as ops see it (`jml held`).
    let held: string[] = [];
    let done = 0;
    const settleStarted = Date.now();
    for (;;) {
      const terminals = await s.terminals();
      done = leavers.filter((e) => terminals.get(e.id) === 'applied').length;
      const r = await cli(['held', '--json']);
      held = r.code === 0 ? (JSON.parse(r.stdout) as { held: Array<{ workflowId: string }> }).held.map((h) => h.workflowId) : held;
      if (done + held.length >= surge || Date.now() - settleStarted > 180_000) break;
      await sleep(1_000);
    }
    const heldSet = new Set(held);
    const isHeld = (personKey: string, id: string) => heldSet.has(eventWorkflowId(personKey, id));
    const before = await enabledOf(people);
    const disabledBefore = leavers.filter((_, i) => before[i] === '0');
    const heldTouched = leavers.filter((e, i) => isHeld(e.subject, e.id) && before[i] !== '1');
    const admittedNotDisabled = leavers.filter((e, i) => !isHeld(e.subject, e.id) && before[i] !== '0');
    opts.say(`${done} leavers admitted and done, ${held.length} held, ${disabledBefore.length} accounts disabled before approve`);

    const approvedAt = Date.now();
    const approve = await cli(['approve', '--all', '--reason', 'leaver-surge drill: planned']);
    let released = 0;
    if (approve.code === 0) {
      // Human lines: `approved <workflowId>`.
      released = approve.stdout.split('\n').filter((l) => l.startsWith('approved ')).length;
    }
    let allDisabledMs: number | null = null;
    while (Date.now() - approvedAt < 180_000) {
      if ((await enabledOf(people)).every((e) => e === '0')) {
        allDisabledMs = Date.now() - approvedAt;
        break;
      }
      await sleep(200);
    }
    const converged = await s.converge(180_000);
    const convergedAt = Date.now();
    const stillHeld = await cli(['held']);
    const shared = await sharedInvariants(s);

    // Effects by the step's idempotency key, `<eventId>/ledger/<operation>`.
    const effects = [...(await s.effects())];
    const countOf = (operation: string) => effects.filter(([k]) => k.endsWith(`/${operation}`)).reduce((n, [, c]) => n + c, 0);
    const deletes = countOf('deleteAccount');
    const after = await enabledOf(people);
    const terminals = await s.terminals();
    // Only finished ones: result() of a leaver still held would wait for ever.
    const finished = leavers.filter((e) => terminals.get(e.id) === 'applied' || terminals.get(e.id) === 'needs-attention');
    const outcomes = await Promise.all(finished.map(async (e) => (await s.temporal.workflow.getHandle(eventWorkflowId(e.subject, e.id)).result()) as EventOutcome));
    const approvedOutcomes = outcomes.filter((o) => o.guard?.held && o.guard.decision === 'approved').length;
    const suspendEffects = countOf('suspendAccount');

    const invariants: Invariant[] = [
      ...shared.invariants,
      {
        name: `the guard admitted at most max (${max}) and held the rest`,
        ok: done <= max && done + held.length === surge && held.length >= surge - max,
        detail: `${done} admitted, ${held.length} held of ${surge}`,
      },
      {
        name: 'held leavers touched nothing before approve; admitted ones disabled',
        ok: heldTouched.length === 0 && admittedNotDisabled.length === 0,
        ...(heldTouched.length || admittedNotDisabled.length ? { detail: `${heldTouched.length} held but not enabled, ${admittedNotDisabled.length} admitted but not disabled` } : {}),
      },
      {
        name: 'jml approve --all released every held leaver',
        ok: approve.code === 0 && released === held.length && approvedOutcomes === held.length && stillHeld.stdout.trim() === '',
        detail: `exit ${approve.code}, ${released} approved, ${approvedOutcomes} outcomes approved, ${stillHeld.stdout.trim().split('\n').filter(Boolean).length} still held`,
      },
      { name: 'nothing deleted: no delete effect, every account still there', ok: deletes === 0 && after.every((e) => e !== 'absent'), detail: `${deletes} deletes, ${after.filter((e) => e === 'absent').length} absent` },
      {
        name: 'every leaver disabled its account once',
        ok: allDisabledMs !== null && suspendEffects === surge && after.every((e) => e === '0'),
        detail: `${suspendEffects} disables for ${surge} leavers, ${after.filter((e) => e === '0').length} disabled`,
      },
      { name: 'every leaver answered 2xx', ok: statuses.every((st) => st >= 200 && st < 300) },
    ];
    return {
      drill: 'leaver-surge',
      faults: [`${surge} leavers in ${(sentMs / 1000).toFixed(0)} s (10× a usual ${usual} per ${windowMs / 60_000} min) against massChangeGuard max ${max}`],
      ...shared,
      convergeMs: converged !== null && invariants.every((i) => i.ok) ? convergedAt - firstFault : null,
      invariants,
      measured: {
        'leavers sent': surge,
        'admitted by guard': done,
        'held by guard': held.length,
        'released by approve': released,
        deleted: deletes,
        'approve → all disabled': allDisabledMs === null ? 'never' : `${(allDisabledMs / 1000).toFixed(1)} s`,
      },
      notes: [],
    };
  } finally {
    await s.close();
  }
}
