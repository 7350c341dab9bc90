import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseInstant } from './time';

/**
 * Verification of BambooHR webhook signatures: `X-BambooHR-Signature` is the lowercase hex
 * HMAC-SHA256, keyed with the webhook's private key (its UTF-8 text), of the raw body bytes
 * immediately followed by the `X-BambooHR-Timestamp` header value exactly as sent. Always verify on
 * the raw bytes, before any parsing: re-serialising JSON or re-encoding a form changes the MAC.
 */
export type BambooHrSignatureFailure = 'signature-missing' | 'timestamp-invalid' | 'timestamp-out-of-window' | 'signature-invalid';

/** Lowercase header names, as Node exposes them. */
export const BAMBOOHR_SIGNATURE_HEADER = 'x-bamboohr-signature';
export const BAMBOOHR_TIMESTAMP_HEADER = 'x-bamboohr-timestamp';

/** Default replay window: a delivery is accepted up to this far from our clock, either way. */
export const DEFAULT_BAMBOOHR_TOLERANCE_SEC = 300;

export interface SignBambooHrRequest {
  privateKey: string;
  body: Buffer | string;
  /** The `X-BambooHR-Timestamp` value, byte for byte as it will be sent. */
  timestamp: string;
}

/** The `X-BambooHR-Signature` value BambooHR would send for this body and timestamp (for tests and tools). */
export function signBambooHr(req: SignBambooHrRequest): string {
  return createHmac('sha256', Buffer.from(req.privateKey, 'utf8')).update(req.body).update(req.timestamp, 'utf8').digest('hex');
}

export interface VerifyBambooHrRequest {
  /** The webhook's private key; during a rotation, the new and the old one (any match is accepted). */
  privateKey: string | readonly string[];
  /** `X-BambooHR-Signature` header, if present. */
  signature?: string;
  /** `X-BambooHR-Timestamp` header, if present. */
  timestamp?: string;
  /** The raw request body. */
  body: Buffer;
  nowMs: number;
  /** Replay window in seconds; {@link DEFAULT_BAMBOOHR_TOLERANCE_SEC} when absent. */
  toleranceSec?: number;
}

/**
 * Returns undefined when the delivery is authentic and fresh, else why not. Checks run in a fixed
 * order (presence, timestamp syntax, window, MAC) so the reason is stable; every MAC comparison is
 * constant-time and every key is tried, so timing does not reveal which one matched. No key at all
 * fails exactly as a wrong key does.
 */
export function verifyBambooHrSignature(req: VerifyBambooHrRequest): BambooHrSignatureFailure | undefined {
  const { signature, timestamp } = req;
  if (!signature || !timestamp) return 'signature-missing';
  const sentMs = parseBambooHrTimestamp(timestamp);
  if (sentMs === undefined) return 'timestamp-invalid';
  const toleranceMs = (req.toleranceSec ?? DEFAULT_BAMBOOHR_TOLERANCE_SEC) * 1000;
  if (Math.abs(req.nowMs - sentMs) > toleranceMs) return 'timestamp-out-of-window';
  const given = signature.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(given)) return 'signature-invalid';
  const givenMac = Buffer.from(given, 'hex');
  let matched = false;
  for (const privateKey of typeof req.privateKey === 'string' ? [req.privateKey] : req.privateKey) {
    if (timingSafeEqual(givenMac, Buffer.from(signBambooHr({ privateKey, body: req.body, timestamp }), 'hex'))) matched = true;
  }
  return matched ? undefined : 'signature-invalid';
}

/**
 * Epoch milliseconds of an `X-BambooHR-Timestamp` value: epoch seconds (1-12 digits) or an ISO-8601
 * date-time with an offset (`Z`, `+00:00` or `+0000`). Undefined for anything else, including a
 * date-time without an offset, which names no instant.
 */
export function parseBambooHrTimestamp(value: string): number | undefined {
  const v = value.trim();
  if (/^\d{1,12}$/.test(v)) return Number(v) * 1000;
  return parseInstant(v);
}
