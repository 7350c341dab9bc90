import { describe, expect, it } from 'vitest';
import { codedErrorClass, isCodedError } from './coded-error';

const CODES = { flaky: { retryable: true }, broken: { retryable: false } } as const;
class DemoError extends codedErrorClass('DemoError', CODES) {}
class OtherError extends codedErrorClass('OtherError', CODES) {}

describe('codedErrorClass', () => {
  it('takes retryable from the code table unless the error overrides it', () => {
    expect(new DemoError({ code: 'flaky', message: 'm' }).retryable).toBe(true);
    expect(new DemoError({ code: 'broken', message: 'm' }).retryable).toBe(false);
    expect(new DemoError({ code: 'flaky', message: 'm', retryable: false }).retryable).toBe(false);
  });

  it('carries code, message, cause, status, retry-after and context, named by its family', () => {
    const cause = new Error('root');
    const err = new DemoError({ code: 'flaky', message: 'it broke', cause, status: 503, retryAfterMs: 2_000, context: { op: 'get', attempt: 2, final: false } });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(DemoError);
    expect({ name: err.name, code: err.code, message: err.message, cause: err.cause, status: err.status, retryAfterMs: err.retryAfterMs, context: err.context }).toEqual({
      name: 'DemoError',
      code: 'flaky',
      message: 'it broke',
      cause,
      status: 503,
      retryAfterMs: 2_000,
      context: { op: 'get', attempt: 2, final: false },
    });
  });

  it('defaults context to an empty object and leaves status and retry-after unset', () => {
    const err = new DemoError({ code: 'broken', message: 'm' });
    expect([err.context, err.status, err.retryAfterMs, err.cause]).toEqual([{}, undefined, undefined, undefined]);
  });

  it('exposes the family code table', () => {
    expect(DemoError.codes).toBe(CODES);
  });
});

describe('isCodedError', () => {
  it('with a family name > checks the name and a string code, not the class', () => {
    expect(isCodedError(new DemoError({ code: 'flaky', message: 'm' }), 'DemoError')).toBe(true);
    expect(isCodedError(new OtherError({ code: 'flaky', message: 'm' }), 'DemoError')).toBe(false);
    // A copy of the family from another module copy (or an older build) is an Error with that name and a code.
    const copy = Object.assign(new Error('m'), { name: 'DemoError', code: 'flaky' });
    expect(isCodedError(copy, 'DemoError')).toBe(true);
    expect(isCodedError(Object.assign(new Error('m'), { name: 'DemoError' }), 'DemoError')).toBe(false);
    expect(isCodedError({ name: 'DemoError', code: 'flaky', message: 'm' }, 'DemoError')).toBe(false);
  });

  it('without a name > any error of any family, by its brand', () => {
    expect(isCodedError(new DemoError({ code: 'flaky', message: 'm' }))).toBe(true);
    expect(isCodedError(new OtherError({ code: 'broken', message: 'm' }))).toBe(true);
    expect(isCodedError(Object.assign(new Error('m'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isCodedError(new Error('m'))).toBe(false);
    expect(isCodedError(undefined)).toBe(false);
  });
});
