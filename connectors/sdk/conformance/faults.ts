import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** One misbehaviour for the next request a test server receives. */
export type InjectedFault =
  /** Answer at once with this status, without asking the app. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Never answer (until the plan is cleared or the server stops). */
  | { kind: 'stall' }
  /** Forward a rewritten request, so that the real app produces the failure (e.g. a wrong token). */
  | { kind: 'rewrite'; rewrite(req: ForwardedRequest): ForwardedRequest };

export interface ForwardedRequest {
  method: string;
  /** Path and query, as in the request line. */
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A queue of faults shared by the test servers (the fake SCIM server, the fault proxy): each fault
 * applies to exactly one request, in order. `clear()` drops pending faults and ends stalled
 * requests, so that a target's `reset()` leaves nothing armed.
 */
export class FaultPlan {
  private readonly pending: InjectedFault[] = [];
  private readonly stalled = new Set<ServerResponse>();

  /** Arms a fault for the next request. */
  next(fault: InjectedFault): void {
    this.pending.push(fault);
  }

  /** Arms an answer of `status` with a small JSON error body (the kit's 429/503/401/400 hooks). */
  respond(status: number, headers: Record<string, string> = {}, body: unknown = { status: String(status), detail: 'injected fault' }): void {
    this.next({ kind: 'respond', status, headers, body });
  }

  /** The fault for the request being handled, if one is armed. */
  take(): InjectedFault | undefined {
    return this.pending.shift();
  }

  /**
   * Applies a `respond` or `stall` fault to a response; returns false for `rewrite` (the caller
   * forwards the rewritten request) so that every server handles the two simple kinds alike.
   */
  apply(fault: InjectedFault, res: ServerResponse): boolean {
    if (fault.kind === 'respond') {
      const body = fault.body === undefined ? '' : JSON.stringify(fault.body);
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(body);
      return true;
    }
    if (fault.kind === 'stall') {
      this.stalled.add(res);
      res.once('close', () => this.stalled.delete(res));
      return true;
    }
    return false;
  }

  clear(): void {
    this.pending.length = 0;
    for (const res of this.stalled) res.destroy();
    this.stalled.clear();
  }
}
