import { ResultCodeError } from 'ldapts';
import { ConnectorError, isConnectorError, type ConnectorErrorCode } from '../sdk';

/**
 * LDAP result codes (RFC 4511 §4.1.9 and Appendix A) and the SDK error code each maps to. Codes
 * that an operation expects (e.g. noSuchObject on delete) are handled before mapping; reaching
 * the map means the code was not expected where it occurred.
 */
export const LDAP_RESULT = {
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  strongerAuthRequired: 8,
  referral: 10,
  adminLimitExceeded: 11,
  unavailableCriticalExtension: 12,
  confidentialityRequired: 13,
  noSuchAttribute: 16,
  undefinedAttributeType: 17,
  inappropriateMatching: 18,
  constraintViolation: 19,
  attributeOrValueExists: 20,
  invalidAttributeSyntax: 21,
  noSuchObject: 32,
  aliasProblem: 33,
  invalidDNSyntax: 34,
  aliasDereferencingProblem: 36,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  loopDetect: 54,
  namingViolation: 64,
  objectClassViolation: 65,
  notAllowedOnNonLeaf: 66,
  notAllowedOnRDN: 67,
  entryAlreadyExists: 68,
  objectClassModsProhibited: 69,
  affectsMultipleDSAs: 71,
  other: 80,
} as const;
export type LdapResultName = keyof typeof LDAP_RESULT;

const NAME_OF = new Map<number, LdapResultName>(Object.entries(LDAP_RESULT).map(([name, code]) => [code, name as LdapResultName]));

/**
 * Result code → SDK code. Anything not listed (and every transport failure) is `transient`: the
 * server or the network failed in a way a later attempt may not meet, and leavers must keep trying.
 */
const SDK_CODE: Partial<Record<LdapResultName, ConnectorErrorCode>> = {
  // The server is overloaded, shutting down or ran out of time: retry.
  operationsError: 'transient',
  timeLimitExceeded: 'transient',
  adminLimitExceeded: 'transient',
  busy: 'transient',
  unavailable: 'transient',
  loopDetect: 'transient',
  other: 'transient',
  // The bind identity is wrong or lacks rights: ops must fix the secret or the ACLs.
  authMethodNotSupported: 'auth',
  strongerAuthRequired: 'auth',
  confidentialityRequired: 'auth',
  inappropriateAuthentication: 'auth',
  invalidCredentials: 'auth',
  insufficientAccessRights: 'auth',
  // The request does not fit the schema or the tree: a mapping or the configuration must change.
  protocolError: 'invalid-request',
  sizeLimitExceeded: 'invalid-request',
  unavailableCriticalExtension: 'invalid-request',
  noSuchAttribute: 'invalid-request',
  undefinedAttributeType: 'invalid-request',
  inappropriateMatching: 'invalid-request',
  constraintViolation: 'invalid-request',
  invalidAttributeSyntax: 'invalid-request',
  noSuchObject: 'invalid-request',
  aliasProblem: 'invalid-request',
  invalidDNSyntax: 'invalid-request',
  aliasDereferencingProblem: 'invalid-request',
  unwillingToPerform: 'invalid-request',
  namingViolation: 'invalid-request',
  objectClassViolation: 'invalid-request',
  notAllowedOnRDN: 'invalid-request',
  objectClassModsProhibited: 'invalid-request',
  // The directory holds something that contradicts the requested state.
  attributeOrValueExists: 'conflict',
  entryAlreadyExists: 'conflict',
  notAllowedOnNonLeaf: 'conflict',
  // We do not chase referrals or write across servers.
  referral: 'not-supported',
  affectsMultipleDSAs: 'not-supported',
};

/** The LDAP result code carried by an ldapts error or by a ConnectorError we mapped, if any. */
export function resultCodeOf(err: unknown): number | undefined {
  if (err instanceof ResultCodeError) return err.code;
  if (isConnectorError(err) && err.context.ldapResultCode !== undefined) return Number(err.context.ldapResultCode);
  return undefined;
}

/** True when `err` is the LDAP result `name` (before or after mapping). */
export function isLdapResult(err: unknown, name: LdapResultName): boolean {
  return resultCodeOf(err) === LDAP_RESULT[name];
}

/** The SDK code for an LDAP result code. */
export function sdkCodeFor(resultCode: number): ConnectorErrorCode {
  const name = NAME_OF.get(resultCode);
  return (name && SDK_CODE[name]) ?? 'transient';
}

/**
 * Operations that give an entry a new DN. OpenLDAP's back-mdb refuses a DN whose RDN does not fit
 * its DN index (keys of at most 511 bytes, which leaves about 240 bytes of UTF-8 for a uid or cn
 * value) with result `other` (80) and **no diagnostic**. Retrying cannot help, and a joiner retried
 * for minutes and then rolled back tells nobody why; so on these operations that exact answer is
 * `invalid-request` with the likely cause. An `other` with the server's own diagnostic ("entry store
 * failed", "internal error"), or on any other operation, stays `transient`.
 */
const NAMING_OPERATIONS: ReadonlySet<string> = new Set(['add', 'modifyDN']);

const NAMING_VALUE_TOO_LONG =
  'the directory refused the entry\'s name without a diagnostic, which OpenLDAP (back-mdb) does for a naming value (uid, cn) longer than about 240 bytes of UTF-8; ' +
  'bound it in the mapping (e.g. truncateBytes, docs/attribute-mapping.md) or shorten it in HR';

/**
 * Maps whatever an LDAP call threw to a ConnectorError. Connector errors pass through; an abort
 * (the activity was cancelled) is rethrown untouched so that it is not retried as a failure.
 * Messages carry the operation and the server's diagnostic, never DNs, values or credentials.
 */
export function toConnectorError(err: unknown, operation: string): unknown {
  if (isConnectorError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  if (err instanceof ResultCodeError) {
    const name = NAME_OF.get(err.code) ?? 'unknown';
    // ldapts appends " Code: 0x…" to the server's diagnostic message; keep only the diagnostic.
    const diagnostic = err.message.replace(/\s*Code: 0x[0-9a-f]+$/i, '').trim();
    const nameTooLong = err.code === LDAP_RESULT.other && diagnostic === '' && NAMING_OPERATIONS.has(operation);
    const code = nameTooLong ? 'invalid-request' : sdkCodeFor(err.code);
    const explanation = nameTooLong ? NAMING_VALUE_TOO_LONG : diagnostic;
    return new ConnectorError({
      code,
      message: `LDAP ${operation} failed: ${name} (${err.code})${explanation ? `: ${explanation}` : ''}`,
      status: err.code,
      cause: err,
      context: { operation, ldapResultCode: err.code, ldapResultName: name },
    });
  }
  // Socket errors (ECONNREFUSED, resets), ldapts timeouts ("Operation timed out", "Connection
  // timeout") and closed connections: the server may be back on the next attempt.
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const sysCode = (err as NodeJS.ErrnoException | undefined)?.code;
  return new ConnectorError({
    code: 'transient',
    message: `LDAP ${operation} failed: ${message}`,
    cause: err,
    context: { operation, ...(typeof sysCode === 'string' ? { errno: sysCode } : {}) },
  });
}
