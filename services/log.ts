import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

/**
 * Log lines never carry personal data or secrets. Code logs ids (event id, person key, app id) by
 * habit; these rules catch what slips through when a whole object is logged: an event, a snapshot,
 * a plan, a connector request or response, an error that quotes an app's answer.
 */

/** Keys whose value is personal data (or may hold it) wherever they appear: the whole value goes. */
const PERSONAL_KEYS = [
  // JmlEvent v1 (schemas/jml-event.v1.ts): `data.person`, `data.previous`, the names and email of a snapshot.
  'person',
  'previous',
  'snapshot',
  'snapshots',
  'givenName',
  'familyName',
  'preferredName',
  'displayName',
  'workEmail',
  'email',
  'emails',
  'userName',
  // Plans and steps (schemas/contracts/event-plan.ts): mapped attribute values, what an update or delete replaced.
  'attributes',
  'before',
  'after',
  // The app's own id of an account: an LDAP DN is often built from the name.
  'externalRef',
  'dn',
  // Bodies of HTTP requests and answers (connectors, HR APIs), raw deliveries, Workday RaaS rows.
  'body',
  'rawBody',
  'requestBody',
  'responseBody',
  'rows',
  'fields',
];

/** Keys that hold secrets. */
const SECRET_KEYS = ['secret', 'secrets', 'password', 'token', 'authorization', 'cookie', 'apiKey', 'webhookKey', 'bindPassword', 'bearerToken'];

const REDACTED_KEYS = new Set([...PERSONAL_KEYS, ...SECRET_KEYS]);
const CENSOR = '[redacted]';

/**
 * pino's own `redact` for the paths a secret usually sits at. It costs per configured path on every
 * line: covering each key above at six depths (231 wildcard paths) took about 150 µs per line
 * against 6 µs, so keys at any depth are removed by {@link redactDeep} instead (one walk per line).
 */
export const REDACT_PATHS: readonly string[] = ['authorization', 'headers.authorization', 'headers.cookie', 'secret', 'secrets', 'password', 'token'];

/**
 * A copy of `value` with the value of every personal or secret key replaced, at any depth (up to
 * 10 levels, where anything deeper is replaced too). Walks plain objects and arrays; errors are
 * left to their serializer ({@link safeError}), other class instances are left alone.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 10) return CENSOR;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = REDACTED_KEYS.has(k) ? CENSOR : redactDeep(v, depth + 1);
  return out;
}

/**
 * Errors are logged by their kind, never by what they quote: a coded error (schemas/coded-error.ts)
 * or a Temporal failure keeps its type, code, retryability, status and context (safe facts by
 * contract) and loses its message and the first line of its stack, which may quote an app's answer
 * ("user ada.lovelace@… already exists"). Plain errors (a bug, a refused connection) keep both.
 * Causes are logged the same way.
 */
export function safeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown; retryable?: unknown; status?: unknown; context?: unknown; type?: unknown; failure?: unknown };
  const quotes = typeof e.code === 'string' || 'failure' in e || /Failure$/.test(e.name);
  const serialized = stdSerializers.err(err) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: serialized.type };
  for (const k of ['code', 'retryable', 'status', 'context', 'nonRetryable'] as const) if (serialized[k] !== undefined) out[k] = serialized[k];
  if (typeof e.type === 'string') out.failureType = e.type;
  out.message = quotes ? CENSOR : err.message;
  out.stack = quotes ? (err.stack ?? '').split('\n').slice(1).join('\n') : err.stack;
  if (err.cause !== undefined && depth < 4) out.cause = safeError(err.cause, depth + 1);
  return out;
}

/** The services' logger; `destination` (stdout by default) lets tests read what it writes. */
export function createLogger(opts: { level: string; name: string; destination?: DestinationStream }): Logger {
  const options = {
    name: opts.name,
    level: opts.level,
    redact: { paths: [...REDACT_PATHS], censor: CENSOR },
    // Every line's own fields go through the deep walk (bound fields of child loggers: below).
    formatters: { log: (o: Record<string, unknown>) => redactDeep(o) as Record<string, unknown> },
    // `error` too: the Temporal SDK logs an activity's failure as `{ error }`.
    serializers: { err: safeError, error: safeError },
  };
  const logger = opts.destination ? pino(options, opts.destination) : pino(options);
  // pino gives child loggers' bindings no formatter of ours, so the walk runs where they are made;
  // children inherit this `child` from the root (pino makes them with Object.create).
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redactDeep(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
