import {
  AlreadyExistsError,
  BusyError,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  InvalidSyntaxError,
  UnavailableError,
  UnknownStatusCodeError,
  type ResultCodeError,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { ConnectorError, isConnectorError } from '../sdk';
import { isLdapResult, LDAP_RESULT, sdkCodeFor, toConnectorError } from './errors';

function mapped(err: unknown): ConnectorError {
  const out = toConnectorError(err, 'modify');
  if (!isConnectorError(out)) throw new Error('expected a ConnectorError');
  return out;
}

describe('LDAP result code mapping', () => {
  it.each([
    ['busy', new BusyError('server busy'), 'transient', true],
    ['unavailable', new UnavailableError('shutting down'), 'transient', true],
    ['invalidCredentials', new InvalidCredentialsError('invalid credentials'), 'auth', false],
    ['insufficientAccessRights', new InsufficientAccessError('no write access'), 'auth', false],
    ['constraintViolation', new ConstraintViolationError('single-valued'), 'invalid-request', false],
    ['invalidAttributeSyntax', new InvalidSyntaxError('mail: value #0 invalid per syntax'), 'invalid-request', false],
    ['entryAlreadyExists', new AlreadyExistsError('Already exists'), 'conflict', false],
  ])('maps > %s', (_name, err, code, retryable) => {
    const out = mapped(err);
    expect(out.code).toBe(code);
    expect(out.retryable).toBe(retryable);
    expect(out.status).toBe((err as ResultCodeError).code);
    expect(out.cause).toBe(err);
  });

  it('keeps the diagnostic > and drops ldapts\' " Code: 0x…" suffix', () => {
    const out = mapped(new InvalidSyntaxError('mail: value #0 invalid per syntax'));
    expect(out.message).toBe('LDAP modify failed: invalidAttributeSyntax (21): mail: value #0 invalid per syntax');
    expect(out.context).toEqual({ operation: 'modify', ldapResultCode: 21, ldapResultName: 'invalidAttributeSyntax' });
  });

  it('treats unknown result codes and transport failures as transient', () => {
    expect(mapped(new UnknownStatusCodeError(118, 'canceled')).code).toBe('transient');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:389'), { code: 'ECONNREFUSED' });
    expect(mapped(refused)).toMatchObject({ code: 'transient', retryable: true, context: { operation: 'modify', errno: 'ECONNREFUSED' } });
    expect(mapped(new Error('SearchRequest: Operation timed out')).code).toBe('transient');
  });

  it('maps > other (80) without a diagnostic on add or modifyDN to invalid-request naming the likely cause (a naming value too long)', () => {
    for (const operation of ['add', 'modifyDN']) {
      const out = toConnectorError(new UnknownStatusCodeError(80, ''), operation) as ConnectorError;
      expect(out).toMatchObject({ code: 'invalid-request', retryable: false, status: 80, context: { operation, ldapResultCode: 80, ldapResultName: 'other' } });
      expect(out.message).toMatch(/naming value .*uid.*cn.*240 bytes.*truncateBytes/);
    }
    // Elsewhere, or with the server's own diagnostic, it stays a transient server failure.
    expect(mapped(new UnknownStatusCodeError(80, '')).code).toBe('transient');
    expect((toConnectorError(new UnknownStatusCodeError(80, 'entry store failed'), 'add') as ConnectorError).code).toBe('transient');
  });

  it('passes through > connector errors and aborts', () => {
    const own = new ConnectorError({ code: 'conflict', message: 'x' });
    expect(toConnectorError(own, 'add')).toBe(own);
    const abort = new DOMException('aborted', 'AbortError');
    expect(toConnectorError(abort, 'add')).toBe(abort);
  });

  it('recognises result codes > before and after mapping', () => {
    const raw = new AlreadyExistsError('x');
    expect(isLdapResult(raw, 'entryAlreadyExists')).toBe(true);
    expect(isLdapResult(mapped(raw), 'entryAlreadyExists')).toBe(true);
    expect(isLdapResult(mapped(raw), 'noSuchObject')).toBe(false);
    expect(isLdapResult(new Error('x'), 'noSuchObject')).toBe(false);
  });

  it('covers every named result code > each has an SDK code', () => {
    for (const code of Object.values(LDAP_RESULT)) expect(['transient', 'auth', 'invalid-request', 'conflict', 'not-supported']).toContain(sdkCodeFor(code));
    expect(sdkCodeFor(LDAP_RESULT.referral)).toBe('not-supported');
    expect(sdkCodeFor(LDAP_RESULT.notAllowedOnNonLeaf)).toBe('conflict');
  });
});
