import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { JML_EVENT_TYPES, RESERVED_KEYS, type JmlEvent, type JmlEventType } from '../../schemas/jml-event.v1';
import { GATEWAY_ERRORS } from '../../services/gateway/errors';
import { DEFAULT_CANONICAL_TOLERANCE_SEC } from '../../sources/canonical';
import { signStandardWebhook } from '../../sources/canonical/standard-webhooks';
import { makeEvent } from '../support/events';

/**
 * The webhook fuzzer of the fault drills (issue 17): fast-check generates deliveries to the
 * canonical route (`POST /v1/events`) of a running gateway, and each answer is checked against what
 * the project specifies (docs/errors.md, services/gateway/source-route.ts for the order of the
 * checks: media type, then authenticity and freshness, then the replay memory, then JSON, the event
 * schema and the event size). Kafka and Redis are up while it runs, so no answer may be a 5xx.
 *
 * Every delivery carries a webhook-id of its own (`fz-<run>-<n>`), so nothing a former run or a
 * shrink sent is taken for a replay; replays are sent on purpose by the `replay` class only. The
 * subjects are `fuzz:<run>:<id>`, new for each call, so edge dedupe answers `duplicate` only for
 * events this call sent before. Nothing generated (names, emails) is ever printed: violations name
 * the class, the step, the statuses and codes, and the seed and path that reproduce them.
 */

/** What the gateway is configured with; the project's defaults when absent (services/settings/pipeline.ts). */
export interface FuzzLimits {
  /** GATEWAY_BODY_LIMIT_BYTES. */
  bodyLimitBytes: number;
  /** GATEWAY_MAX_EVENT_BYTES. */
  maxEventBytes: number;
  /** The canonical API's signature window, seconds either way. */
  toleranceSec: number;
}

export const DEFAULT_FUZZ_LIMITS: FuzzLimits = { bodyLimitBytes: 1_000_000, maxEventBytes: 64 * 1024, toleranceSec: DEFAULT_CANONICAL_TOLERANCE_SEC };

export interface FuzzOptions {
  /** The gateway's base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** Its canonical key (JML_CANONICAL_SECRET), unscoped. */
  secret: string;
  /** Generated cases (a case is one delivery, or a short sequence for replays). */
  cases: number;
  /** fast-check's seed; a random one when absent (it is in the report). */
  seed?: number;
  /** With `seed`, replays one reported counterexample (`path` of its violation) instead of generating new cases. */
  path?: string;
  say?: (line: string) => void;
  /** Called once per distinct event the gateway accepted (202, neither a replay nor a duplicate). */
  accepted?: (eventId: string, webhookId: string, subject: string) => void;
  limits?: Partial<FuzzLimits>;
  /** How long one answer may take before it counts as none. */
  answerTimeoutMs?: number;
  /** Requests the shrinking of a failing case may send at most (after that it stops where it is). */
  shrinkBudget?: number;
}

export interface FuzzClassStats {
  sent: number;
  byStatus: Record<number, number>;
}

export interface FuzzReport {
  /** Cases run before the end (or before the first failing case). */
  cases: number;
  /** Requests sent, by class of case. */
  byClass: Record<string, FuzzClassStats>;
  /** Each a short description with the seed and path that reproduce it; no personal data. */
  violations: string[];
  fiveXx: number;
  /** Distinct events accepted (each was passed to `accepted`). */
  acceptedEvents: number;
  seed: number;
  /** The prefix of every webhook-id sent (`<prefix>-<n>`; the DLQ key of a recorded delivery). */
  webhookIdPrefix: string;
  /** The prefix of every subject (person key) of the events sent: `fuzz:<run>:`. */
  subjectPrefix: string;
  /** Deliveries the gateway must have recorded in the DLQ (first answers 400 invalid-json/invalid-event, 413 event-too-large). */
  deadLetters: number;
}

// ---------------------------------------------------------------- the expected answers

/** What the specification says the answer to one request must be. */
export interface Expected {
  status: number;
  code?: string;
  /** A 202 must name this event, with `duplicate: true` exactly when `duplicate`. */
  acceptedId?: string;
  duplicate?: boolean;
  /** A replay: this very status and body again, with `jml-replay: true`. */
  replayOf?: { status: number; body: string };
  /** A path (`data.person.givenName`, `` for the root) that one of an invalid-event's `details` must name. */
  issueAt?: string;
}

/** What came back: an answer, or why none did. */
export type Answer = { status: number; body: string; replay: boolean } | { error: string };

const RECORDED_CODES = new Set(['invalid-json', 'invalid-event', 'event-too-large']);

/**
 * The violations of one answer against its expectation (empty when it conforms). Pure: the unit
 * test feeds it answers the gateway should never give.
 */
