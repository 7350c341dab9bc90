import type { Logger } from 'pino';
import type { RunningRole } from './table';

/**
 * Exit codes of a role process, for the orchestrator that restarts it. Documented in README,
 * "Running in production".
 */
export const EXIT = Object.freeze({
  /** Stopped on SIGTERM/SIGINT after draining. */
  drained: 0,
  /** A part died (or could not start, or failed to stop): restart it. */
  failed: 1,
  /** The configuration is invalid or incomplete, or the role is unknown: a restart cannot help. */
  config: 2,
  /** The drain did not finish within JML_SHUTDOWN_DEADLINE_MS. */
  deadline: 3,
});

export interface SuperviseOptions {
  log: Logger;
  /** The whole drain, from the signal, must fit in this (JML_SHUTDOWN_DEADLINE_MS). */
  deadlineMs: number;
  /** How long /readyz answers 503 before a role with a gateway stops accepting (JML_GATEWAY_DRAIN_DELAY_MS). */
  drainDelayMs: number;
  signals?: readonly NodeJS.Signals[];
  /** Runs after the role stopped, whatever the outcome (the development launcher stops its stack here). */
  afterStop?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until a signal asks the role to stop or one of its parts dies, stops it within the
 * deadline, and returns the exit code. Later signals are ignored: Ctrl-C reaches a process more than
 * once (the terminal signals the whole group, npm and tsx forward it), and a second one must not cut
 * the drain short.
 */
export async function supervise(role: RunningRole, opts: SuperviseOptions): Promise<number> {
  const { log } = opts;
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  let received: NodeJS.Signals | undefined;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    for (const s of signals) {
      const handler = () => {
        if (received) log.warn({ signal: s }, 'already stopping; signal ignored');
        else resolve((received = s));
      };
      handlers.set(s, handler);
      process.on(s, handler);
    }
  });
  const first = await Promise.race([signalled.then((signal) => ({ signal }) as const), role.failed.then((err) => ({ err }) as const)]);

  const drain = async (): Promise<void> => {
    // /readyz already answers 503 (below); the listener stays open while load balancers notice.
    if ('signal' in first && role.gatewayUrl !== undefined && opts.drainDelayMs > 0) await sleep(opts.drainDelayMs);
    await role.stop();
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), opts.deadlineMs)));
  let code: number;
  if ('signal' in first) {
    log.info({ signal: first.signal, deadlineMs: opts.deadlineMs }, 'stopping: draining');
    role.stopAccepting();
  } else {
    log.fatal({ err: first.err }, 'a part of this role died; stopping');
  }
  try {
    const outcome = await Promise.race([drain().then(() => 'stopped' as const), deadline]);
    if (outcome === 'deadline') {
      log.error({ deadlineMs: opts.deadlineMs }, 'the drain did not finish within JML_SHUTDOWN_DEADLINE_MS');
      code = EXIT.deadline;
    } else {
      code = 'signal' in first ? EXIT.drained : EXIT.failed;
      if ('signal' in first) log.info('stopped');
    }
  } catch (err) {
    log.error({ err }, 'error while stopping');
    code = EXIT.failed;
  } finally {
    clearTimeout(timer);
  }
  await opts.afterStop?.().catch((err: unknown) => log.warn({ err }, 'error after stopping'));
  for (const [s, handler] of handlers) process.off(s, handler);
  return code;
}
