import { readFileSync } from 'node:fs';
import { SecretRef } from '../schemas/secret-ref';

export { SecretRef };

/** Resolves a reference; returns an error message instead of throwing so config can list every problem. */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv): { value: string } | { error: string } {
  if ('env' in ref) {
    const value = env[ref.env];
    return value && value.length > 0 ? { value } : { error: `environment variable ${ref.env} is not set` };
  }
  try {
    const value = readFileSync(ref.file, 'utf8').trim();
    return value.length > 0 ? { value } : { error: `secret file ${ref.file} is empty` };
  } catch (err) {
    return { error: `secret file ${ref.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}

/**
 * Shortest HMAC key the services accept, in bytes. 24 bytes (192 bits) is what Standard Webhooks
 * senders issue (`whsec_` + 32 base64 characters); anything shorter can be guessed or is a typo.
 */
export const MIN_HMAC_KEY_BYTES = 24;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Why a signing key is unusable, or undefined when it is fine. `standard-webhooks` keys are
 * `whsec_<base64>` and are measured by their decoded bytes (a key without the prefix is its UTF-8
 * text, as Standard Webhooks libraries read it); `utf8` keys (BambooHR webhook keys, Workday shared
 * secrets) are used as their UTF-8 bytes and measured so. The message never contains the key.
 */
export function hmacKeyProblem(value: string, encoding: 'standard-webhooks' | 'utf8'): string | undefined {
  if (encoding === 'standard-webhooks' && value.startsWith('whsec_')) {
    const text = value.slice('whsec_'.length);
    // Buffer.from(…, 'base64') skips what it cannot read, so a typo would silently shorten the key.
    if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1 || (text.includes('=') && text.length % 4 !== 0)) {
      return 'is not valid base64 after whsec_';
    }
    const bytes = Buffer.from(text, 'base64').length;
    return bytes < MIN_HMAC_KEY_BYTES ? `decodes to ${bytes} bytes; at least ${MIN_HMAC_KEY_BYTES} are required` : undefined;
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  return bytes < MIN_HMAC_KEY_BYTES ? `is ${bytes} bytes long; at least ${MIN_HMAC_KEY_BYTES} are required` : undefined;
}