export function checkAnswer(expected: Expected, answer: Answer): string[] {
  if ('error' in answer) return [`no answer (${answer.error})`];
  const json = parseJson(answer.body);
  const code = errorCode(json);
  const seen = `${answer.status}${code ? ` ${code}` : ''}`;
  const want = `${expected.status}${expected.code ? ` ${expected.code}` : ''}`;
  const found: string[] = [];
  if (answer.status >= 500) found.push(`5xx answer ${seen} (Kafka and Redis are up: nothing is transient)`);
  if (answer.status !== expected.status || (expected.code !== undefined && code !== expected.code)) found.push(`expected ${want}, got ${seen}`);
  if (expected.replayOf) {
    if (!answer.replay) found.push('a replay was answered without jml-replay: true');
    if (answer.status !== expected.replayOf.status || answer.body !== expected.replayOf.body) found.push(`a replay got another answer than the first (${expected.replayOf.status} then ${answer.status})`);
    return found;
  }
  if (answer.replay) found.push('a new delivery was answered as a replay');
  if (answer.status >= 400) {
    // The error contract: `{ error: { code, message } }`, a known code with this very status.
    const known = code !== undefined && code in GATEWAY_ERRORS ? GATEWAY_ERRORS[code as keyof typeof GATEWAY_ERRORS] : undefined;
    if (!known) found.push(`error body without a known code (status ${answer.status})`);
    else if (known.status !== answer.status) found.push(`code ${code} answered with ${answer.status}, documented ${known.status}`);
  }
  if (expected.issueAt !== undefined && answer.status === 400 && code === 'invalid-event') {
    const issues = (json as { error?: { details?: unknown } }).error?.details;
    const paths = Array.isArray(issues) ? issues.map((i) => (i as { path?: unknown }).path) : [];
    if (!paths.includes(expected.issueAt)) found.push(`invalid-event details do not name '${expected.issueAt}' (named: ${paths.map(String).join(', ').slice(0, 200)})`);
  }
  if (expected.acceptedId !== undefined && answer.status === 202) {
    const body = json as { accepted?: unknown; id?: unknown; duplicate?: unknown };
    if (body?.accepted !== true || body.id !== expected.acceptedId) found.push('a 202 that does not name the event sent');
    if ((body?.duplicate === true) !== (expected.duplicate === true)) found.push(`duplicate flag ${String(body?.duplicate === true)}, expected ${String(expected.duplicate === true)}`);
  }
  return found;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorCode(json: unknown): string | undefined {
  const code = (json as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The answer to a delivery whose signature headers are as given, in the gateway's order of checks
 * (sources/canonical/standard-webhooks.ts, docs/errors.md): all three present and non-empty, the
 * timestamp 1-12 digits, within the window; undefined when it gets past them (the signature is right).
 */
export function authenticityAnswer(h: { id?: string; timestamp?: string; signature?: string }, nowSec: number, toleranceSec: number, signedRight: boolean): Expected | undefined {
  if (!h.id || !h.timestamp || !h.signature) return { status: 401, code: 'signature-missing' };
  if (!/^\d{1,12}$/.test(h.timestamp)) return { status: 401, code: 'timestamp-invalid' };
  if (Math.abs(nowSec - Number(h.timestamp)) > toleranceSec) return { status: 401, code: 'timestamp-out-of-window' };
  return signedRight ? undefined : { status: 401, code: 'signature-invalid' };
}

/** Whether the canonical route takes this media type (else 415 before anything else). */
export const takesMediaType = (contentType: string | undefined): boolean => contentType !== undefined && /^application\/(json|cloudevents\+json)\b/.test(contentType);

// ---------------------------------------------------------------- the cases

/** The business facts of a generated event (the subject is made per run). */
interface EventSeed {
  employee: string;
  type: JmlEventType;
  enteredAt: string;
  effectiveAt: string;
  changedFields: string[];
  person: Record<string, unknown>;
}

type Mutation =
  | { op: 'remove'; path: string }
  | { op: 'set'; path: string; value: unknown; issueAt: string }
  | { op: 'root'; value: unknown };

type AuthFault =
  | { fault: 'unsigned' }
  | { fault: 'drop'; header: 'webhook-id' | 'webhook-timestamp' | 'webhook-signature'; empty: boolean }
  | { fault: 'wrong-key' | 'other-body' | 'other-id' | 'no-version' | 'v2' | 'truncated' }
  | { fault: 'garbled'; signature: string }
  | { fault: 'timestamp'; timestamp: string };

type Malformation = { how: 'cut'; at: number } | { how: 'prefix' | 'bom' | 'trailing-comma' | 'single-quote' | 'control-char' | 'empty' };

/** One generated case; `class` keys the report. */
type FuzzCase =
  | { class: 'valid'; event: EventSeed; skewSec: number; contentType: string; extraSignatures: 'none' | 'before' | 'after' }
  | { class: 'event-too-large'; event: EventSeed; extraKeys: number }
  | { class: 'schema-invalid'; event: EventSeed; mutation: Mutation }
  | { class: 'malformed-json'; event: EventSeed; malformation: Malformation }
  | { class: 'media-type'; event: EventSeed; contentType: string | null }
  | { class: 'oversized'; over: number; signed: boolean }
  | { class: 'at-limit' }
  | { class: 'unauthentic'; event: EventSeed; fault: AuthFault }
  | { class: 'stale-timestamp'; event: EventSeed; offsetSec: number }
  | { class: 'replay'; first: 'valid' | 'invalid-event' | 'invalid-json'; event: EventSeed; other: EventSeed; repeats: Array<'same-timestamp' | 'new-timestamp'>; then: 'none' | 'same-id-other-body' | 'same-body-new-id' }
  | { class: 'random'; body: Uint8Array; contentType: string | null; id?: string; timestamp?: string; signature?: string; extra: Array<[string, string]> };

export const FUZZ_CLASSES = ['valid', 'event-too-large', 'schema-invalid', 'malformed-json', 'media-type', 'oversized', 'at-limit', 'unauthentic', 'stale-timestamp', 'replay', 'random'] as const;

/** A header value as fetch sends it: printable ASCII, no leading or trailing space. */
const headerText = (max: number) => fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: max }).map((s) => s.replace(/[^\x21-\x7e ]/g, '').trim()).filter((s) => s.length > 0);

/**
 * Moments in the past only: a person workflow waits for an event's effective moment, and every
 * event the gateway accepts must reach its outcome within a drill. (The gateway itself takes any.)
 */
const isoMoment = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2025-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const calendarDate = isoMoment.map((s) => s.slice(0, 10));
/** Schema-valid text (1-512 UTF-16 units): any code points, hostile characters, or long. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
  fc.constantFrom(' leading', 'O\'Brien "Jr"', '(*)\\,', '山田 太郎', 'Ünïcødé-Näme', ')(uid=*)'),
  fc.string({ unit: 'grapheme-ascii', minLength: 400, maxLength: 512 }),
);
const customValue = fc.oneof(fc.string({ maxLength: 100 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));

const eventSeed: fc.Arbitrary<EventSeed> = fc.record({
  // A few recurring employees (several events per person, out of order) and arbitrary ones.
  employee: fc.oneof(fc.constantFrom('1', '2', '3'), fc.stringMatching(/^[A-Za-z0-9._@-]{1,40}$/)),
  type: fc.constantFrom(...JML_EVENT_TYPES),
  enteredAt: isoMoment,
  effectiveAt: isoMoment,
  changedFields: fc.array(fc.constantFrom('status', 'jobTitle', 'department', 'givenName', 'custom.level'), { maxLength: 4 }),
  person: fc.record(
    {
      givenName: text,
      familyName: text,
      preferredName: fc.option(text, { nil: null }),
      jobTitle: fc.option(text, { nil: null }),
      department: text,
      workerType: fc.constantFrom('employee', 'contractor', 'intern', 'temporary', 'other'),
      workEmail: fc.option(fc.stringMatching(/^[a-z0-9]{1,20}$/).map((local) => `${local}@example.com`), { nil: null }),
      hireDate: fc.option(calendarDate, { nil: null }),
      timeZone: fc.constantFrom('UTC', 'Europe/London', 'Asia/Tokyo'),
      custom: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !RESERVED_KEYS.includes(k)), customValue, { maxKeys: 5 }),
    },
    { requiredKeys: ['givenName', 'familyName', 'workEmail'] },
  ),
});

const REQUIRED = ['id', 'specversion', 'source', 'type', 'subject', 'time', 'data', 'data.effectiveAt', 'data.enteredAt', 'data.person', 'data.changedFields', 'data.person.employeeId', 'data.person.workerType', 'data.person.status', 'data.person.givenName', 'data.person.familyName'];
const STRING_FIELDS = ['id', 'source', 'subject', 'time', 'data.effectiveAt', 'data.person.employeeId', 'data.person.givenName', 'data.person.familyName'];
const OBJECT_FIELDS = ['data', 'data.person'];

/** Schema breaks of a valid event; huge strings stay `hugeMax` characters over the field's maximum at most. */
const mutationOf = (hugeMax: number): fc.Arbitrary<Mutation> => fc.oneof(
  fc.constantFrom(...REQUIRED).map((path): Mutation => ({ op: 'remove', path })),
  fc.tuple(fc.constantFrom(...STRING_FIELDS), fc.constantFrom<unknown>(42, true, [], {}, null)).map(([path, value]): Mutation => ({ op: 'set', path, value, issueAt: path })),
  fc.tuple(fc.constantFrom(...OBJECT_FIELDS), fc.constantFrom<unknown>(42, 'x', [], true, null)).map(([path, value]): Mutation => ({ op: 'set', path, value, issueAt: path })),
  fc.constantFrom<unknown>('x', 42, {}).map((value): Mutation => ({ op: 'set', path: 'data.changedFields', value, issueAt: 'data.changedFields' })),
  fc.constantFrom<unknown>(42, 'yes', []).map((value): Mutation => ({ op: 'set', path: 'data.involuntary', value, issueAt: 'data.involuntary' })),
  fc.constantFrom<unknown>('2.0', '1', 1).map((value): Mutation => ({ op: 'set', path: 'specversion', value, issueAt: 'specversion' })),
  fc.oneof(fc.constantFrom('jml.promotion', 'JML.JOINER', ''), headerText(30)).filter((t) => !(JML_EVENT_TYPES as readonly string[]).includes(t)).map((value): Mutation => ({ op: 'set', path: 'type', value, issueAt: 'type' })),
  fc.constantFrom('', 'data', 'data.person').map((parent): Mutation => ({ op: 'set', path: parent ? `${parent}.fz_extra` : 'fz_extra', value: 1, issueAt: parent })),
  // Huge strings, within the body limit: past each field's maximum.
  fc.tuple(fc.constantFrom(['data.person.givenName', 512], ['source', 512], ['id', 200], ['data.person.employeeId', 128], ['data.reason', 512]), fc.integer({ min: 1, max: hugeMax })).map(
    ([[path, max], over]): Mutation => ({ op: 'set', path, value: 'x'.repeat(max + over), issueAt: path }),
  ),
  fc.constantFrom<[string, string]>(['subject', 'Not A Key'], ['id', 'has space'], ['time', 'yesterday'], ['data.effectiveAt', '2026-13-45T25:61:00Z'], ['data.person.workEmail', 'not-an-email'], ['data.person.hireDate', '2026/01/01']).map(
    ([path, value]): Mutation => ({ op: 'set', path, value, issueAt: path }),
  ),
  fc.constantFrom<unknown>(42, 'an event', [], null, true).map((value): Mutation => ({ op: 'root', value })),
  // A custom field named like what every JavaScript object inherits (JSON.parse makes it an own key).
  fc.tuple(fc.constantFrom(...RESERVED_KEYS), customValue).map(
    ([key, value]): Mutation => ({ op: 'set', path: 'data.person.custom', value: JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`) as unknown, issueAt: `data.person.custom.${key}` }),
  ),
);

const malformation: fc.Arbitrary<Malformation> = fc.oneof(
  fc.integer({ min: 1, max: 1_000_000 }).map((at): Malformation => ({ how: 'cut', at })),
  fc.constantFrom<Malformation>({ how: 'prefix' }, { how: 'bom' }, { how: 'trailing-comma' }, { how: 'single-quote' }, { how: 'control-char' }, { how: 'empty' }),
);

const authFault: fc.Arbitrary<AuthFault> = fc.oneof(
  fc.constant<AuthFault>({ fault: 'unsigned' }),
  fc.record({ fault: fc.constant('drop' as const), header: fc.constantFrom('webhook-id' as const, 'webhook-timestamp' as const, 'webhook-signature' as const), empty: fc.boolean() }),
  fc.constantFrom<AuthFault>({ fault: 'wrong-key' }, { fault: 'other-body' }, { fault: 'other-id' }, { fault: 'no-version' }, { fault: 'v2' }, { fault: 'truncated' }),
  headerText(120).map((signature): AuthFault => ({ fault: 'garbled', signature })),
  fc.oneof(fc.constantFrom('-1', '1.7e9', '0x10', '+1733000000', 'now', '9999999999999'), headerText(20), fc.stringMatching(/^\d{13,20}$/)).map((timestamp): AuthFault => ({ fault: 'timestamp', timestamp })),
);

function fuzzCase(limits: FuzzLimits): fc.Arbitrary<FuzzCase> {
  const tol = limits.toleranceSec;
  const jsonTypes = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/cloudevents+json');
  const padKeys = Math.ceil(limits.maxEventBytes / 2048);
  const arbs: Array<fc.Arbitrary<FuzzCase>> = [
    fc.record({ class: fc.constant('valid' as const), event: eventSeed, skewSec: fc.integer({ min: -(tol - 30), max: tol - 30 }), contentType: jsonTypes, extraSignatures: fc.constantFrom('none' as const, 'before' as const, 'after' as const) }),
    fc.record({ class: fc.constant('schema-invalid' as const), event: eventSeed, mutation: mutationOf(Math.max(1, Math.min(100_000, limits.bodyLimitBytes - 30_000))) }),
    fc.record({ class: fc.constant('malformed-json' as const), event: eventSeed, malformation }),
    fc.record({ class: fc.constant('media-type' as const), event: eventSeed, contentType: fc.constantFrom('text/plain', 'text/json', 'application/xml', 'application/x-www-form-urlencoded', 'application/octet-stream', 'multipart/form-data; boundary=fz', null) }),
    fc.record({ class: fc.constant('oversized' as const), over: fc.integer({ min: 1, max: 64 * 1024 }), signed: fc.boolean() }),
    fc.constant<FuzzCase>({ class: 'at-limit' }),
    fc.record({ class: fc.constant('unauthentic' as const), event: eventSeed, fault: authFault }),
    fc.record({ class: fc.constant('stale-timestamp' as const), event: eventSeed, offsetSec: fc.oneof(fc.integer({ min: tol + 30, max: 10 * 365 * 86_400 }), fc.integer({ min: -10 * 365 * 86_400, max: -(tol + 30) })) }),
    fc.record({
      class: fc.constant('replay' as const),
      first: fc.constantFrom('valid' as const, 'invalid-event' as const, 'invalid-json' as const),
      event: eventSeed,
      other: eventSeed,
      repeats: fc.array(fc.constantFrom('same-timestamp' as const, 'new-timestamp' as const), { minLength: 1, maxLength: 3 }),
      then: fc.constantFrom('none' as const, 'same-id-other-body' as const, 'same-body-new-id' as const),
    }),
    fc.record(
      {
        class: fc.constant('random' as const),
        body: fc.uint8Array({ maxLength: 2048 }),
        contentType: fc.oneof(jsonTypes, headerText(40), fc.constant(null)),
        id: headerText(60),
        timestamp: fc.oneof(headerText(20), fc.stringMatching(/^\d{1,12}$/)),
        signature: fc.oneof(headerText(120), fc.base64String({ minLength: 4, maxLength: 64 }).map((b) => `v1,${b}`)),
        extra: fc.array(fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/).map((n) => `x-fz-${n}`), headerText(80)), { maxLength: 4 }),
      },
      { requiredKeys: ['class', 'body', 'contentType', 'extra'] },
    ),
  ];
  // An event over GATEWAY_MAX_EVENT_BYTES that still fits the body limit.
  if (limits.maxEventBytes + 40 * 2100 < limits.bodyLimitBytes) {
    arbs.push(fc.record({ class: fc.constant('event-too-large' as const), event: eventSeed, extraKeys: fc.integer({ min: padKeys + 1, max: padKeys + 40 }) }));
  }
  return fc.oneof(...arbs);
}

/** The case without its generated values (which may look like personal data): its class and kind. */
export function describeCase(c: FuzzCase): string {
  switch (c.class) {
    case 'schema-invalid':
      return `schema-invalid(${c.mutation.op}${'path' in c.mutation ? ` ${c.mutation.path}` : ''})`;
    case 'malformed-json':
      return `malformed-json(${c.malformation.how})`;
    case 'media-type':
      return `media-type(${c.contentType ?? 'none'})`;
    case 'oversized':
      return `oversized(+${c.over} bytes, ${c.signed ? 'signed' : 'unsigned'})`;
    case 'unauthentic':
      return `unauthentic(${c.fault.fault}${c.fault.fault === 'drop' ? ` ${c.fault.header}${c.fault.empty ? ' empty' : ''}` : ''})`;
    case 'stale-timestamp':
      return `stale-timestamp(${c.offsetSec > 0 ? '+' : ''}${c.offsetSec} s)`;
    case 'replay':
      return `replay(${c.first} ×${c.repeats.length + 1}, then ${c.then})`;
    case 'valid':
      return `valid(skew ${c.skewSec} s, ${c.extraSignatures} extra signatures)`;
    case 'event-too-large':
      return `event-too-large(${c.extraKeys} padded fields)`;
    case 'random':
      return `random(${c.body.length} bytes, content-type ${c.contentType === null ? 'none' : takesMediaType(c.contentType) ? 'json' : 'other'})`;
    default:
      return c.class;
  }
}

// ---------------------------------------------------------------- sending

interface Request {
  body: Buffer;
  contentType: string | null;
  headers: Record<string, string>;
}

/** One request of a case and what must come back; `step` names it in a violation. */
interface Step {
  step: string;
  request: Request;
  expected: Expected | ((earlier: Answer[]) => Expected);
  /** The event a 202 accepts (to report it and remember it for dedupe). */
  event?: JmlEvent;
  /** The spec records this delivery in the DLQ when its answer is the expected one. */
  recorded?: boolean;
}

interface RunContext {
  url: string;
  secret: string;
  limits: FuzzLimits;
  prefix: string;
  subjectTenant: string;
  timeoutMs: number;
  /** Every request's own webhook-id counter. */
  n: number;
  /** `<subject>/<id>` of events accepted so far: a later copy is a duplicate at the edge. */
  acceptedKeys: Set<string>;
}

const nowSec = () => Math.floor(Date.now() / 1000);

function buildEvent(seed: EventSeed, ctx: RunContext): JmlEvent {
  return makeEvent({
    personKey: `fuzz:${ctx.subjectTenant}:${seed.employee}`,
    type: seed.type,
    enteredAt: seed.enteredAt,
    effectiveAt: seed.effectiveAt,
    changedFields: seed.changedFields,
    person: seed.person,
  });
}

function signed(ctx: RunContext, body: Buffer, opts: { id?: string; ts?: number; contentType?: string | null } = {}): Request & { id: string; ts: number } {
  const id = opts.id ?? `${ctx.prefix}-${ctx.n++}`;
  const ts = opts.ts ?? nowSec();
  return {
    id,
    ts,
    body,
    contentType: opts.contentType === undefined ? 'application/json' : opts.contentType,
    headers: { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(ctx.secret, id, ts, body) },
  };
}

/** The answer to a signed, fresh delivery of `event` as JSON: 413 over the event cap, else 202 (a duplicate when accepted before). */
function acceptance(ctx: RunContext, event: JmlEvent): Expected {
  if (Buffer.byteLength(JSON.stringify(event)) > ctx.limits.maxEventBytes) return { status: 413, code: 'event-too-large' };
  return { status: 202, acceptedId: event.id, duplicate: ctx.acceptedKeys.has(`${event.subject}/${event.id}`) };
}

function mutate(event: JmlEvent, m: Mutation): unknown {
  if (m.op === 'root') return m.value;
  const copy = structuredClone(event) as unknown as Record<string, unknown>;
  const parts = m.path.split('.');
  const last = parts.pop() as string;
  let at: Record<string, unknown> = copy;
  for (const p of parts) at = at[p] as Record<string, unknown>;
  if (m.op === 'remove') delete at[last];
  else at[last] = m.value;
  return copy;
}

function malformed(json: string, m: Malformation): string {
  switch (m.how) {
    case 'cut':
      return json.slice(0, 1 + (m.at % (json.length - 1)));
    case 'prefix':
      return `x${json}`;
    case 'bom':
      return `\uFEFF${json}`;
    case 'trailing-comma':
      return `${json.slice(0, -1)},}`;
    case 'single-quote':
      return json.replace('"', "'");
    case 'control-char':
      return json.replace('"specversion"', '"spec\u0001version"');
    case 'empty':
      return '';
  }
}

/** The requests of a case with their expected answers, in order. */
function stepsOf(c: FuzzCase, ctx: RunContext): Step[] {
  const { limits } = ctx;
  switch (c.class) {
    case 'valid': {
      const event = buildEvent(c.event, ctx);
      const body = Buffer.from(JSON.stringify(event));
      const req = signed(ctx, body, { ts: nowSec() + c.skewSec, contentType: c.contentType });
      // A sender rotating keys signs with several; any one matching is enough.
      const other = signStandardWebhook(`whsec_${randomBytes(32).toString('base64')}`, req.id, req.ts, body);
      const sig = req.headers['webhook-signature'] as string;
      req.headers['webhook-signature'] = c.extraSignatures === 'before' ? `${other} ${sig}` : c.extraSignatures === 'after' ? `${sig} ${other}` : sig;
      return [{ step: 'deliver', request: req, expected: acceptance(ctx, event), event, recorded: acceptance(ctx, event).status === 413 }];
    }
    case 'event-too-large': {
      const seed = { ...c.event, person: { ...c.event.person, custom: Object.fromEntries(Array.from({ length: c.extraKeys }, (_, i) => [`pad${i}`, 'p'.repeat(2048)])) } };
      const event = buildEvent(seed, ctx);
      return [{ step: 'deliver', request: signed(ctx, Buffer.from(JSON.stringify(event))), expected: acceptance(ctx, event), event, recorded: true }];
    }
    case 'schema-invalid': {
      const body = Buffer.from(JSON.stringify(mutate(buildEvent(c.event, ctx), c.mutation)));
      const issueAt = c.mutation.op === 'root' ? '' : c.mutation.op === 'remove' ? c.mutation.path : c.mutation.issueAt;
      return [{ step: 'deliver', request: signed(ctx, body), expected: { status: 400, code: 'invalid-event', issueAt }, recorded: true }];
    }
    case 'malformed-json': {
      const text = malformed(JSON.stringify(buildEvent(c.event, ctx)), c.malformation);
      return [{ step: 'deliver', request: signed(ctx, Buffer.from(text)), expected: { status: 400, code: 'invalid-json' }, recorded: true }];
    }
    case 'media-type': {
      const req = signed(ctx, Buffer.from(JSON.stringify(buildEvent(c.event, ctx))), { contentType: c.contentType });
      return [{ step: 'deliver', request: req, expected: { status: 415, code: 'unsupported-media-type' } }];
    }
    case 'oversized': {
      const size = limits.bodyLimitBytes + c.over;
      const body = Buffer.from(`{"pad":"${'a'.repeat(size - 10)}"}`);
      const req = c.signed ? signed(ctx, body) : { body, contentType: 'application/json', headers: {} };
      return [{ step: 'deliver', request: req, expected: { status: 413, code: 'body-too-large' } }];
    }
    case 'at-limit': {
      // Exactly the limit is within it: read, and refused for what it lacks (a signature), not its size.
      const body = Buffer.from(`{"pad":"${'a'.repeat(limits.bodyLimitBytes - 10)}"}`);
      return [{ step: 'deliver', request: { body, contentType: 'application/json', headers: {} }, expected: { status: 401, code: 'signature-missing' } }];
    }
    case 'unauthentic':
      return [unauthentic(c.event, c.fault, ctx)];
    case 'stale-timestamp': {
      const ts = Math.max(0, nowSec() + c.offsetSec);
      const req = signed(ctx, Buffer.from(JSON.stringify(buildEvent(c.event, ctx))), { ts });
      return [{ step: 'deliver', request: req, expected: { status: 401, code: 'timestamp-out-of-window' } }];
    }
    case 'replay':
      return replaySteps(c, ctx);
    case 'random': {
      const headers: Record<string, string> = Object.fromEntries(c.extra);
      if (c.id !== undefined) headers['webhook-id'] = c.id;
      if (c.timestamp !== undefined) headers['webhook-timestamp'] = c.timestamp;
      if (c.signature !== undefined) headers['webhook-signature'] = c.signature;
      const contentType = c.contentType;
      // Never signed: a random signature matching is beyond any run's luck.
      const expected = !takesMediaType(contentType ?? undefined)
        ? { status: 415, code: 'unsupported-media-type' }
        : (authenticityAnswer({ id: c.id, timestamp: c.timestamp, signature: c.signature }, nowSec(), limits.toleranceSec, false) as Expected);
      return [{ step: 'deliver', request: { body: Buffer.from(c.body), contentType, headers }, expected }];
    }
  }
}

function unauthentic(seed: EventSeed, f: AuthFault, ctx: RunContext): Step {
  const body = Buffer.from(JSON.stringify(buildEvent(seed, ctx)));
  const req = signed(ctx, body);
  const h = req.headers;
  const sig = h['webhook-signature'] as string;
  switch (f.fault) {
    case 'unsigned':
      for (const name of Object.keys(h)) delete h[name];
      break;
    case 'drop':
      if (f.empty) h[f.header] = '';
      else delete h[f.header];
      break;
    case 'wrong-key':
      h['webhook-signature'] = signStandardWebhook(`whsec_${randomBytes(32).toString('base64')}`, req.id, req.ts, body);
      break;
    case 'other-body':
      h['webhook-signature'] = signStandardWebhook(ctx.secret, req.id, req.ts, Buffer.concat([body, Buffer.from(' ')]));
      break;
    case 'other-id':
      h['webhook-id'] = `${req.id}x`;
      break;
    case 'no-version':
      h['webhook-signature'] = sig.slice(3);
      break;
    case 'v2':
      h['webhook-signature'] = `v2,${sig.slice(3)}`;
      break;
    case 'truncated':
      h['webhook-signature'] = sig.slice(0, -6);
      break;
    case 'garbled':
      h['webhook-signature'] = f.signature;
      break;
    case 'timestamp':
      h['webhook-timestamp'] = f.timestamp;
      break;
  }
  const sent = { id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] };
  // A garbled header that happens to be the right one (it cannot, but the model says what it would get).
  const right = sent.signature === sig && sent.id === req.id && sent.timestamp === String(req.ts);
  const event = JSON.parse(body.toString('utf8')) as JmlEvent;
  return { step: 'deliver', request: req, expected: authenticityAnswer(sent, nowSec(), ctx.limits.toleranceSec, right) ?? acceptance(ctx, event), event };
}

function replaySteps(c: Extract<FuzzCase, { class: 'replay' }>, ctx: RunContext): Step[] {
  const event = buildEvent(c.event, ctx);
  const json = JSON.stringify(event);
  const text = c.first === 'valid' ? json : c.first === 'invalid-json' ? json.slice(0, -1) : JSON.stringify({ ...event, fz_extra: true });
  const body = Buffer.from(text);
  const first = signed(ctx, body);
  const firstExpected: Expected =
    c.first === 'valid' ? acceptance(ctx, event) : c.first === 'invalid-json' ? { status: 400, code: 'invalid-json' } : { status: 400, code: 'invalid-event', issueAt: '' };
  const steps: Step[] = [{ step: 'first', request: first, expected: firstExpected, ...(c.first === 'valid' ? { event } : {}), recorded: firstExpected.status !== 202 }];
  // The first answer, unless it was a 5xx (not remembered: the sender's retry must do the work).
  const replayOfFirst = (earlier: Answer[]): Expected => {
    const a = earlier[0] as Answer;
    if ('error' in a || a.status >= 500) return firstExpected;
    return { ...firstExpected, replayOf: { status: a.status, body: a.body } };
  };
  c.repeats.forEach((r, i) => {
    const again = r === 'same-timestamp' ? { ...first, headers: { ...first.headers } } : signed(ctx, body, { id: first.id, ts: nowSec() });
    steps.push({ step: `repeat ${i + 1} (${r})`, request: again, expected: replayOfFirst });
  });
  if (c.then === 'same-id-other-body') {
    // The same webhook-id with another body is another delivery, handled as new.
    const other = buildEvent(c.other, ctx);
    const otherBody = Buffer.from(JSON.stringify(other));
    // (A shrunk case may make both bodies the same: that is one more replay.)
    const expected = otherBody.equals(body) ? replayOfFirst : () => acceptance(ctx, other);
    steps.push({ step: 'same id, other body', request: signed(ctx, otherBody, { id: first.id }), expected, event: other });
  } else if (c.then === 'same-body-new-id') {
    // Another delivery of the same body: new work, so an accepted event comes back a duplicate at the edge.
    steps.push({ step: 'same body, new id', request: signed(ctx, body), expected: () => (c.first === 'valid' ? acceptance(ctx, event) : firstExpected), recorded: c.first !== 'valid' });
  }
  return steps;
}

async function send(ctx: RunContext, req: Request): Promise<Answer> {
  const headers: Record<string, string> = { ...req.headers };
  if (req.contentType !== null) headers['content-type'] = req.contentType;
  try {
    const res = await fetch(`${ctx.url}/v1/events`, { method: 'POST', headers, body: req.body, signal: AbortSignal.timeout(ctx.timeoutMs) });
    return { status: res.status, body: await res.text(), replay: res.headers.get('jml-replay') === 'true' };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { error: e.cause?.code ?? e.name };
  }
}

/** Whether the gateway answers /healthz and /readyz with 200; the problem when it does not. */
async function health(ctx: RunContext): Promise<string | undefined> {
  for (const path of ['/healthz', '/readyz']) {
    try {
      const res = await fetch(`${ctx.url}${path}`, { signal: AbortSignal.timeout(ctx.timeoutMs) });
      await res.arrayBuffer();
      if (res.status !== 200) return `${path} answered ${res.status}`;
    } catch (err) {
      return `${path} did not answer (${(err as Error).name})`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- the run

const HEALTH_EVERY = 25;

/**
 * Runs `cases` generated cases against the gateway at `url` and checks every answer (see the
 * module comment). Stops at the first failing case, lets fast-check shrink it (within
 * `shrinkBudget` requests), and reports the smallest counterexample found with the seed and path
 * that replay it. Never throws for what the gateway answers; throws only when fast-check cannot run.
 */
export async function fuzzGateway(opts: FuzzOptions): Promise<FuzzReport> {
  const say = opts.say ?? (() => undefined);
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const run = `${seed.toString(36)}-${randomBytes(3).toString('hex')}`;
  const ctx: RunContext = {
    url: opts.url.replace(/\/$/, ''),
    secret: opts.secret,
    limits: { ...DEFAULT_FUZZ_LIMITS, ...opts.limits },
    prefix: `fz-${run}`,
    subjectTenant: `fz-${run}`,
    timeoutMs: opts.answerTimeoutMs ?? 10_000,
    n: 0,
    acceptedKeys: new Set(),
  };
  const report: FuzzReport = { cases: 0, byClass: {}, violations: [], fiveXx: 0, acceptedEvents: 0, seed, webhookIdPrefix: ctx.prefix, subjectPrefix: `fuzz:${ctx.subjectTenant}:`, deadLetters: 0 };
  const shrinkBudget = opts.shrinkBudget ?? 200;
  let failing = false;
  let shrinkRequests = 0;
  let lastFailure: string[] = [];

  const runCase = async (c: FuzzCase): Promise<string[]> => {
    const counting = !failing;
    const answers: Answer[] = [];
    const found: string[] = [];
    for (const step of stepsOf(c, ctx)) {
      if (failing) shrinkRequests += 1;
      const answer = await send(ctx, step.request);
      answers.push(answer);
      const expected = typeof step.expected === 'function' ? step.expected(answers) : step.expected;
      const problems = checkAnswer(expected, answer);
      found.push(...problems.map((p) => `${describeCase(c)} ${step.step}: ${p}`));
      const status = 'error' in answer ? 0 : answer.status;
      if (status >= 500) report.fiveXx += 1;
      if (counting) {
        const stats = (report.byClass[c.class] ??= { sent: 0, byStatus: {} });
        stats.sent += 1;
        stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
        const replayed = !('error' in answer) && answer.replay;
        if (step.recorded && !replayed && problems.length === 0 && RECORDED_CODES.has(expected.code ?? '')) report.deadLetters += 1;
      }
      if (status === 202 && step.event && !('error' in answer) && !answer.replay) {
        const key = `${step.event.subject}/${step.event.id}`;
        if (!ctx.acceptedKeys.has(key)) {
          ctx.acceptedKeys.add(key);
          report.acceptedEvents += 1;
          opts.accepted?.(step.event.id, step.request.headers['webhook-id'] as string, step.event.subject);
        }
      }
    }
    return found;
  };

  const property = fc.asyncProperty(fuzzCase(ctx.limits), async (c) => {
    // Shrinking past its budget: report the smallest case found so far.
    if (failing && shrinkRequests >= shrinkBudget) return true;
    if (!failing) {
      report.cases += 1;
      if (report.cases % HEALTH_EVERY === 0) {
        const sick = await health(ctx);
        if (sick) report.violations.push(`gateway unhealthy after case ${report.cases}: ${sick} (seed ${seed})`);
      }
    }
    const found = await runCase(c);
    if (found.length === 0) return true;
    if (!failing) report.violations.push(...found.map((f) => `${f} (seed ${seed}, case ${report.cases})`));
    failing = true;
    lastFailure = found;
    return false;
  });

  const started = performance.now();
  say(`fuzz: ${opts.cases} cases against ${ctx.url}/v1/events, seed ${seed}`);
  const details = await fc.check(property, { seed, numRuns: opts.cases, ...(opts.path !== undefined ? { path: opts.path } : {}) });
  if (details.failed) {
    const cx = details.counterexample?.[0] as FuzzCase | undefined;
    // No violation recorded: the case threw (the fuzzer's own fault, or fetch's), and that is what to show.
    const what = lastFailure.length > 0 ? lastFailure.join('; ') : `threw ${details.errorInstance instanceof Error ? details.errorInstance.message.slice(0, 200) : 'a non-error'}`;
    report.violations.push(`counterexample after ${details.numShrinks} shrinks: ${cx ? describeCase(cx) : 'unknown'}: ${what}; replay with seed ${seed} path "${details.counterexamplePath ?? ''}"`);
  }
  const sick = await health(ctx);
  if (sick) report.violations.push(`gateway unhealthy after the fuzz: ${sick} (seed ${seed})`);
  const seconds = (performance.now() - started) / 1000;
  for (const [name, s] of Object.entries(report.byClass).sort(([a], [b]) => a.localeCompare(b))) {
    say(`  ${name.padEnd(16)} ${String(s.sent).padStart(5)} sent  ${Object.entries(s.byStatus).map(([st, n]) => `${st}×${n}`).join(' ')}`);
  }
  say(`fuzz: ${report.cases} cases in ${seconds.toFixed(1)} s; ${report.acceptedEvents} events accepted, ${report.deadLetters} dead letters expected, ${report.fiveXx} 5xx, ${report.violations.length} violations`);
  return report;
}
