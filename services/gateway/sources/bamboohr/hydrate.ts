import type { Logger } from 'pino';
import { z } from 'zod';
import { BambooHrApiError, type BambooHrApiErrorCode } from './errors';
import { HYDRATE_FIELDS, type BambooHrRecord } from './fields';
import { parseRetryAfter } from './retry-after';
import { canonicalInstant, formatInstant, parseInstant } from './time';

/**
 * A small BambooHR REST client for what the adapter needs: current values of one employee
 * (event-based webhooks carry none) and the ids changed since a moment (the reconciliation poll).
 *
 * - `baseUrl` is the API root that `/employees/…` hangs off, ending in `/v1`:
 *   `https://api.bamboohr.com/api/gateway.php/<companyDomain>/v1` ({@link bambooHrApiBase}); the newer
 *   documented form `https://<companyDomain>.bamboohr.com/api/v1` works the same. Tests pass the fake's URL.
 * - Auth: HTTP Basic with the API key as user name and a throwaway password, as BambooHR documents.
 * - `Accept: application/json` on every call: BambooHR answers XML without it.
 * - Each attempt has its own timeout (`AbortSignal.timeout`). Network errors, timeouts and 5xx are
 *   retried with capped exponential backoff (equal jitter); 429 and 503 honour `Retry-After`. A
 *   `Retry-After` longer than `maxRetryAfterMs` is not slept on: the error is thrown (retryable,
 *   with `retryAfterMs`) so a webhook request is not held open for minutes. Other 4xx are final.
 */
export interface BambooHrClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Fields requested by {@link BambooHrClient.getEmployee}; {@link HYDRATE_FIELDS} by default. */
  fields?: readonly string[];
  /** Per attempt, including reading the body. Default 10 s. */
  timeoutMs?: number;
  /** Attempts in total, first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before retry n is `min(maxMs, baseMs * 2^(n-1))`, jittered to 50-100%. Defaults 250 ms / 8 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After waited in-process. Default 30 s. */
  maxRetryAfterMs?: number;
  log?: Logger;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); for jitter. */
  random?: () => number;
  now?: () => number;
}

export interface GetEmployeeRequest {
  employeeId: string;
  /** Overrides the client's field list for this call. */
  fields?: readonly string[];
}

export interface ListChangedRequest {
  /** Changes at or after this instant (ISO-8601 with offset, or a Date). Sent as `YYYY-MM-DDTHH:MM:SSZ`. */
  since: string | Date;
  /** Only this kind of change; all kinds when absent. */
  type?: 'inserted' | 'updated' | 'deleted';
}

export interface ChangedEmployee {
  employeeId: string;
  action: 'inserted' | 'updated' | 'deleted';
  /** Canonical UTC ISO-8601. */
  lastChanged: string;
}

export interface ListChangedResponse {
  /** BambooHR's `latest`: pass it as the next `since` (canonical UTC ISO-8601). */
  latest?: string;
  /** Oldest change first, then by employee id: a stable order for the poller. */
  changes: ChangedEmployee[];
}

export interface BambooHrClient {
  /** Current values of the client's fields. Throws {@link BambooHrApiError} (`not-found` for an unknown id). */
  getEmployee(req: GetEmployeeRequest): Promise<BambooHrRecord>;
  /** `GET /employees/changed?since=`. Throws {@link BambooHrApiError}. */
  listChangedSince(req: ListChangedRequest): Promise<ListChangedResponse>;
}

/** The documented API root for a company subdomain (`acme` of `acme.bamboohr.com`). */
export function bambooHrApiBase(companyDomain: string): string {
  if (!/^[A-Za-z0-9-]{1,63}$/.test(companyDomain)) throw new RangeError(`not a BambooHR company domain: ${companyDomain}`);
  return `https://api.bamboohr.com/api/gateway.php/${companyDomain}/v1`;
}

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const EmployeeBody = z.looseObject({ id: z.union([z.string(), z.number()]) });
const ChangedBody = z.looseObject({
  latest: z.string().optional(),
  // PHP serialises an empty map as [], so "nothing changed" may arrive as a list.
  employees: z.union([
    z.record(z.string(), z.looseObject({ id: z.union([z.string(), z.number()]), action: z.enum(['Inserted', 'Updated', 'Deleted']), lastChanged: z.string() })),
    z.array(z.never()).max(0),
  ]),
});

