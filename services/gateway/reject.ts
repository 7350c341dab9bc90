import type { FastifyReply } from 'fastify';
import { writeDeadLetter } from '../kafka/dead-letter';
import { sendError, type GatewayErrorCode } from './errors';
import type { IngestDeps } from './ingest';

export interface Rejection {
  route: string;
  body: Buffer;
  deliveryId?: string;
  code: GatewayErrorCode;
  reason: string;
}

/** Writes rejected input and its reason to the dead-letter topic (../kafka/dead-letter.ts); false when Kafka did not acknowledge. */
export async function recordRejection(deps: IngestDeps, input: Rejection): Promise<boolean> {
  try {
    await writeDeadLetter(deps.producer, {
      key: input.deliveryId ?? null,
      value: input.body,
      code: input.code,
      reason: input.reason,
      route: input.route,
      at: deps.now(),
    });
  } catch (err) {
    deps.metrics.inc('jml_gateway_kafka_unavailable_total');
    deps.log.warn({ err: (err as Error).message }, 'dead-letter produce failed');
    return false;
  }
  deps.metrics.inc('jml_gateway_rejected_total', { code: input.code });
  deps.log.info({ code: input.code, route: input.route, deliveryId: input.deliveryId }, 'rejected input recorded in DLQ');
  return true;
}

/**
 * Answers 4xx for bad input, but only once the body and the reason are durable in the dead-letter
 * topic; if that produce fails the answer is 503, so the sender retries and nothing is lost.
 */
export async function rejectToDlq(deps: IngestDeps, reply: FastifyReply, input: Rejection & { details?: unknown }): Promise<FastifyReply> {
  if (!(await recordRejection(deps, input))) return sendError(reply, 'kafka-unavailable');
  return sendError(reply, input.code, input.details);
}
