import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EXIT, supervise } from './supervise';
import type { RunningRole } from './table';

const log = pino({ level: 'silent' });

/** A role whose stop takes `stopMs`, recording what the supervisor did and when. */
function fakeRole(opts: { stopMs?: number; gateway?: boolean } = {}) {
  const calls: Array<[string, number]> = [];
  const t0 = Date.now();
  let die: (err: Error) => void = () => undefined;
  const role: RunningRole = {
    ...(opts.gateway ? { gatewayUrl: 'http://127.0.0.1:1' } : {}),
    stopAccepting: () => void calls.push(['stopAccepting', Date.now() - t0]),
    stop: async () => {
      calls.push(['stop', Date.now() - t0]);
      await new Promise((r) => setTimeout(r, opts.stopMs ?? 0));
      calls.push(['stopped', Date.now() - t0]);
    },
    failed: new Promise<Error>((resolve) => (die = resolve)),
  };
  return { role, calls, die: (err: Error) => die(err) };
}

// A signal no test runner sends, raised with process.emit: the supervisor's handlers run, nothing is killed.
const SIGNAL = 'SIGUSR2' as const;
const raise = (afterMs = 10) => setTimeout(() => process.emit(SIGNAL, SIGNAL), afterMs);

describe('supervise', () => {
  it('signal > readiness turns 503 first, the gateway keeps serving for the drain delay, then the role stops: exit 0', async () => {
    const { role, calls } = fakeRole({ gateway: true });
    raise();
    const code = await supervise(role, { log, deadlineMs: 5_000, drainDelayMs: 200, signals: [SIGNAL] });
    expect(code).toBe(EXIT.drained);
    expect(calls.map(([what]) => what)).toEqual(['stopAccepting', 'stop', 'stopped']);
    const [, accepting] = calls[0] as [string, number];
    const [, stopping] = calls[1] as [string, number];
    expect(stopping - accepting).toBeGreaterThanOrEqual(190);
  });

  it('signal > a role without a gateway does not wait for a drain delay', async () => {
    const { role, calls } = fakeRole();
    raise();
    expect(await supervise(role, { log, deadlineMs: 5_000, drainDelayMs: 2_000, signals: [SIGNAL] })).toBe(EXIT.drained);
    const [, accepting] = calls.find(([w]) => w === 'stopAccepting') as [string, number];
    const [, stopping] = calls.find(([w]) => w === 'stop') as [string, number];
    expect(stopping - accepting).toBeLessThan(1_000);
  });

  it('signal > a second signal during the drain is ignored: the role stops once', async () => {
    const { role, calls } = fakeRole({ stopMs: 200 });
    raise(10);
    raise(60);
    expect(await supervise(role, { log, deadlineMs: 5_000, drainDelayMs: 0, signals: [SIGNAL] })).toBe(EXIT.drained);
    expect(calls.filter(([w]) => w === 'stop')).toHaveLength(1);
  });

  it('deadline > a drain that outlasts the deadline exits 3 without waiting for it', async () => {
    const { role } = fakeRole({ stopMs: 10_000 });
    raise();
    const started = Date.now();
    expect(await supervise(role, { log, deadlineMs: 1_000, drainDelayMs: 0, signals: [SIGNAL] })).toBe(EXIT.deadline);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a part dies > the role is stopped and the exit code says restart me (1)', async () => {
    const { role, calls, die } = fakeRole({ gateway: true });
    setTimeout(() => die(new Error('worker run() rejected')), 10);
    let after = false;
    expect(await supervise(role, { log, deadlineMs: 5_000, drainDelayMs: 2_000, signals: [SIGNAL], afterStop: async () => void (after = true) })).toBe(EXIT.failed);
    // No drain delay for a role that is already broken.
    expect(calls.map(([w]) => w)).toEqual(['stop', 'stopped']);
    expect(after).toBe(true);
  });

  it('leaves no signal handler behind once it returns', async () => {
    const before = process.listenerCount(SIGNAL);
    const { role } = fakeRole();
    raise();
    await supervise(role, { log, deadlineMs: 5_000, drainDelayMs: 0, signals: [SIGNAL] });
    expect(process.listenerCount(SIGNAL)).toBe(before);
  });
});
