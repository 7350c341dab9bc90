import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../errors';
import type { IngestDeps } from '../ingest';
import { replayTtlSeconds, type ReplayGuard } from '../replay-guard';
import type { SignatureFailure } from '../../../sources/canonical/standard-webhooks';

/** What every ingest route gets from the gateway: the ingest path and the replay memory. */
export interface RouteDeps extends IngestDeps {
  replays: ReplayGuard;
}

export interface AdmitRequest {
  /** The route as labelled in metrics and the archive: configured values only (`/webhooks/bamboohr/acme`). */
  route: string;
  /** The signature check's verdict; undefined when the delivery is authentic and fresh. */
  failure: SignatureFailure | undefined;
  /** The delivery's replay key ({@link deliveryKey}); only computed for an authentic delivery. */
  replayKey: () => string;
  /** The signature window of the route, in seconds either way. */
  toleranceSec: number;
}

/**
 * The checks every signed route makes before any work: 401 for a delivery that is not authentic or
 * not fresh (counted by code only), then the replay memory. True when the request was answered
 * here (the route returns `reply`), false when the route goes on.
 */
export async function admitSigned(req: FastifyRequest, reply: FastifyReply, deps: RouteDeps, a: AdmitRequest): Promise<boolean> {
  if (a.failure) {
    deps.metrics.inc('jml_gateway_rejected_total', { code: a.failure });
    // Not returned: a reply is thenable, and resolving this promise with it would wait for the response.
    void sendError(reply, a.failure);
    return true;
  }
  return deps.replays.admit(req, reply, { route: a.route, key: a.replayKey(), ttlSeconds: replayTtlSeconds(a.toleranceSec) });
}
