import { describe, expect, it } from 'vitest';
import { describeSourceApiErrorCodes, isSourceApiError, namedSourceApiError, SOURCE_API_ERROR_CODES, SourceApiError, type SourceApiErrorCode } from './api-error';

class AcmeApiError extends namedSourceApiError('AcmeApiError') {}

describe('SourceApiError', () => {
  it('takes retryable from its code unless told otherwise, and keeps cause, status and context', () => {
    const cause = new Error('socket hang up');
    const err = new AcmeApiError({ code: 'transient', message: 'm', status: 502, cause, context: { operation: 'get', attempt: 2 } });
    expect(err).toMatchObject({ name: 'AcmeApiError', code: 'transient', retryable: true, status: 502, context: { operation: 'get', attempt: 2 } });
    expect(err.cause).toBe(cause);
    expect(new AcmeApiError({ code: 'auth', message: 'm' })).toMatchObject({ retryable: false, context: {} });
    expect(new AcmeApiError({ code: 'transient', message: 'm', retryable: false }).retryable).toBe(false);
  });

  it('names every instance after its adapter, and stays a SourceApiError and an Error', () => {
    const err = new AcmeApiError({ code: 'auth', message: 'no' });
    expect([err.name, String(err), err instanceof SourceApiError, err instanceof Error]).toEqual(['AcmeApiError', 'AcmeApiError: no', true, true]);
  });

  it('is recognised by name and code, not by instanceof alone', () => {
    expect(isSourceApiError(new AcmeApiError({ code: 'auth', message: 'm' }), 'AcmeApiError')).toBe(true);
    expect(isSourceApiError(new AcmeApiError({ code: 'auth', message: 'm' }), 'OtherApiError')).toBe(false);
    expect(isSourceApiError(Object.assign(new Error('m'), { name: 'AcmeApiError', code: 'auth' }), 'AcmeApiError')).toBe(true);
    expect(isSourceApiError(Object.assign(new Error('m'), { code: 'ECONNRESET' }), 'AcmeApiError')).toBe(false);
    expect(isSourceApiError({ name: 'AcmeApiError', code: 'auth' }, 'AcmeApiError')).toBe(false);
  });
});

describe('describeSourceApiErrorCodes', () => {
  it('classes transient and rate-limited as retryable, the rest as permanent', () => {
    expect(Object.entries(SOURCE_API_ERROR_CODES).filter(([, d]) => d.retryable).map(([c]) => c)).toEqual(['transient', 'rate-limited']);
  });

  it('keeps the shared order, takes the adapter’s summaries and fills the rest in the vendor’s name', () => {
    const table = describeSourceApiErrorCodes({ vendor: 'Acme', summaries: { 'not-found': 'No such widget (404).' } });
    expect(Object.keys(table)).toEqual(Object.keys(SOURCE_API_ERROR_CODES) as SourceApiErrorCode[]);
    expect(table['not-found']).toEqual({ retryable: false, summary: 'No such widget (404).' });
    expect(table['rate-limited']).toEqual({ retryable: true, summary: 'Acme asked us to slow down (429, or 503 with Retry-After); `retryAfterMs` says when.' });
    for (const d of Object.values(table)) expect(d.summary).not.toBe('');
    expect(Object.isFrozen(table)).toBe(true);
  });
});
