import type { z } from 'zod';
import { WorkdayEvent } from './contract';

/**
 * From the raw bytes of a verified request to a {@link WorkdayEvent}. Verify the signature
 * (signature.ts) on the same bytes first: parsing never changes what was signed.
 */
export interface ParseWorkdayBodyRequest {
  body: Buffer;
  /** The request's Content-Type header; `application/json`, charset (if any) UTF-8. */
  contentType: string;
}

export type ParseWorkdayBodyResult = { ok: true; event: WorkdayEvent } | { ok: false; reason: string };

/**
 * Never throws. On failure `reason` names every offending field (up to 20), e.g.
 * `Worker.Worker_Type: must be "Contingent Worker" for Contract Contingent Worker`, for the DLQ
 * record and the 400 answer the integration logs.
 */
export function parseWorkdayBody(req: ParseWorkdayBodyRequest): ParseWorkdayBodyResult {
  const [type = '', ...params] = req.contentType.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json') return { ok: false, reason: `unsupported content-type "${req.contentType}": expected application/json` };
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return { ok: false, reason: `unsupported charset "${charset}": expected utf-8` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(req.body);
  } catch {
    return { ok: false, reason: 'body is not valid UTF-8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `body is not valid JSON: ${(err as Error).message}` };
  }
  const parsed = WorkdayEvent.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `not a Workday contract v1 event: ${describeIssues(parsed.error)}` };
  return { ok: true, event: parsed.data };
}

/** `path: message; …` for up to 20 issues; `(root)` for the document itself. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 20)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
