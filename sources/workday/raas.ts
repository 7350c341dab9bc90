import { z } from 'zod';
import { createRetryingFetch, type RetryDefaults, type RetryOptions } from '../sdk/fetch-with-retry';
import { WorkdayApiError } from './errors';
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
 *   (retryable, with `retryAfterMs`) for the scheduler to honour. Other 4xx are final. The loop is
 *   `../shared/fetch-with-retry.ts`; delay-seconds longer than 9 digits are ignored as unreadable.
 * - Timeouts, attempts and backoff are {@link RetryOptions}, defaulting to {@link RAAS_RETRY_DEFAULTS}.
 */
export interface RaasClientOptions extends RetryOptions {
  reportUrl: string;
  user: string;
  password: string;
}

/** Retry defaults of the RaaS client: generous, because large reports are slow and a poll can wait. */
export const RAAS_RETRY_DEFAULTS: RetryDefaults = Object.freeze({ timeoutMs: 60_000, maxAttempts: 4, backoffBaseMs: 1_000, backoffMaxMs: 30_000, maxRetryAfterMs: 120_000 });

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
  const send = createRetryingFetch({
    vendor: 'Workday',
    retryLogMessage: 'workday raas request failed; retrying',
    newError: (o) => new WorkdayApiError(o),
    retryAfter: { maxDelayDigits: 9 },
    retry: opts,
    defaults: RAAS_RETRY_DEFAULTS,
  });
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

      return send({
        url,
        headers: { authorization, accept: 'application/json' },
        context,
        read: async ({ response, sentAtMs }) => ({ fetchedAt: formatInstant(sentAtMs), entries: parseReport(await response.text(), response.status, context) }),
      });
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
