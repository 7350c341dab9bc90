import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSecurity } from '../settings/connections';

/**
 * The TLS and SASL options of every kafkajs client the pipeline makes (gateway producer,
 * dispatchers, admin, readiness probe, CLI and benchmarks), from KAFKA_TLS* and KAFKA_SASL_*.
 *
 * File secrets rotate without a restart. kafkajs (2.2.4, pinned) keeps these two objects by
 * reference: it copies the `ssl` object into `tls.connect` for every new broker connection, and its
 * PLAIN and SCRAM authenticators read `sasl.password` each time a connection authenticates (also on
 * re-authentication, when the broker sets connections.max.reauth.ms). So both are getters that read
 * the current file; test/integration/secure-connections.test.ts checks a rotated password is used by the
 * next connection. A fresh pair of objects per call: kafkajs writes its authenticator into `sasl`.
 */
export function kafkaSecurityOptions(security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: { ssl?: ConnectionOptions; sasl?: SASLOptions } = {};
  if (security.tls) {
    const { ca, clientCert } = security.tls;
    const ssl: ConnectionOptions = {};
    if (ca) Object.defineProperty(ssl, 'ca', { enumerable: true, get: () => ca.read() });
    if (clientCert) {
      Object.defineProperty(ssl, 'cert', { enumerable: true, get: () => clientCert.cert.read() });
      Object.defineProperty(ssl, 'key', { enumerable: true, get: () => clientCert.key.read() });
    }
    out.ssl = ssl;
  }
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    const sasl = { mechanism, username, password: '' } as SASLOptions;
    Object.defineProperty(sasl, 'password', { enumerable: true, get: () => password.read() });
    out.sasl = sasl;
  }
  return out;
}
