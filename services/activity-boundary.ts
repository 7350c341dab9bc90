import { ApplicationFailure, Context } from '@temporalio/activity';
import { TemporalFailure } from '@temporalio/common';
import { isCodedError, type CodedError } from '../schemas/coded-error';

/**
 * The one boundary between activity code and Temporal, used by the worker's and the pollers'
 * activities: heartbeats while the work runs, and thrown errors turned into the failures the
 * workflows branch on.
 *
 * | thrown                                   | failure                                                     |
 * | ---------------------------------------- | ----------------------------------------------------------- |
 * | a coded error (`schemas/coded-error.ts`) | `ApplicationFailure` typed by its `code`; `nonRetryable` = `!retryable`; `nextRetryDelay` = its `retryAfterMs`; `details` = `[context]`; the error as `cause` |
 * | a Temporal failure (an `ApplicationFailure` built on purpose, `CancelledFailure` on cancellation) | unchanged |
 * | any other `Error`                        | unchanged: the SDK makes it a retryable failure typed by its class name, with its message |
 * | anything else (a string, an object)      | a retryable `ApplicationFailure` of type `non-error-thrown` whose message names only the value's kind, never its content |
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof TemporalFailure) return err;
  if (isCodedError(err)) return failureOf(err);
  if (err instanceof Error) return err;
  return ApplicationFailure.create({ type: 'non-error-thrown', message: `the activity threw a ${err === null ? 'null' : typeof err}, not an Error`, nonRetryable: false });
}

function failureOf(err: CodedError): ApplicationFailure {
  return ApplicationFailure.create({
    type: err.code,
    message: err.message,
    nonRetryable: !err.retryable,
    ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    details: [err.context],
    cause: err,
  });
}

/** Options of {@link activityBoundary}. */
export interface ActivityBoundaryOptions {
  /** Heartbeat this often while the work runs, so a slow call is not mistaken for a lost worker. */
  heartbeatEveryMs: number;
  /**
   * Sees a coded error before it becomes a failure (to log or audit it); its own failure is not
   * caught. Other errors do not reach it.
   */
  onCodedError?: (err: CodedError) => Promise<void> | void;
}

/**
 * Runs `work` in the current activity (`Context.current()`): heartbeats every `heartbeatEveryMs`
 * and whenever `work` calls the `heartbeat` it is given (with progress details), stops
 * heartbeating when `work` settles, and rethrows what `work` throws through
 * {@link toActivityFailure}.
 */
export async function activityBoundary<T>(opts: ActivityBoundaryOptions, work: (heartbeat: (details?: unknown) => void) => Promise<T>): Promise<T> {
  const activity = Context.current();
  const heartbeat = (details?: unknown) => activity.heartbeat(details);
  const timer = setInterval(() => heartbeat(), opts.heartbeatEveryMs);
  try {
    return await work(heartbeat);
  } catch (err) {
    if (opts.onCodedError && isCodedError(err)) await opts.onCodedError(err);
    throw toActivityFailure(err);
  } finally {
    clearInterval(timer);
  }
}
