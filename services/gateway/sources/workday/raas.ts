import type { Logger } from 'pino';
import { z } from 'zod';
import { WorkdayApiError, type WorkdayApiErrorCode } from './errors';
import { parseRetryAfter } from './retry-after';
import { formatInstant } from './time';

/**
 * A client for one Workday Report-as-a-Service (RaaS) report in JSON, the reconciliation poll of
 * the Workday source: `GET <reportUrl>?format=json[&<prompt>=<value>…]` answering
 * `{"Report_Entry": [{…}, …]}`. Turning rows into snapshots is raas-report.ts; comparing two
 * snapshots is raas-diff.ts.
 *
 * - `reportUrl` is the report's web service URL as Workday shows it:
 *   `https://<host>/ccx/service/customreport2/<tenant>/<report owner>/<report name>`.
 * - Auth: HTTP Basic with the integration system user (`<ISU>@<tenant>` by Workday's convention) and
 *   its password.
 * - Each attempt has its own timeout (`AbortSignal.timeout`, body included). Network errors,
 *   timeouts and 5xx are retried with capped exponential backoff (equal jitter); 429 and 503 honour
 *   `Retry-After`. A `Retry-After` beyond `maxRetryAfterMs` is not slept on: the error is thrown
 *   (retryable, with `retryAfterMs`) for the scheduler to honour. Other 4xx are final.
 */
export interface RaasClientOptions {
  reportUrl: string;
  user: string;
  password: string;
  /** Per attempt, including reading the body. Default 60 s: large reports are slow. */
  timeoutMs?: number;
  /** Attempts in total, first included. Default 4. */
  maxAttempts?: number;
  /** Backoff before retry n is `min(maxMs, baseMs * 2^(n-1))`, jittered to 50-100%. Defaults 1 s / 30 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After waited in-process. Default 120 s. */
  maxRetryAfterMs?: number;
  log?: Logger;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); for jitter. */
  random?: () => number;
  now?: () => number;
}

export interface FetchReportRequest {
  /** Report prompts, sent as query parameters by their Workday prompt names (e.g. `Effective_as_of_Date`). */
  prompts?: Readonly<Record<string, string>>;
}

export interface RaasReport {
  /** Canonical UTC instant the successful request was sent: the moment the rows describe. */
  fetchedAt: string;
  /** `Report_Entry` rows as sent; each row is checked by raas-report.ts, not here. */
  entries: Record<string, unknown>[];
}

export interface RaasClient {
  /** Runs the report once. Throws {@link WorkdayApiError}. */
  fetchReport(req?: FetchReportRequest): Promise<RaasReport>;
}

// Report_Entry is required: a body without it must not read as "no workers", which a diff would
// turn into a leaver for everyone.
const ReportBody = z.looseObject({ Report_Entry: z.array(z.record(z.string(), z.unknown())) });

export function createRaasClient(opts: RaasClientOptions): RaasClient {
  const base = new URL(opts.reportUrl);
  if (base.search) throw new RangeError('reportUrl must not carry a query; pass prompts to fetchReport');
  const authorization = `Basic ${Buffer.from(`${opts.user}:${opts.password}`, 'utf8').toString('base64')}`;
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 4);
  const backoffBaseMs = opts.backoffBaseMs ?? 1_000;
  const backoffMaxMs = opts.backoffMaxMs ?? 30_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 120_000;
  const report = base.pathname.split('/').filter(Boolean).slice(-1)[0] ?? '';

  return {
    async fetchReport(req = {}) {
      const url = new URL(base);
      for (const [name, value] of Object.entries(req.prompts ?? {})) {
        if (name === 'format') throw new RangeError('prompt "format" is reserved: the client always asks for json');
        url.searchParams.set(name, value);
      }
      url.searchParams.set('format', 'json');
      const context = { operation: 'fetchReport', report };

      for (let attempt = 1; ; attempt++) {
        let error: WorkdayApiError;
        const sentAtMs = now();
        try {
          const res = await fetchFn(url, { headers: { authorization, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
          if (res.ok) return { fetchedAt: formatInstant(sentAtMs), entries: parseReport(await res.text(), res.status, context) };
          error = await errorFromResponse(res, now(), { ...context, attempt });
        } catch (err) {
          if (err instanceof WorkdayApiError) throw err;
          const timedOut = err instanceof Error && err.name === 'TimeoutError';
          error = new WorkdayApiError({
            code: 'transient',
            message: timedOut ? `Workday did not answer within ${timeoutMs} ms` : `Workday request failed: ${(err as Error).message}`,
            cause: err,
            context: { ...context, attempt },
          });
        }
        if (!error.retryable || attempt >= maxAttempts) throw error;
        if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfterMs) throw error;
        const backoff = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
        const delayMs = error.retryAfterMs ?? Math.round(backoff * (0.5 + random() / 2));
        opts.log?.warn({ ...context, attempt, code: error.code, status: error.status, delayMs }, 'workday raas request failed; retrying');
        await sleep(delayMs);
      }
    },
  };
}

function parseReport(text: string, status: number, context: Record<string, string>): Record<string, unknown>[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    // Without format=json (or for a report not enabled for JSON) Workday answers XML.
    throw new WorkdayApiError({ code: 'invalid-response', message: 'Workday answered with a body that is not JSON', status, cause, context });
  }
  const body = ReportBody.safeParse(json);
  if (!body.success) throw new WorkdayApiError({ code: 'invalid-response', message: 'Workday answered with JSON that is not {"Report_Entry": [{…}, …]}', status, context });
  return body.data.Report_Entry;
}

async function errorFromResponse(res: Response, nowMs: number, context: Record<string, string | number>): Promise<WorkdayApiError> {
  await res.arrayBuffer().catch(() => undefined); // free the connection; Workday's error bodies may echo the request
  const retryAfterMs = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after'), nowMs) : undefined;
  const code: WorkdayApiErrorCode =
    res.status === 429 || (res.status === 503 && retryAfterMs !== undefined)
      ? 'rate-limited'
      : res.status >= 500
        ? 'transient'
        : res.status === 401 || res.status === 403
          ? 'auth'
          : res.status === 404
            ? 'not-found'
            : 'invalid-request';
  return new WorkdayApiError({
    code,
    message: `Workday answered ${res.status}`,
    status: res.status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    context,
  });
}
