import { ZodNullable, ZodObject, ZodOptional, type z } from 'zod';
import { closestName } from '../../schemas/closest-name';
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

/** One offending field: its dotted path in the posted JSON (`(root)` for the document) and what is wrong. */
export interface PayloadIssue {
  path: string;
  message: string;
}

export type ParseWorkdayBodyResult = { ok: true; event: WorkdayEvent } | { ok: false; reason: string; issues?: PayloadIssue[] };

/** Issues reported per post; a post with more is rarely fixed field by field. */
const MAX_ISSUES = 20;

/**
 * Never throws. When the body is JSON that breaks the contract, `issues` lists every offending
 * field (up to 20), one entry per field: an unknown field is named by its own path, with the
 * contract's field it most likely meant (`Worker.Legal_Frist_Name: is not a field of this
 * contract; did you mean Legal_First_Name?`), a missing one says `is required`. `reason` is the same
 * list as one line (`path: message; …`), for the DLQ record; `issues` is the 400 answer's `details`.
 * Messages name fields and rules, never the values that were posted.
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
  // reportInput only tells a missing field from a wrong one; the input itself is never reported.
  const parsed = WorkdayEvent.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issues = payloadIssues(parsed.error);
    return { ok: false, reason: `not a Workday contract v1 event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues };
  }
  return { ok: true, event: parsed.data };
}

/** One {@link PayloadIssue} per offending field, in zod's order, at most {@link MAX_ISSUES}. */
export function payloadIssues(error: z.ZodError): PayloadIssue[] {
  const out: PayloadIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = fieldsAt(issue.path);
      for (const key of issue.keys) {
        const guess = known ? closestName(key, known) : undefined;
        out.push({ path: pathOf([...issue.path, key]), message: `is not a field of this contract${guess ? `; did you mean ${guess}?` : ''}` });
      }
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      out.push({ path: pathOf(issue.path), message: 'is required' });
    } else {
      out.push({ path: pathOf(issue.path), message: issue.message });
    }
  }
  return out.slice(0, MAX_ISSUES);
}

/** `path: message; …` for up to 20 issues; `(root)` for the document itself. */
export function describeIssues(error: z.ZodError): string {
  return payloadIssues(error)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(root)';
}

/** The field names of the contract object at `path`, for "did you mean"; undefined off the contract. */
function fieldsAt(path: readonly PropertyKey[]): string[] | undefined {
  let schema: z.ZodType | undefined = WorkdayEvent;
  for (const segment of path) schema = shapeOf(schema)?.[String(segment)];
  const shape = shapeOf(schema);
  return shape ? Object.keys(shape) : undefined;
}

function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  let s = schema;
  while (s instanceof ZodOptional || s instanceof ZodNullable) s = s.unwrap() as z.ZodType;
  return s instanceof ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined;
}
