import { makeEvent } from '../support/events';
import { sharedInvariants } from './check';
import { Scenario, sleep, type Role } from './lab';
import type { DrillContext, DrillOptions, DrillReport } from './types';

/**
 * kill -9 of one role's process while joiners fan out, then a restart; the rest of the pipeline
 * runs on. Then leavers for a quarter of the people, to show the restarted pipeline still works.
 */
export async function processKillDrill(role: Role, ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const s = await Scenario.open({ name: `kill-${role}`, endpoints: ctx.endpoints, entry: ctx.entry });
  try {
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    const people = Array.from({ length: opts.short ? 30 : 150 }, () => s.person());
    const joiners = people.map((personKey) => makeEvent({ personKey, type: 'jml.joiner' }));
    // Deliveries go on while the role is down and coming back: the sender retries 5xx and refused connections.
    const sending = (async () => {
      for (let i = 0; i < joiners.length; i += 10) await Promise.all(joiners.slice(i, i + 10).map((e) => s.send(e)));
    })();
    const killAt = Math.ceil(joiners.length * 0.3);
    const seenAtKill = await s.waitForEffects(killAt);
    const firstFault = Date.now();
    await s.kill(role);
    opts.say(`kill -9 ${role} with ${seenAtKill}/${joiners.length} joiners applied`);
    await sleep(1_000);
    await s.start(role);
    await sending;
    const leavers = people.slice(0, Math.ceil(people.length / 4)).map((personKey) => makeEvent({ personKey, type: 'jml.leaver', enteredAt: '2026-11-25T09:00:00Z' }));
    await Promise.all(leavers.map((e) => s.send(e)));
    const converged = await s.converge(180_000);
    const shared = await sharedInvariants(s);
    const convergeMs = converged === null ? null : Date.now() - firstFault;
    return {
      drill: `kill-${role}`,
      faults: [`kill -9 ${role} at ${seenAtKill}/${joiners.length} joiners applied, restarted after 1 s`],
      ...shared,
      convergeMs: shared.invariants.every((i) => i.ok) ? convergeMs : null,
      measured: { answers: s.answerSummary() },
      notes: [],
    };
  } finally {
    await s.close();
  }
}
