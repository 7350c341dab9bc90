import { describe, expect, it } from 'vitest';
import { isCodedError } from '../../schemas/coded-error';
import { CONNECTOR_ERROR_CODES, ConnectorError, isConnectorError, type ConnectorErrorCode, type ConnectorErrorOptions } from './index';

describe('ConnectorError (the SDK surface connector authors use)', () => {
  it('is constructed from options and defaults retryable from the documented code table', () => {
    for (const code of Object.keys(CONNECTOR_ERROR_CODES) as ConnectorErrorCode[]) {
      const opts: ConnectorErrorOptions = { code, message: `failed: ${code}` };
      const err = new ConnectorError(opts);
      expect([err.name, err.code, err.retryable], code).toEqual(['ConnectorError', code, CONNECTOR_ERROR_CODES[code].retryable]);
    }
  });

  it('keeps status, retry-after and context, and is found by isConnectorError and as a coded error', () => {
    const err = new ConnectorError({ code: 'rate-limited', message: 'slow down', status: 429, retryAfterMs: 7_000, context: { method: 'POST' } });
    expect([err.status, err.retryAfterMs, err.context]).toEqual([429, 7_000, { method: 'POST' }]);
    expect(isConnectorError(err)).toBe(true);
    expect(isCodedError(err)).toBe(true);
    expect(isConnectorError(Object.assign(new Error('m'), { name: 'PollerError', code: 'transient' }))).toBe(false);
  });

  it('can still be subclassed by a connector', () => {
    class LdapBusy extends ConnectorError {
      constructor() {
        super({ code: 'transient', message: 'busy', status: 51 });
      }
    }
    const err = new LdapBusy();
    expect([err instanceof ConnectorError, isConnectorError(err), err.retryable]).toEqual([true, true, true]);
  });
});
