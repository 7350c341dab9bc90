import { describe, expect, it } from 'vitest';
import { parseBambooHrTimestamp, signBambooHr, verifyBambooHrSignature } from './signature';

// Vectors computed independently with OpenSSL 3.0, e.g.
//   printf '%s%s' "$BODY" "$TIMESTAMP" | openssl dgst -sha256 -hmac "$KEY"
const KEY = 'bhr_priv_9f8e7d6c5b4a';
const EPOCH = '1769884920'; // 2026-01-31T18:42:00Z
const NOW_MS = 1_769_884_920_000;
const VECTORS = [
  {
    name: 'event-based JSON, epoch-seconds timestamp',
    body: '{"type":"employee.updated","timestamp":"2026-01-31T18:42:00+0000","data":{"companyId":"12345","employeeId":"4101","changedFields":["jobTitle"]}}',
    timestamp: EPOCH,
    signature: 'ec1a73097285e47334d1d2d853f8bed661f49f7f9152820237198a149f8ae4d3',
  },
  {
    name: 'form-encoded body, ISO-8601 timestamp without colon in the offset',
    body: 'type=employee.deleted&timestamp=2026-01-31T18%3A42%3A00%2B0000&data%5BcompanyId%5D=12345&data%5BemployeeId%5D=4102',
    timestamp: '2026-01-31T18:42:00+0000',
    signature: 'cc420d81a6f5537452f82d286673a8f4b107b77ed988861340846a0d302ea8dc',
  },
  {
    name: 'field-based JSON with a multi-byte UTF-8 character',
    body: '{"employees":[{"id":"4103","action":"Updated","changedFields":["First Name"],"fields":{"First Name":"Zoë"}}]}',
    timestamp: EPOCH,
    signature: '9b655bc5b4bd22b37bd7beb6416a54c6f1d8388b7a59554d25ed669c0d19a4fa',
  },
  { name: 'empty body', body: '', timestamp: EPOCH, signature: '42ec3081b34ae957f256d41a065b1d93fef6c9c77cfc4f0bf6df78b1f657bc51' },
] as const;

function verify(over: Partial<Parameters<typeof verifyBambooHrSignature>[0]> = {}) {
  const v = VECTORS[0];
  return verifyBambooHrSignature({ privateKey: KEY, signature: v.signature, timestamp: v.timestamp, body: Buffer.from(v.body), nowMs: NOW_MS, ...over });
}

describe('signBambooHr', () => {
  it.each(VECTORS)('matches the OpenSSL vector: $name', ({ body, timestamp, signature }) => {
    expect(signBambooHr({ privateKey: KEY, body: Buffer.from(body, 'utf8'), timestamp })).toBe(signature);
  });

  it('signs the concatenation of body and timestamp, not the body alone', () => {
    // One byte string is signed: moving the timestamp into the body gives the same MAC.
    expect(signBambooHr({ privateKey: KEY, body: '', timestamp: EPOCH })).toBe(VECTORS[3].signature);
    expect(signBambooHr({ privateKey: KEY, body: EPOCH, timestamp: '' })).toBe(VECTORS[3].signature);
    expect(signBambooHr({ privateKey: KEY, body: VECTORS[0].body, timestamp: '' })).not.toBe(VECTORS[0].signature);
  });
});

describe('verifyBambooHrSignature', () => {
  it.each(VECTORS)('accepts the authentic delivery: $name', ({ body, timestamp, signature }) => {
    expect(verifyBambooHrSignature({ privateKey: KEY, signature, timestamp, body: Buffer.from(body, 'utf8'), nowMs: NOW_MS })).toBeUndefined();
  });

  it('accepts an uppercase hex signature and surrounding whitespace', () => {
    expect(verify({ signature: ` ${VECTORS[0].signature.toUpperCase()} ` })).toBeUndefined();
  });

  it('reports a missing signature or timestamp header', () => {
    expect(verify({ signature: undefined })).toBe('signature-missing');
    expect(verify({ timestamp: undefined })).toBe('signature-missing');
    expect(verify({ signature: '' })).toBe('signature-missing');
  });

  it('reports a timestamp that is neither epoch seconds nor ISO-8601 with an offset', () => {
    expect(verify({ timestamp: 'yesterday' })).toBe('timestamp-invalid');
    expect(verify({ timestamp: '2026-01-31T18:42:00' })).toBe('timestamp-invalid');
    expect(verify({ timestamp: '1769884920000000' })).toBe('timestamp-invalid');
  });

  it('rejects deliveries outside the replay window, in either direction', () => {
    expect(verify({ nowMs: NOW_MS + 300_000 })).toBeUndefined();
    expect(verify({ nowMs: NOW_MS + 300_001 })).toBe('timestamp-out-of-window');
    expect(verify({ nowMs: NOW_MS - 300_001 })).toBe('timestamp-out-of-window');
    expect(verify({ nowMs: NOW_MS + 60_000, toleranceSec: 30 })).toBe('timestamp-out-of-window');
  });

  it('checks the window on ISO-8601 timestamps too', () => {
    const v = VECTORS[1];
    const base = { privateKey: KEY, signature: v.signature, timestamp: v.timestamp, body: Buffer.from(v.body) };
    expect(verifyBambooHrSignature({ ...base, nowMs: NOW_MS + 299_000 })).toBeUndefined();
    expect(verifyBambooHrSignature({ ...base, nowMs: NOW_MS + 301_000 })).toBe('timestamp-out-of-window');
  });

  it('rejects a tampered body, a wrong key, a swapped timestamp and malformed hex', () => {
    expect(verify({ body: Buffer.from(VECTORS[0].body.replace('jobTitle', 'department')) })).toBe('signature-invalid');
    expect(verify({ privateKey: `${KEY}x` })).toBe('signature-invalid');
    expect(verify({ timestamp: '1769884921' })).toBe('signature-invalid');
    expect(verify({ signature: VECTORS[0].signature.slice(0, 63) })).toBe('signature-invalid');
    expect(verify({ signature: `${VECTORS[0].signature.slice(0, 63)}g` })).toBe('signature-invalid');
    expect(verify({ signature: `sha256=${VECTORS[0].signature}` })).toBe('signature-invalid');
  });
});

describe('parseBambooHrTimestamp', () => {
  it('reads epoch seconds and ISO-8601 instants to the same moment', () => {
    expect(parseBambooHrTimestamp('1769884920')).toBe(NOW_MS);
    expect(parseBambooHrTimestamp('2026-01-31T18:42:00+0000')).toBe(NOW_MS);
    expect(parseBambooHrTimestamp('2026-01-31T18:42:00Z')).toBe(NOW_MS);
    expect(parseBambooHrTimestamp('2026-01-31T11:42:00-07:00')).toBe(NOW_MS);
  });

  it('refuses impossible dates', () => {
    expect(parseBambooHrTimestamp('2026-02-30T00:00:00Z')).toBeUndefined();
    expect(parseBambooHrTimestamp('2026-01-31T24:00:00Z')).toBeUndefined();
  });
});

describe('verifyBambooHrSignature with several keys', () => {
  it('rotation > the old or the new key verifies; an empty list fails as a wrong key does', () => {
    expect(verify({ privateKey: ['bhr_priv_the-new-one-0000000', KEY] })).toBeUndefined();
    expect(verify({ privateKey: [KEY, 'bhr_priv_the-new-one-0000000'] })).toBeUndefined();
    expect(verify({ privateKey: ['bhr_priv_the-new-one-0000000'] })).toBe('signature-invalid');
    expect(verify({ privateKey: [] })).toBe('signature-invalid');
  });
});
