import { createPrivateKey, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { SecretRef } from '../../schemas/secret-ref';
import { jsonText, optionalString } from '../../sources/sdk/settings';
import { liveSecret, type LiveSecret } from '../connections/live-secret';

/**
 * How the services authenticate to Kafka, Temporal and Redis and encrypt the way there. Passwords,
 * keys and API keys are references only (`{"env": NAME}` or `{"file": PATH}`); certificates, which
 * are public, may also be a plain path. Every reference is read once at boot (a missing file or a PEM
 * that does not parse is a listed problem) and again by the clients whenever they connect
 * (services/connections/), so a file can rotate without a restart where the client library allows.
 * The endpoints themselves are KAFKA_BROKERS, TEMPORAL_ADDRESS and REDIS_URL (settings/stack.ts).
 */
export interface ConnectionSettings {
  readonly kafka: KafkaSecurity;
  readonly temporal: TemporalSecurity;
  readonly redis: RedisSecurity;
}

/** PEM material for a TLS client: the CA to trust (else the system's) and an optional client certificate. */
export interface TlsMaterial {
  readonly ca?: LiveSecret;
  readonly clientCert?: { readonly cert: LiveSecret; readonly key: LiveSecret };
}

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSecurity {
  /** TLS to the brokers; absent = plaintext. */
  readonly tls?: TlsMaterial;
  readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: LiveSecret };
}

export interface TemporalSecurity {
  /** TLS to the frontend; absent = plaintext. An API key turns it on. */
  readonly tls?: TlsMaterial & { readonly serverName?: string };
  /** Temporal Cloud API key, sent as `Authorization: Bearer …`. */
  readonly apiKey?: LiveSecret;
}

export interface RedisSecurity {
  /** On when REDIS_URL is `rediss://`. */
  readonly tls?: { readonly ca?: LiveSecret };
  /** ACL user (Redis 6+); without it the password is the `default` user's (requirepass). */
  readonly username?: string;
  readonly password?: LiveSecret;
}

const flag = z.enum(['true', 'false']).optional();

/** A secret: a reference only, never the value (a bare value might be the secret itself, so it is refused without repeating it). */
const secretRef = jsonText(SecretRef);

/** A certificate: a reference, or a plain path (certificates are public). */
const certificateRef = optionalString.transform((text, ctx): SecretRef | undefined => {
  if (text === undefined) return undefined;
  if (!text.startsWith('{')) return { file: text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a path or a JSON reference {"env": NAME} / {"file": PATH}' });
    return z.NEVER;
  }
  const ref = SecretRef.safeParse(json);
  if (!ref.success) {
    ctx.addIssue({ code: 'custom', message: 'must be a path or a JSON reference {"env": NAME} / {"file": PATH}' });
    return z.NEVER;
  }
  return ref.data;
});

/** The variables of secure connections. */
export const connectionsEnv = {
  /** TLS to Kafka (SSL or SASL_SSL); on by default when a CA or a client certificate is set. */
  KAFKA_TLS: flag,
  /** CA bundle (PEM) the brokers' certificates are checked against; default: the system's CAs. */
  KAFKA_TLS_CA: certificateRef,
  /** Client certificate (PEM) for brokers that require one (ssl.client.auth=required); with KAFKA_TLS_KEY. */
  KAFKA_TLS_CERT: certificateRef,
  KAFKA_TLS_KEY: secretRef,
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: optionalString,
  KAFKA_SASL_PASSWORD: secretRef,
  /** TLS to Temporal; on by default when a CA, a client certificate or an API key is set. */
  TEMPORAL_TLS: flag,
  TEMPORAL_TLS_CA: certificateRef,
  /** mTLS: client certificate and key (Temporal Cloud namespaces with certificate auth, self-hosted clusters). */
  TEMPORAL_TLS_CERT: certificateRef,
  TEMPORAL_TLS_KEY: secretRef,
  /** Name checked against the server's certificate (and sent as SNI) instead of the address's host. */
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  /** Temporal Cloud API key; implies TLS. */
  TEMPORAL_API_KEY: secretRef,
  /** CA bundle for a `rediss://` REDIS_URL; default: the system's CAs. */
  REDIS_TLS_CA: certificateRef,
  /** Redis ACL user; without it, REDIS_PASSWORD is the default user's (requirepass). */
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: secretRef,
};

type ConnectionsEnv = z.output<z.ZodObject<typeof connectionsEnv>>;

/**
 * The connection settings from their parsed variables (and REDIS_URL, whose scheme decides Redis TLS),
 * reading every reference once; each problem (never a secret) goes to `problems`.
 */
