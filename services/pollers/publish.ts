import type { JmlEvent } from '../../schemas/jml-event.v1';
import { ingest, oversizedEvents, oversizeReason, type IngestDeps } from '../gateway/ingest';
import { recordRejection } from '../gateway/reject';
import type { PollPublisher, PublishRequest, PublishResult } from '../../sources/sdk/poll';
import { PollerError } from '../../sources/sdk/poll-error';

/** Events per produce: keeps each request well under Kafka's default message size limits. */
const CHUNK = 200;

/**
 * The publish port of the poll ports (`PollPublisher` in sources/sdk/poll.ts): exactly the
 * gateway's path ({@link ingest}), so poll events get the same topic, key (`subject`), headers
 * (`jml-event-id`, `jml-event-type`, `jml-schema-version`), edge dedupe by id and a record in
 * `hr.webhooks.raw.v1` (here: what the poll observed, under the route `/pollers/<source>/<tenant>`).
 * Throws {@link PollerError} `kafka-unavailable` when Kafka does not acknowledge.
 */
export function ingestPublisher(deps: IngestDeps): PollPublisher {
  /**
   * The gateway's size cap (`deps.maxEventBytes`, GATEWAY_MAX_EVENT_BYTES) for a poll: events over
   * it are dead-lettered as `event-too-large` with the poll's observation (one record per publish,
   * naming each event and its size), and the poll goes on with the others. A webhook refuses the
   * whole delivery instead, which its sender sees; a poll has no sender to tell, and failing it
   * would only repeat the same refusal at every retry.
   */
  async function withoutOversized(req: PublishRequest): Promise<readonly JmlEvent[]> {
    if (deps.maxEventBytes === undefined) return req.events;
    const oversized = oversizedEvents(req.events, deps.maxEventBytes);
    if (oversized.length === 0) return req.events;
    const reason = oversizeReason(oversized, deps.maxEventBytes);
    const ok = await recordRejection(deps, { route: req.route, body: Buffer.from(JSON.stringify(req.observation)), code: 'event-too-large', reason });
    if (!ok) throw new PollerError({ code: 'kafka-unavailable', message: 'Kafka did not acknowledge a poll rejection', context: { route: req.route } });
    deps.log.warn({ route: req.route, events: oversized }, 'poll events over the size cap dead-lettered');
    const dropped = new Set(oversized.map((o) => o.id));
    return req.events.filter((e) => !dropped.has(e.id));
  }

  return {
    async publish(req) {
      const result: PublishResult = { accepted: [], duplicates: [] };
      const events = await withoutOversized(req);
      for (let i = 0; i < events.length; i += CHUNK) {
        const chunk = events.slice(i, i + CHUNK);
        const body = Buffer.from(JSON.stringify(req.observation));
        const r = await ingest(deps, { route: req.route, body, contentType: 'application/json' }, chunk);
        if (r.status === 'kafka-unavailable') {
          throw new PollerError({ code: 'kafka-unavailable', message: 'Kafka did not acknowledge the poll events', context: { route: req.route, events: chunk.length } });
        }
        result.accepted.push(...r.accepted);
        result.duplicates.push(...r.duplicates);
      }
      return result;
    },
    async reject(req) {
      const ok = await recordRejection(deps, { route: req.route, body: Buffer.from(JSON.stringify(req.observation)), code: 'invalid-payload', reason: req.reason });
      if (!ok) throw new PollerError({ code: 'kafka-unavailable', message: 'Kafka did not acknowledge a poll rejection', context: { route: req.route } });
    },
  };
}
