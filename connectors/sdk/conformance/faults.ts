import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** Which requests a fault waits for: all given fields must match. */
export interface RequestMatcher {
  /** HTTP method, e.g. `POST`. */
  method?: string;
  /** Tested against the path below the app's base URL, with the query: `/^\/Users\/[^?]/` is one user. */
  url?: RegExp;
}

/**
 * One misbehaviour for the next request a test server receives, or with `when`, for the next
 * request that matches (earlier requests pass untouched), so that a fault can hit the middle of an
 * operation: the POST after the lookups, the PATCH after the read.
 */
export type InjectedFault = (
  /** Answer at once with this status, without asking the app. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Never answer (until the plan is cleared or the server stops). */
  | { kind: 'stall' }
  /** Forward a rewritten request, so that the real app produces the failure (e.g. a wrong token). */
  | { kind: 'rewrite'; rewrite(req: ForwardedRequest): ForwardedRequest }
  /**
   * Forward the request, let the app act on it, then answer with this status instead of the app's
   * answer: a write that happened although the client saw a failure (a gateway timing out after
   * the app committed). Only the fault proxy, which has an app behind it, supports this kind.
   */
  | { kind: 'lose-answer'; status: number; headers?: Record<string, string> }
) & { when?: RequestMatcher };

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

  /**
   * The fault for the request being handled, if one is armed: the first pending fault without
   * `when`, or whose `when` matches `request`. Without `request`, faults with `when` never apply.
   */
  take(request?: { method: string; url: string }): InjectedFault | undefined {
    const index = this.pending.findIndex((f) => f.when === undefined || (request !== undefined && matches(f.when, request)));
    return index < 0 ? undefined : this.pending.splice(index, 1)[0];
  }

  /** Faults armed and not yet taken. */
  get armed(): number {
    return this.pending.length;
  }

  /**
   * Applies a `respond` or `stall` fault to a response; returns false for `rewrite` and
   * `lose-answer` (the caller forwards the request) so that every server handles the two simple
   * kinds alike.
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

function matches(when: RequestMatcher, request: { method: string; url: string }): boolean {
  return (when.method === undefined || when.method.toUpperCase() === request.method.toUpperCase()) && (when.url === undefined || when.url.test(request.url));
}
