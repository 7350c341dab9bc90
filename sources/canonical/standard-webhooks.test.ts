import { describe, expect, it } from 'vitest';
import { checkStandardWebhook, signStandardWebhook, verifyStandardWebhook } from './standard-webhooks';

// Vector computed independently with Python's hmac module over `msg_2Kx9.1795400000.{"hello":"world"}`.
const SECRET = 'whsec_c2VjcmV0LWtleS1mb3ItdmVjdG9yLXRlc3Q=';
const BODY = Buffer.from('{"hello":"world"}');
const EXPECTED = 'v1,Npd7dmRhfzdtblApGNmpysGlNjWogHBHaxUedxOqsNk=';
const now = { nowMs: 1_795_400_000_000 + 30_000, toleranceSec: 300 };

describe('standard webhooks', () => {
  it('signs > matches an independently computed vector', () => {
    expect(signStandardWebhook(SECRET, 'msg_2Kx9', 1_795_400_000, BODY)).toBe(EXPECTED);
  });

  it('verifies > accepts the vector, also among several signatures', () => {
    const headers = { id: 'msg_2Kx9', timestamp: '1795400000' };
    expect(verifyStandardWebhook(SECRET, { ...headers, signature: EXPECTED }, BODY, now)).toBeUndefined();
    expect(verifyStandardWebhook(SECRET, { ...headers, signature: `v1,AAAA ${EXPECTED}` }, BODY, now)).toBeUndefined();
  });

  it('verifies > rejects a changed body, id or secret', () => {
    const headers = { id: 'msg_2Kx9', timestamp: '1795400000', signature: EXPECTED };
    expect(verifyStandardWebhook(SECRET, headers, Buffer.from('{"hello":"World"}'), now)).toBe('signature-invalid');
    expect(verifyStandardWebhook(SECRET, { ...headers, id: 'msg_2Kx8' }, BODY, now)).toBe('signature-invalid');
    expect(verifyStandardWebhook('whsec_b3RoZXI=', headers, BODY, now)).toBe('signature-invalid');
    expect(verifyStandardWebhook(SECRET, { ...headers, signature: 'v2,' + EXPECTED.slice(3) }, BODY, now)).toBe('signature-invalid');
  });

  it('verifies > rejects missing headers and timestamps outside the window', () => {
    expect(verifyStandardWebhook(SECRET, { id: 'msg_2Kx9', timestamp: '1795400000' }, BODY, now)).toBe('signature-missing');
    expect(verifyStandardWebhook(SECRET, { id: 'a', timestamp: '2026-11-23T00:00:00Z', signature: EXPECTED }, BODY, now)).toBe('timestamp-invalid');
    const late = { nowMs: 1_795_400_000_000 + 301_000, toleranceSec: 300 };
    expect(verifyStandardWebhook(SECRET, { id: 'msg_2Kx9', timestamp: '1795400000', signature: EXPECTED }, BODY, late)).toBe('timestamp-out-of-window');
  });
});

describe('standard webhooks with several keys', () => {
  const OTHER = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
  const headers = { id: 'msg_2Kx9', timestamp: '1795400000' };

  it('rotation > any configured key verifies, and the check names every key that signed', () => {
    expect(checkStandardWebhook([OTHER, SECRET], { ...headers, signature: EXPECTED }, BODY, now)).toEqual({ matched: [1] });
    const both = `${signStandardWebhook(OTHER, 'msg_2Kx9', 1_795_400_000, BODY)} ${EXPECTED}`;
    expect(checkStandardWebhook([OTHER, SECRET], { ...headers, signature: both }, BODY, now)).toEqual({ matched: [0, 1] });
    expect(verifyStandardWebhook([OTHER, SECRET], { ...headers, signature: EXPECTED }, BODY, now)).toBeUndefined();
  });

  it('rotation > no key, or none that signed, fails as a wrong signature does', () => {
    expect(checkStandardWebhook([], { ...headers, signature: EXPECTED }, BODY, now)).toEqual({ failure: 'signature-invalid' });
    expect(checkStandardWebhook([OTHER], { ...headers, signature: EXPECTED }, BODY, now)).toEqual({ failure: 'signature-invalid' });
  });
});
