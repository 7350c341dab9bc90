import { z } from 'zod';
import { createRetryingFetch, type RetryDefaults, type RetryOptions } from '../sdk/fetch-with-retry';
import { BambooHrApiError } from './errors';
import { HYDRATE_FIELDS, type BambooHrRecord } from './fields';
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
 *   The loop is `../shared/fetch-with-retry.ts`; BambooHR's `X-BambooHR-Error-Message` header is
 *   added to the error message.
 * - Timeouts, attempts and backoff are {@link RetryOptions}, defaulting to {@link BAMBOOHR_RETRY_DEFAULTS}.
 */
export interface BambooHrClientOptions extends RetryOptions {
  baseUrl: string;
  apiKey: string;
  /** Fields requested by {@link BambooHrClient.getEmployee}; {@link HYDRATE_FIELDS} by default. */
  fields?: readonly string[];
}

/** Retry defaults of the BambooHR client: short, because a webhook request waits on it. */
export const BAMBOOHR_RETRY_DEFAULTS: RetryDefaults = Object.freeze({ timeoutMs: 10_000, maxAttempts: 4, backoffBaseMs: 250, backoffMaxMs: 8_000, maxRetryAfterMs: 30_000 });

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
  const getJson = createRetryingFetch({
    vendor: 'BambooHR',
    retryLogMessage: 'bamboohr request failed; retrying',
    newError: (o) => new BambooHrApiError(o),
    describeFailure: (res) => res.headers.get('x-bamboohr-error-message')?.slice(0, 200),
    retry: opts,
    defaults: BAMBOOHR_RETRY_DEFAULTS,
  });
  const headers = { authorization, accept: 'application/json' };

  /** GET with retries; resolves to the parsed JSON body of a 2xx. */
  function getJsonAt(path: string, context: Record<string, string>): Promise<unknown> {
    return getJson({ url: `${base}${path}`, headers, context, read: ({ response }) => readJson(response, context) });
  }

  return {
    async getEmployee(req) {
      const fields = req.fields ?? opts.fields ?? HYDRATE_FIELDS;
      const query = new URLSearchParams({ fields: fields.join(','), onlyCurrent: 'false' });
      const context = { operation: 'getEmployee', employeeId: req.employeeId };
      const body = EmployeeBody.safeParse(await getJsonAt(`/employees/${encodeURIComponent(req.employeeId)}?${query}`, context));
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
      const body = ChangedBody.safeParse(await getJsonAt(`/employees/changed?${query}`, context));
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