export function connectionSettings(e: ConnectionsEnv & { REDIS_URL?: string | undefined }, env: NodeJS.ProcessEnv, problems: string[]): ConnectionSettings {
  const read = (ref: SecretRef | undefined, path: string, check?: (value: string) => string | undefined) =>
    ref === undefined ? undefined : liveSecret(ref, { env, path, problems, ...(check ? { check } : {}) });

  const tlsMaterial = (prefix: 'KAFKA' | 'TEMPORAL', refs: { ca?: SecretRef; cert?: SecretRef; key?: SecretRef }): TlsMaterial => {
    const ca = read(refs.ca, `${prefix}_TLS_CA`, certificateProblem);
    if ((refs.cert === undefined) !== (refs.key === undefined)) {
      problems.push(`${prefix}_TLS_CERT and ${prefix}_TLS_KEY: set both (a client certificate and its key) or neither`);
      return ca ? { ca } : {};
    }
    const cert = read(refs.cert, `${prefix}_TLS_CERT`, certificateProblem);
    const key = read(refs.key, `${prefix}_TLS_KEY`, keyProblem);
    if (cert && key) {
      const mismatch = pairProblem(cert.read(), key.read());
      if (mismatch) problems.push(`${prefix}_TLS_CERT and ${prefix}_TLS_KEY: ${mismatch}`);
    }
    return { ...(ca ? { ca } : {}), ...(cert && key ? { clientCert: { cert, key } } : {}) };
  };

  const tlsOn = (name: 'KAFKA_TLS' | 'TEMPORAL_TLS', explicit: 'true' | 'false' | undefined, implied: string[]): boolean => {
    if (explicit === 'false' && implied.length > 0) problems.push(`${name} is false, but ${implied.join(', ')} ${implied.length > 1 ? 'need' : 'needs'} TLS; remove ${implied.length > 1 ? 'them' : 'it'} or set ${name}=true`);
    return explicit === 'true' || (explicit === undefined && implied.length > 0);
  };

  // Kafka
  const kafkaTls = tlsOn('KAFKA_TLS', e.KAFKA_TLS, setNames({ KAFKA_TLS_CA: e.KAFKA_TLS_CA, KAFKA_TLS_CERT: e.KAFKA_TLS_CERT, KAFKA_TLS_KEY: e.KAFKA_TLS_KEY }));
  const kafka: { tls?: TlsMaterial; sasl?: KafkaSecurity['sasl'] } = {};
  if (kafkaTls) kafka.tls = tlsMaterial('KAFKA', { ca: e.KAFKA_TLS_CA, cert: e.KAFKA_TLS_CERT, key: e.KAFKA_TLS_KEY });
  const saslSet = setNames({ KAFKA_SASL_USERNAME: e.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: e.KAFKA_SASL_PASSWORD });
  if (e.KAFKA_SASL_MECHANISM === undefined) {
    if (saslSet.length > 0) problems.push(`${saslSet.join(', ')} set without KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)`);
  } else {
    if (e.KAFKA_SASL_USERNAME === undefined) problems.push(`KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM}`);
    if (e.KAFKA_SASL_PASSWORD === undefined) problems.push(`KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=${e.KAFKA_SASL_MECHANISM} (a reference: {"env": NAME} or {"file": PATH})`);
    // PLAIN sends the password itself; only SCRAM may go without TLS.
    if (e.KAFKA_SASL_MECHANISM === 'plain' && !kafkaTls) problems.push('KAFKA_SASL_MECHANISM=plain sends the password in the clear; set KAFKA_TLS=true (SASL_SSL)');
    const password = read(e.KAFKA_SASL_PASSWORD, 'KAFKA_SASL_PASSWORD');
    if (e.KAFKA_SASL_USERNAME !== undefined && password) kafka.sasl = { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password };
  }

  // Temporal
  const temporalTls = tlsOn(
    'TEMPORAL_TLS',
    e.TEMPORAL_TLS,
    setNames({ TEMPORAL_TLS_CA: e.TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT: e.TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: e.TEMPORAL_TLS_KEY, TEMPORAL_TLS_SERVER_NAME: e.TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY: e.TEMPORAL_API_KEY }),
  );
  const temporal: { tls?: TemporalSecurity['tls']; apiKey?: LiveSecret } = {};
  if (temporalTls) {
    temporal.tls = {
      ...tlsMaterial('TEMPORAL', { ca: e.TEMPORAL_TLS_CA, cert: e.TEMPORAL_TLS_CERT, key: e.TEMPORAL_TLS_KEY }),
      ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverName: e.TEMPORAL_TLS_SERVER_NAME } : {}),
    };
  }
  const apiKey = read(e.TEMPORAL_API_KEY, 'TEMPORAL_API_KEY');
  if (apiKey) temporal.apiKey = apiKey;

  // Redis
  const redis: { tls?: RedisSecurity['tls']; username?: string; password?: LiveSecret } = {};
  const url = e.REDIS_URL;
  const rediss = url?.startsWith('rediss://') ?? false;
  if (url !== undefined && urlCarriesPassword(url)) problems.push('REDIS_URL: carries a password; leave it out of the URL and set REDIS_PASSWORD to a reference ({"env": NAME} or {"file": PATH})');
  if (e.REDIS_TLS_CA !== undefined && !rediss) problems.push('REDIS_TLS_CA is set but REDIS_URL is not rediss://; use rediss:// for TLS');
  if (rediss) {
    const ca = read(e.REDIS_TLS_CA, 'REDIS_TLS_CA', certificateProblem);
    redis.tls = ca ? { ca } : {};
  }
  if (e.REDIS_USERNAME !== undefined) {
    redis.username = e.REDIS_USERNAME;
    if (e.REDIS_PASSWORD === undefined) problems.push('REDIS_PASSWORD: required with REDIS_USERNAME (a reference: {"env": NAME} or {"file": PATH})');
  }
  const redisPassword = read(e.REDIS_PASSWORD, 'REDIS_PASSWORD');
  if (redisPassword) redis.password = redisPassword;

  return { kafka, temporal, redis };
}

/** The names of the variables that are set. */
function setNames(vars: Record<string, unknown>): string[] {
  return Object.entries(vars)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

function urlCarriesPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

function certificateProblem(pem: string): string | undefined {
  try {
    new X509Certificate(pem);
    return undefined;
  } catch {
    return 'is not a PEM certificate';
  }
}

function keyProblem(pem: string): string | undefined {
  try {
    createPrivateKey(pem);
    return undefined;
  } catch {
    return 'is not a PEM private key';
  }
}

function pairProblem(certPem: string, keyPem: string): string | undefined {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem)) ? undefined : 'the key does not belong to the certificate';
  } catch {
    return undefined; // each one's own check has already reported it
  }
}
