import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKDAY_TOLERANCE_SEC, signWorkday, verifyWorkdaySignature, type VerifyWorkdayRequest } from './signature';

// Vectors computed independently with OpenSSL 3.0:
//   printf '%s.%s' "$TIMESTAMP" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"
const SECRET = 'wd_shared_7f3a9c1e5b';
const OLD_SECRET = 'wd_shared_old_0000';
const TS = 1_770_743_700; // 2026-02-10T17:15:00Z
const NOW_MS = TS * 1000;
const HIRE =
  '{"Contract_Version":"1","Business_Process_Type":"Hire Employee","Event_WID":"3aa5550b7fe348b98d7b5741afc65534","Effective_Date":"2026-03-02","Entry_Moment":"2026-02-10T09:15:00.000-08:00","Worker":{"Worker_ID":"21001","Worker_Type":"Employee","Legal_First_Name":"Ada","Legal_Last_Name":"Lovelace"}}';
const VECTORS = [
  { name: 'contract event', secret: SECRET, body: HIRE, hex: 'c2a232a201c225514d72fb0e117dc5c85f4a44428266f17cd296de32fa02099a' },
  { name: 'multi-byte UTF-8 body', secret: SECRET, body: '{"Worker":{"Legal_First_Name":"Zoë","Legal_Last_Name":"Ñúñez"}}', hex: 'bb475db2983b5d590298ad6b6f211b1f1760e048b00b76481b104073ecaf0e4e' },
  { name: 'empty body', secret: SECRET, body: '', hex: 'c166d2c1bd50ff68071168e57a81f8218ec6dca8e58cfc01c90ab0cdf1378e4f' },
  { name: 'another secret', secret: OLD_SECRET, body: HIRE, hex: '6d559eeed6e619fbfff0f2c25a2c9bf24a34421e20b9379144113bca83a01de4' },
] as const;

function verify(over: Partial<VerifyWorkdayRequest> = {}) {
  return verifyWorkdaySignature({ secret: SECRET, timestamp: String(TS), signature: `sha256=${VECTORS[0].hex}`, body: Buffer.from(HIRE, 'utf8'), nowMs: NOW_MS, ...over });
}

describe('signWorkday', () => {
  it.each(VECTORS)('matches the OpenSSL vector: $name', ({ secret, body, hex }) => {
    expect(signWorkday({ secret, body: Buffer.from(body, 'utf8'), timestampSec: TS })).toEqual({ 'x-jml-timestamp': String(TS), 'x-jml-signature': `sha256=${hex}` });
  });

  it('signs text and bytes alike', () => {
    expect(signWorkday({ secret: SECRET, body: HIRE, timestampSec: TS })['x-jml-signature']).toBe(`sha256=${VECTORS[0].hex}`);
  });

  it('puts the timestamp and a dot before the body', () => {
    // "<ts>." with an empty body is the empty-body vector; the body alone is something else.
    expect(signWorkday({ secret: SECRET, body: '', timestampSec: TS })['x-jml-signature']).toBe(`sha256=${VECTORS[2].hex}`);
    expect(signWorkday({ secret: SECRET, body: HIRE, timestampSec: TS + 1 })['x-jml-signature']).not.toBe(`sha256=${VECTORS[0].hex}`);
  });

  it('refuses a timestamp that is not whole epoch seconds', () => {
    expect(() => signWorkday({ secret: SECRET, body: '', timestampSec: 1.5 })).toThrow(RangeError);
    expect(() => signWorkday({ secret: SECRET, body: '', timestampSec: -1 })).toThrow(RangeError);
  });
});

describe('verifyWorkdaySignature', () => {
  it.each(VECTORS)('accepts the authentic post: $name', ({ secret, body, hex }) => {
    expect(verifyWorkdaySignature({ secret, timestamp: String(TS), signature: `sha256=${hex}`, body: Buffer.from(body, 'utf8'), nowMs: NOW_MS })).toBeUndefined();
  });

  it('accepts any of several secrets during a rotation, and only those', () => {
    const old = `sha256=${VECTORS[3].hex}`;
    expect(verify({ secret: [SECRET, OLD_SECRET], signature: old })).toBeUndefined();
    expect(verify({ secret: [SECRET], signature: old })).toBe('signature-invalid');
    expect(verify({ secret: [], signature: old })).toBe('signature-invalid');
  });

  it('accepts an uppercase scheme or hex and surrounding whitespace', () => {
    expect(verify({ signature: ` SHA256=${VECTORS[0].hex.toUpperCase()} ` })).toBeUndefined();
    expect(verify({ timestamp: ` ${TS} ` })).toBeUndefined();
  });

  it('reports a missing header as signature-missing', () => {
    expect(verify({ signature: undefined })).toBe('signature-missing');
    expect(verify({ timestamp: undefined })).toBe('signature-missing');
    expect(verify({ signature: '' })).toBe('signature-missing');
  });

  it('reports a timestamp that is not epoch seconds as timestamp-invalid', () => {
    for (const timestamp of ['2026-02-10T17:15:00Z', '1770743700.5', '-1770743700', '1770743700000000', 'abc']) {
      expect(verify({ timestamp }), timestamp).toBe('timestamp-invalid');
    }
  });

  it('accepts up to five minutes of skew either way, not a second more', () => {
    expect(DEFAULT_WORKDAY_TOLERANCE_SEC).toBe(300);
    expect(verify({ nowMs: NOW_MS + 300_000 })).toBeUndefined();
    expect(verify({ nowMs: NOW_MS - 300_000 })).toBeUndefined();
    expect(verify({ nowMs: NOW_MS + 301_000 })).toBe('timestamp-out-of-window');
    expect(verify({ nowMs: NOW_MS - 301_000 })).toBe('timestamp-out-of-window');
    expect(verify({ nowMs: NOW_MS + 301_000, toleranceSec: 600 })).toBeUndefined();
  });

  it('checks the window before the MAC, so a stale replay is reported as stale', () => {
    expect(verify({ nowMs: NOW_MS + 3_600_000, signature: 'sha256=00' })).toBe('timestamp-out-of-window');
  });

  it('rejects a changed body, timestamp or secret', () => {
    expect(verify({ body: Buffer.from(HIRE.replace('21001', '21002'), 'utf8') })).toBe('signature-invalid');
    expect(verify({ timestamp: String(TS + 1) })).toBe('signature-invalid');
    expect(verify({ secret: 'wrong' })).toBe('signature-invalid');
  });

  it('rejects a signature in another scheme or shape', () => {
    expect(verify({ signature: VECTORS[0].hex })).toBe('signature-invalid');
    expect(verify({ signature: `sha1=${VECTORS[0].hex}` })).toBe('signature-invalid');
    expect(verify({ signature: `sha256=${VECTORS[0].hex.slice(2)}` })).toBe('signature-invalid');
    expect(verify({ signature: `sha256=${Buffer.from(VECTORS[0].hex, 'hex').toString('base64')}` })).toBe('signature-invalid');
  });

  it('verifies the raw bytes, so re-serialised JSON does not pass', () => {
    const reserialised = JSON.stringify(JSON.parse(HIRE), null, 2);
    expect(verify({ body: Buffer.from(reserialised, 'utf8') })).toBe('signature-invalid');
  });
});
