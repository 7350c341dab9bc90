import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkaSecurityOptions } from '../connections/kafka';
import type { KafkaSecurity } from '../settings/connections';

// kafkajs logs every retried request failure as ERROR; the failures that matter reach callers as
// thrown errors, so its own ERROR lines are warnings to us.
const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'warn',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * A kafkajs client whose own logs go through our pino logger (object first, bound). `requestTimeoutMs`
 * and `retries` tighten kafkajs's defaults (30 s per request, 5 retries) for clients that must fail
 * fast, such as the readiness probe. `security` (config.connections.kafka) adds TLS and SASL.
 */
export function createKafka(opts: { brokers: string; clientId: string; log: Logger; security?: KafkaSecurity; requestTimeoutMs?: number; connectionTimeoutMs?: number; retries?: number }): Kafka {
  const log = opts.log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.WARN,
    ...(opts.security ? kafkaSecurityOptions(opts.security) : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeout: opts.requestTimeoutMs } : {}),
    ...(opts.connectionTimeoutMs !== undefined ? { connectionTimeout: opts.connectionTimeoutMs } : {}),
    ...(opts.retries !== undefined ? { retry: { retries: opts.retries } } : {}),
    logCreator:
      () =>
      ({ level, namespace, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[LEVELS[level] ?? 'info']({ namespace, ...rest }, message);
      },
  });
}