export function createBambooHrClient(opts: BambooHrClientOptions): BambooHrClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${opts.apiKey}:x`, 'utf8').toString('base64')}`;
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
  const backoffBaseMs = opts.backoffBaseMs ?? 250;
  const backoffMaxMs = opts.backoffMaxMs ?? 8_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;

  /** GET with retries; resolves to the parsed JSON body of a 2xx. */
  async function getJson(path: string, context: Record<string, string>): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      let error: BambooHrApiError;
      try {
        const res = await fetchFn(`${base}${path}`, {
          headers: { authorization, accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.ok) return await readJson(res, context);
        error = await errorFromResponse(res, now(), { ...context, attempt });
      } catch (err) {
        if (err instanceof BambooHrApiError) throw err;
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        error = new BambooHrApiError({
          code: 'transient',
          message: timedOut ? `BambooHR did not answer within ${timeoutMs} ms` : `BambooHR request failed: ${(err as Error).message}`,
          cause: err,
          context: { ...context, attempt },
        });
      }
      if (!error.retryable || attempt >= maxAttempts) throw error;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfterMs) throw error;
      const backoff = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
      const delayMs = error.retryAfterMs ?? Math.round(backoff * (0.5 + random() / 2));
      opts.log?.warn({ ...context, attempt, code: error.code, status: error.status, delayMs }, 'bamboohr request failed; retrying');
      await sleep(delayMs);
    }
  }

  return {
    async getEmployee(req) {
      const fields = req.fields ?? opts.fields ?? HYDRATE_FIELDS;
      const query = new URLSearchParams({ fields: fields.join(','), onlyCurrent: 'false' });
      const context = { operation: 'getEmployee', employeeId: req.employeeId };
      const body = EmployeeBody.safeParse(await getJson(`/employees/${encodeURIComponent(req.employeeId)}?${query}`, context));
      if (!body.success || String(body.data.id) !== req.employeeId) {
        throw invalidResponse(`expected {"id": "${req.employeeId}", …}`, context);
      }
      const record: Record<string, string | null> = {};
      for (const f of fields) {
        const v = Scalar.safeParse(body.data[f]);
        // Fields the key may not see are omitted by BambooHR: leave them unknown, not empty.
        if (v.success) record[f] = v.data === null ? null : String(v.data);
      }
      return record;
    },

    async listChangedSince(req) {
      const sinceMs = req.since instanceof Date ? req.since.getTime() : parseInstant(req.since);
      if (sinceMs === undefined || Number.isNaN(sinceMs)) throw new RangeError(`since must be an ISO-8601 date-time with an offset: ${String(req.since)}`);
      // BambooHR documents second precision only; rounding down can only repeat a change, never skip one.
      const query = new URLSearchParams({ since: formatInstant(Math.floor(sinceMs / 1000) * 1000) });
      if (req.type) query.set('type', req.type);
      const context = { operation: 'listChangedSince' };
      const body = ChangedBody.safeParse(await getJson(`/employees/changed?${query}`, context));
      if (!body.success) throw invalidResponse('expected {"latest", "employees": {<id>: {id, action, lastChanged}}}', context);
      const changes: ChangedEmployee[] = [];
      for (const e of Array.isArray(body.data.employees) ? [] : Object.values(body.data.employees)) {
        const lastChanged = canonicalInstant(e.lastChanged);
        if (lastChanged === undefined) throw invalidResponse(`lastChanged "${e.lastChanged}" is not ISO-8601`, context);
        changes.push({ employeeId: String(e.id), action: e.action.toLowerCase() as ChangedEmployee['action'], lastChanged });
      }
      changes.sort((a, b) => (a.lastChanged === b.lastChanged ? compareIds(a.employeeId, b.employeeId) : a.lastChanged < b.lastChanged ? -1 : 1));
      const latest = body.data.latest === undefined ? undefined : canonicalInstant(body.data.latest);
      return latest === undefined ? { changes } : { latest, changes };
    },
  };
}

async function readJson(res: Response, context: Record<string, string>): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new BambooHrApiError({ code: 'invalid-response', message: 'BambooHR answered with a body that is not JSON', status: res.status, cause, context });
  }
}

async function errorFromResponse(res: Response, nowMs: number, context: Record<string, string | number>): Promise<BambooHrApiError> {
  await res.arrayBuffer().catch(() => undefined); // free the connection
  const detail = res.headers.get('x-bamboohr-error-message')?.slice(0, 200);
  const retryAfterMs = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after'), nowMs) : undefined;
  const code: BambooHrApiErrorCode =
    res.status === 429 || (res.status === 503 && retryAfterMs !== undefined)
      ? 'rate-limited'
      : res.status >= 500
        ? 'transient'
        : res.status === 401 || res.status === 403
          ? 'auth'
          : res.status === 404
            ? 'not-found'
            : 'invalid-request';
  return new BambooHrApiError({
    code,
    message: `BambooHR answered ${res.status}${detail ? `: ${detail}` : ''}`,
    status: res.status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    context,
  });
}

function invalidResponse(expected: string, context: Record<string, string>): BambooHrApiError {
  return new BambooHrApiError({ code: 'invalid-response', message: `BambooHR answered with an unexpected body: ${expected}`, context });
}

/** Numeric ids in numeric order, anything else by text. */
function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
