import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { backlogGate } from './backlog-gate';

const log = pino({ level: 'silent' });

/** A backlog the test sets, and a clock the test moves; `reads` counts server round trips. */
function fixture(initial: number | Error) {
  const state = { backlog: initial as number | Error, reads: 0, t: 0 };
  const read = async () => {
    state.reads += 1;
    if (state.backlog instanceof Error) throw state.backlog;
    return state.backlog;
  };
  return { state, read, now: () => state.t };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 30));
  return done;
};

describe('backlog gate', () => {
  it('lets events through at once while the backlog is under the bound', async () => {
    const f = fixture(3);
    const gate = backlogGate({ read: f.read, maxBacklog: 10, log, now: f.now });
    await gate.wait();
    expect(f.state.reads).toBe(1);
  });

  it('holds at the bound and lets go once the server reports the backlog drained', async () => {
    const f = fixture(10);
    const gate = backlogGate({ read: f.read, maxBacklog: 10, pollMs: 5, log, now: () => Date.now() });
    const waiting = gate.wait();
    expect(await settled(waiting)).toBe(false);
    f.state.backlog = 9;
    await waiting;
    expect(f.state.reads).toBeGreaterThan(1);
  });

  it('tells how long a wait that paused lasted, and nothing for one that passed at once', async () => {
    const f = fixture(10);
    const waits: number[] = [];
    const gate = backlogGate({ read: f.read, maxBacklog: 10, pollMs: 5, log, now: () => Date.now(), onWaited: (s) => waits.push(s) });
    const waiting = gate.wait();
    await new Promise((r) => setTimeout(r, 50));
    f.state.backlog = 0;
    await waiting;
    await gate.wait();
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(0.04);
  });

  it('counts recent handoffs until a reading can include them, so the server lag cannot be overrun', async () => {
    const f = fixture(0);
    const gate = backlogGate({ read: f.read, maxBacklog: 3, pollMs: 0, staleMs: 1_000, log, now: f.now });
    for (let i = 0; i < 3; i++) {
      await gate.wait();
      gate.handedOff();
    }
    // The server still says 0, but three events went out within the last second.
    const fourth = gate.wait();
    expect(await settled(fourth)).toBe(false);
    f.state.t += 1_001; // they are old enough to be in the server's figure (which says 0)
    await fourth;
  });

  it('opens when the backlog cannot be read: dispatching never stops for a missing statistic', async () => {
    const f = fixture(new Error('UNIMPLEMENTED'));
    const gate = backlogGate({ read: f.read, maxBacklog: 1, log, now: f.now });
    await gate.wait();
    gate.handedOff();
    await gate.wait();
    expect(f.state.reads).toBeGreaterThan(0);
  });

  it('heartbeats while it waits, and lets waiting partitions go when closed', async () => {
    const f = fixture(50);
    const gate = backlogGate({ read: f.read, maxBacklog: 10, pollMs: 5, heartbeatMs: 10, log, now: () => Date.now() });
    let beats = 0;
    const waiting = gate.wait(async () => void (beats += 1));
    await new Promise((r) => setTimeout(r, 60));
    expect(beats).toBeGreaterThan(0);
    gate.close();
    await waiting;
  });

  it('shares one reading between partitions that ask at the same moment', async () => {
    const f = fixture(0);
    const gate = backlogGate({ read: f.read, maxBacklog: 100, pollMs: 1_000, log, now: f.now });
    await Promise.all(Array.from({ length: 6 }, () => gate.wait()));
    expect(f.state.reads).toBe(1);
  });
});
