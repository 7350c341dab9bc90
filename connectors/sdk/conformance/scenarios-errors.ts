import { expect } from 'vitest';
import { CONNECTOR_ERROR_CODES, isConnectorError, type ConnectorError } from '../errors';
import type { FaultHooks, ScenarioId } from './target';
import type { Scenario, ScenarioEnv } from './scenario';

/**
 * Error mapping: with the app answering one failure, the operation rejects with the SDK error the
 * activity wrapper turns into the right Temporal failure (code, retryable, retry delay); the next
 * call, with the app healthy again, succeeds (no poisoned cache, no stuck state).
 */
export const errorScenarios: readonly Scenario[] = [
  {
    id: 'error-rate-limited',
    title: 'errors > 429 with Retry-After (seconds or HTTP-date) is rate-limited with retryAfterMs',
    requires: ['account.create'],
    async run(env) {
      const seconds = await failWith(env, 'error-rate-limited', 'rateLimited', { retryAfter: '2' });
      expect(seconds).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterMs: 2_000 });
      // An HTTP-date has whole seconds: pick one 30 s ahead; the delay is what is left of it when the answer came.
      const armedAt = Date.now();
      const at = Math.ceil(armedAt / 1000) * 1000 + 30_000;
      const dated = await failWith(env, 'error-rate-limited', 'rateLimited', { retryAfter: new Date(at).toUTCString() });
      expect(dated).toMatchObject({ code: 'rate-limited', retryable: true });
      expect(dated.retryAfterMs).toBeGreaterThanOrEqual(at - Date.now() - 1_000);
      expect(dated.retryAfterMs).toBeLessThanOrEqual(at - armedAt);
    },
  },
  {
    id: 'error-unavailable',
    title: 'errors > 503 is transient and retryable',
    requires: ['account.create'],
    async run(env) {
      expect(await failWith(env, 'error-unavailable', 'unavailable')).toMatchObject({ code: 'transient', retryable: true });
    },
  },
  {
    id: 'error-unauthorized',
    title: 'errors > 401 is auth and not retryable',
    requires: ['account.create'],
    async run(env) {
      expect(await failWith(env, 'error-unauthorized', 'unauthorized')).toMatchObject({ code: 'auth', retryable: false });
    },
  },
  {
    id: 'error-bad-request',
    title: 'errors > 400 is invalid-request and not retryable',
    requires: ['account.create'],
    async run(env) {
      expect(await failWith(env, 'error-bad-request', 'badRequest')).toMatchObject({ code: 'invalid-request', retryable: false });
    },
  },
];

type HookName = Exclude<keyof FaultHooks, 'stall'>;

/** Arms one fault, runs a joiner, returns its ConnectorError, then proves the connector recovers. */
async function failWith(env: ScenarioEnv, id: ScenarioId, hook: HookName, arg?: { retryAfter: string }): Promise<ConnectorError> {
  const { h, act } = env;
  const arm = h.target.faults?.[hook] as ((a?: { retryAfter: string }) => Promise<void> | void) | undefined;
  if (!arm) throw new Error(`target '${h.target.name}' has no faults.${hook}() hook; provide it or skip '${id}' with a reason`);
  const p = h.newPerson();
  await arm(arg);
  const err = await act.create(p).then(
    (result) => new Error(`expected a rejection, got ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  if (!isConnectorError(err)) throw new Error(`expected a ConnectorError, got: ${String(err)}`, { cause: err });
  expect(Object.keys(CONNECTOR_ERROR_CODES)).toContain(err.code);
  const again = await act.create(p);
  expect(['applied', 'already-in-state']).toContain(again.outcome);
  return err;
}
