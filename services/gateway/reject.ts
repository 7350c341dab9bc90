import { writeDeadLetter } from '../kafka/dead-letter';
import type { GatewayErrorCode } from './errors';
import type { IngestDeps } from './ingest';

export interface Rejection {
  route: string;
  body: Buffer;
  deliveryId?: string;
  code: GatewayErrorCode;
  reason: string;
  /** The request headers the source's verification read, so the dead letter can be verified again (services/dlq/). */
  deliveryHeaders?: Readonly<Record<string, string>>;
  contentType?: string;
  /** When the delivery arrived (the time its signature was checked at); now when absent. */
  receivedAtMs?: number;
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
      ...(input.deliveryHeaders ? { deliveryHeaders: input.deliveryHeaders } : {}),
      ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
      at: input.receivedAtMs ?? deps.now(),
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
