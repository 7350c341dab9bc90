import { pino, type Logger } from 'pino';

/** Paths that may carry personal data or secrets; never written in clear. */
export const REDACT_PATHS = [
  'secret',
  'secrets',
  'password',
  'token',
  'authorization',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'person.givenName',
  'person.familyName',
  'person.preferredName',
  'person.workEmail',
  '*.person.givenName',
  '*.person.familyName',
  '*.person.preferredName',
  '*.person.workEmail',
];

export function createLogger(opts: { level: string; name: string }): Logger {
  return pino({ name: opts.name, level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
