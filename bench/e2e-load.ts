import type { JmlEvent } from '../schemas/jml-event.v1';
import type { SecurityAction } from '../schemas/security-action.v1';
import { signStandardWebhook } from '../sources/canonical/standard-webhooks';
import { makeEvent } from '../test/support/events';
import { createPoster } from './support/http-post';

/**
 * How bench/e2e.ts talks to the gateway: canonical JML events signed Standard-Webhooks style, posted
 * over keep-alive HTTP. Each sender has its own connection pool, so that a leaver never waits for a
 * socket behind a burst of joiners in the load generator itself.
 */
export interface EventSender {
  /** Posts one event (or security action); resolves with the epoch ms of the 202. Retries a 503 (Kafka did not acknowledge) a few times. */
  send(event: JmlEvent | SecurityAction): Promise<number>;
  close(): void;
}

export function eventSender(opts: { url: string; secret: string; sockets: number; run: string; label: string }): EventSender {
  const poster = createPoster(opts.url, opts.sockets);
  let seq = 0;
  return {
    async send(event) {
      const body = JSON.stringify(event);
      const id = `bench-e2e-${opts.run}-${opts.label}-${seq++}`;
      for (let attempt = 1; ; attempt++) {
        const ts = Math.floor(Date.now() / 1000);
        const res = await poster.post(
          '/v1/events',
          { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(opts.secret, id, ts, body) },
          body,
        );
        if (res.status === 202) return Date.now();
        if (res.status !== 503 || attempt >= 5) throw new Error(`gateway answered ${res.status}: ${res.body.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    },
    close: () => poster.close(),
  };
}

/** A hire effective at once (entered an hour ago). */
export const joinerEvent = (personKey: string, enteredAtMs: number): JmlEvent =>
  makeEvent({ personKey, type: 'jml.joiner', enteredAt: new Date(enteredAtMs).toISOString() });

/** A departure entered and effective a second ago: applied at once, after the person's hire. */
export const leaverEvent = (personKey: string): JmlEvent =>
  makeEvent({ personKey, type: 'jml.leaver', enteredAt: new Date(Date.now() - 1_000).toISOString(), changedFields: ['status', 'terminationDate'] });

/** Runs `op(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function inPool(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
}
