import type { StackEndpoints } from '../../infra/stack/stack';

/**
 * Fault drills (`npm run drill -- <name>|all`): each drill injects faults into the real local stack
 * while the pipeline works, then checks the invariants every drill shares (see invariants.ts) and
 * reports what it measured as one row of the table the runner prints.
 */

/** One checked property of the final state; a drill fails when any is not ok. */
export interface Invariant {
  name: string;
  ok: boolean;
  /** What was seen when not ok (ids and counts, never personal values). */
  detail?: string;
}

export interface DrillReport {
  drill: string;
  /** The faults injected, in order, as a reader would say them ("kill -9 worker at 41 % of the fan-out"). */
  faults: string[];
  /** Distinct events answered 2xx by the gateway (each must reach a terminal outcome). */
  events: number;
  /** Effects the apps should show (one per event and app that changes something). */
  effectsExpected: number;
  /** Of those, the ones seen at the apps. */
  effectsSeen: number;
  /** Events answered 2xx that reached no terminal outcome, or whose expected effect never showed. */
  lost: number;
  /** Effects seen more than once (the same change applied twice, an account created twice). */
  duplicated: number;
  /** From the first fault to the moment every invariant held; null when it never converged. */
  convergeMs: number | null;
  invariants: Invariant[];
  /** Figures particular to the drill (requests refused with 5xx, retries honoured, guard holds, …). */
  measured: Record<string, number | string>;
  notes: string[];
}

/**
 * What a drill runs against: the stack's endpoints, the built production entry, and control of the
 * stack's own servers (the runner's private instance; absent when a test reuses a shared stack,
 * where a drill that must stop a server cannot run).
 */
export interface DrillContext {
  endpoints: StackEndpoints;
  entry: string;
  servers?: {
    /** Stops one service of the drill stack (SIGTERM, then SIGKILL after the grace period when `hard` is false; SIGKILL at once when true). */
    stop(name: 'kafka' | 'temporal' | 'redis', opts?: { hard?: boolean }): Promise<void>;
    /** Starts the stopped services again with the same ports and data; resolves when they answer. */
    start(): Promise<void>;
    /** The pids of the running services (for RSS sampling). */
    pids(): Promise<Record<string, number | undefined>>;
  };
}

export interface DrillOptions {
  /** CI mode: fewer events, shorter outages, fewer fuzz cases; same invariants. */
  short: boolean;
  say: (line: string) => void;
}

export function passed(report: DrillReport): boolean {
  return report.invariants.every((i) => i.ok) && report.lost === 0 && report.duplicated === 0 && report.convergeMs !== null;
}
