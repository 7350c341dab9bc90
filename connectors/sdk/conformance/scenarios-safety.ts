import { expect } from 'vitest';
import { expectNoAccount, type Scenario } from './scenario';

/** How long "promptly" is: well under any activity's heartbeat timeout. */
const PROMPT_MS = 2_000;

/**
 * Cancellation and secrecy. A cancelled activity must stop touching the app and reject with the
 * signal's reason (Temporal's CancelledFailure in the worker), not report a failure of its own.
 * Secrets must appear in no log line and no error, whatever path the connector took.
 */
export const safetyScenarios: readonly Scenario[] = [
  {
    id: 'cancel-before-start',
    title: 'cancellation > an already-aborted signal rejects promptly and changes nothing (the next create creates)',
    requires: ['account.create', 'account.read'],
    async run({ h, act }) {
      const p = h.newPerson();
      const controller = new AbortController();
      const reason = new Error('cancelled by the conformance kit');
      controller.abort(reason);
      const started = Date.now();
      const err = await act.create(p, { signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      expectCancellation(err, reason);
      await expectNoAccount(h, act, p);
      expect((await act.create(p)).outcome, 'the cancelled create left nothing behind').toBe('applied');
    },
  },
  {
    id: 'cancel-in-flight',
    title: 'cancellation > aborting while the app is slow rejects promptly',
    requires: ['account.create'],
    async run({ h, act }) {
      const stall = h.target.faults?.stall;
      if (!stall) throw new Error(`target '${h.target.name}' has no faults.stall() hook; provide it or skip 'cancel-in-flight' with a reason`);
      await stall();
      const controller = new AbortController();
      const reason = new Error('cancelled by the conformance kit');
      const pending = act.create(h.newPerson(), { signal: controller.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const abortedAt = Date.now();
      controller.abort(reason);
      const err = await pending;
      expect(Date.now() - abortedAt).toBeLessThan(PROMPT_MS);
      expectCancellation(err, reason);
    },
  },
  {
    id: 'secrets-never-logged',
    title: 'secrets > no secret value appears in any log line or error of the whole run',
    requires: [],
    async run({ h, act }) {
      // Exercise every declared operation once more, including an auth failure where the target can
      // inject one, so that this check also covers paths earlier scenarios skipped.
      const caps = new Set<string>(h.connector.capabilities);
      const p = h.newPerson();
      const attempt = (fn: () => Promise<unknown>) => fn().catch(() => undefined);
      if (caps.has('account.create')) await attempt(() => act.create(p));
      if (caps.has('account.update')) await attempt(() => act.update(p, h.attributesFor({ person: p.person, variant: 'mover' })));
      if (caps.has('access.grant') && h.target.entitlement) await attempt(() => act.grant(p, h.target.entitlement as string));
      if (caps.has('access.revoke') && h.target.entitlement) await attempt(() => act.revoke(p, h.target.entitlement as string));
      if (caps.has('account.suspend')) await attempt(() => act.suspend(p));
      if (caps.has('account.restore')) await attempt(() => act.restore(p));
      if (caps.has('account.read')) await attempt(() => act.read(p));
      if (caps.has('account.delete')) await attempt(() => act.remove(p));
      if (h.target.faults?.unauthorized && caps.has('account.create')) {
        await h.target.faults.unauthorized();
        await attempt(() => act.create(h.newPerson()));
      }

      const haystacks = [h.logs.text(), ...h.thrown.map(describeError)];
      for (const [name, value] of Object.entries(h.secrets)) {
        for (const form of secretForms(value)) {
          const leaks = haystacks.filter((text) => text.includes(form)).length;
          expect(leaks, `secret '${name}' appears in ${leaks} log capture(s) or error(s)`).toBe(0);
        }
      }
    },
  },
];

function expectCancellation(err: unknown, reason: Error): void {
  expect(err, 'the operation must reject').toBeDefined();
  const isReason = err === reason || (err instanceof Error && err.name === 'AbortError');
  expect(isReason, `rejects with the signal's reason (or an AbortError), got: ${String(err)}`).toBe(true);
}

/** The value itself, and the encodings an HTTP client would put on the wire (Basic auth). */
function secretForms(value: string): string[] {
  return [value, Buffer.from(value, 'utf8').toString('base64')];
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { message, stack } = err;
  const context = (err as { context?: unknown }).context;
  const cause = err.cause instanceof Error ? `${err.cause.message} ${err.cause.stack ?? ''}` : String(err.cause ?? '');
  return JSON.stringify({ message, stack, context, cause });
}
