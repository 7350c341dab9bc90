import type { FastifyReply } from 'fastify';

/**
 * Every error the gateway answers, by code. HR systems retry 5xx and never 4xx, so a code is 5xx
 * only when the failure is transient on our side.
 */
export const GATEWAY_ERRORS = {
  'signature-missing': { status: 401, message: 'webhook-id, webhook-timestamp and webhook-signature headers are required' },
  'timestamp-invalid': { status: 401, message: 'webhook-timestamp must be epoch seconds' },
  'timestamp-out-of-window': { status: 401, message: 'webhook-timestamp is outside the accepted window' },
  'signature-invalid': { status: 401, message: 'no signature matches the body' },
  'out-of-scope': { status: 403, message: 'the key that signed this delivery may not send events for its source or subject' },
  'invalid-json': { status: 400, message: 'body is not valid JSON' },
  'invalid-event': { status: 400, message: 'body is not a valid JmlEvent v1' },
  'invalid-payload': { status: 400, message: 'body is not a payload this source sends' },
  'body-too-large': { status: 413, message: 'body exceeds the size limit' },
  'event-too-large': { status: 413, message: 'an event of the body exceeds the size limit' },
  'unsupported-media-type': { status: 415, message: 'content-type must be application/json' },
  'not-found': { status: 404, message: 'no such route' },
  'kafka-unavailable': { status: 503, message: 'the event log is unavailable; retry later' },
  overloaded: { status: 503, message: 'the gateway holds as many pending writes as it may; retry later' },
  'hr-api-unavailable': { status: 503, message: "the HR system's API did not answer while completing the event; retry later" },
  internal: { status: 500, message: 'unexpected error; retry later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export interface ErrorBody {
  error: { code: GatewayErrorCode; message: string; details?: unknown };
}

export function sendError(reply: FastifyReply, code: GatewayErrorCode, details?: unknown, message?: string): FastifyReply {
  const def = GATEWAY_ERRORS[code];
  if (def.status === 503) reply.header('retry-after', '5');
  const body: ErrorBody = { error: { code, message: message ?? def.message, ...(details === undefined ? {} : { details }) } };
  return reply.code(def.status).send(body);
}

/**
 * Thrown by code below a route (ingest) to answer with a gateway error the route does not handle
 * itself; the gateway's error handler sends it. Whatever the code requires (a DLQ record for 4xx)
 * is done before it is thrown.
 */
export class GatewayRefusal extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    readonly details?: unknown,
  ) {
    super(GATEWAY_ERRORS[code].message);
    this.name = 'GatewayRefusal';
  }
}
