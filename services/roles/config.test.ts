import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';
import { ensureDevCanonicalSecret } from '../dev-defaults';
import { startParts } from '../runtime';
import { ensureDevCodecKey } from '../temporal/dev-key';
import { loadProductionConfig } from './config';
import { ROLES, type RoleName } from './table';

const POLICY = fileURLToPath(new URL('../../docs/examples/policy.yaml', import.meta.url));
/** Made per run: no key, not even a test's, is written in the repository. */
const KEY = `whsec_${randomBytes(32).toString('base64')}`;
const dir = mkdtempSync(join(tmpdir(), 'jml-roles-'));
const BUNDLE = join(dir, 'workflow-bundle.js');
writeFileSync(BUNDLE, '// stands in for the prebuilt bundle\n');

/** Where the codec key referenced by JML_CODEC_KEYS lives (a key made per run; the reference is what is configured). */
const CODEC_KEY_ENV = { ROLES_TEST_CODEC_KEY: randomBytes(32).toString('base64') };

/** Everything every role of `all` needs, explicitly. */
const COMPLETE = {
  KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
  TEMPORAL_ADDRESS: 'temporal:7233',
  REDIS_URL: 'redis://redis:6379',
  JML_CANONICAL_SECRET: KEY,
  JML_CODEC_KEYS: JSON.stringify([{ id: 'k1', key: { env: 'ROLES_TEST_CODEC_KEY' } }]),
  JML_CONFIG_FILE: POLICY,
};

/** The configuration's problems, or [] when it loads. */
function problems(role: RoleName, env: NodeJS.ProcessEnv, workflowBundlePath = BUNDLE): string[] {
  try {
    loadProductionConfig({ role, env: { ...CODEC_KEY_ENV, ...env }, workflowBundlePath });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

describe('production configuration', () => {
  it.each([
    ['gateway', ['KAFKA_BROKERS', 'REDIS_URL', 'JML_CANONICAL_SECRET']],
    ['dispatcher', ['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'JML_CODEC_KEYS']],
    ['worker', ['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'JML_CODEC_KEYS', 'JML_CONFIG_FILE']],
    ['pollers', ['TEMPORAL_ADDRESS', 'JML_CODEC_KEYS']],
    ['codec-server', ['JML_CODEC_KEYS', 'JML_CODEC_SERVER_TOKEN']],
    ['all', ['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'JML_CANONICAL_SECRET', 'JML_CODEC_KEYS', 'JML_CONFIG_FILE']],
  ] as const)('%s > with nothing set, refuses with one line per missing variable, all at once', (role, variables) => {
    const found = problems(role, {});
    expect(found.map((line) => line.split(' ')[0])).toEqual(variables);
    for (const line of found) {
      expect(line).not.toContain('\n');
      expect(line).toMatch(new RegExp(`the ${role} role needs`));
    }
  });

  it.each(Object.keys(COMPLETE))('each piece > without only %s, exactly that one line is the problem', (variable) => {
    const env: NodeJS.ProcessEnv = { ...COMPLETE, [variable]: undefined };
    const found = problems('all', env);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${variable} .*is not set`));
  });

  it('lists invalid variables, missing pieces and the policy file\'s problems together', () => {
    const badPolicy = join(dir, 'bad-policy.yaml');
    writeFileSync(badPolicy, 'version: 1\napps:\n  chat: { connector: no-such-connector, settings: {} }\nrules: []\n');
    const found = problems('worker', { GATEWAY_PORT: 'eighty', TEMPORAL_ADDRESS: 'temporal:7233', REDIS_URL: 'redis://r:6379', JML_CODEC: 'off', JML_CONFIG_FILE: badPolicy });
    expect(found[0]).toMatch(/^GATEWAY_PORT: /);
    expect(found[1]).toMatch(/^KAFKA_BROKERS is not set/);
    expect(found.slice(2).length).toBeGreaterThan(0);
    expect(found.slice(2).every((p) => p.startsWith('JML_CONFIG_FILE: ') && p.includes('no-such-connector'))).toBe(true);
  });

  it('worker > refuses without the prebuilt workflow bundle, naming the command that builds it', () => {
    const missing = join(dir, 'nothing-here.js');
    expect(problems('worker', COMPLETE, missing)).toEqual([`${missing} does not exist: run \`npm run build\` and start dist/services/main.js`]);
    expect(problems('gateway', COMPLETE, missing)).toEqual([]);
  });

  it('loads once, frozen: the endpoints are exactly the variables, the policy is loaded', () => {
    const loaded = loadProductionConfig({ role: 'all', env: { ...CODEC_KEY_ENV, ...COMPLETE }, workflowBundlePath: BUNDLE });
    expect(loaded.endpoints).toEqual({ kafkaBrokers: COMPLETE.KAFKA_BROKERS, temporalAddress: COMPLETE.TEMPORAL_ADDRESS, redisUrl: COMPLETE.REDIS_URL });
    expect([...(loaded.policy?.apps.keys() ?? [])].sort()).toEqual(['chat', 'code', 'directory']);
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.config.gateway)).toBe(true);
    expect(Object.isFrozen(loaded.endpoints)).toBe(true);
  });

  it('every role of the table says what it needs', () => {
    expect(Object.keys(ROLES)).toEqual(['gateway', 'dispatcher', 'worker', 'pollers', 'codec-server', 'all']);
  });

  it('codec > JML_CODEC=off is the one way to run the Temporal roles without keys, and the codec server refuses it', () => {
    const off = { ...COMPLETE, JML_CODEC_KEYS: undefined, JML_CODEC: 'off' };
    for (const role of ['dispatcher', 'worker', 'pollers', 'all'] as const) expect(problems(role, off)).toEqual([]);
    expect(problems('gateway', { ...COMPLETE, JML_CODEC_KEYS: undefined })).toEqual([]);
    expect(problems('codec-server', { ...off, JML_CODEC_SERVER_TOKEN: JSON.stringify({ env: 'T' }), T: 'x'.repeat(32) })).toEqual([
      'JML_CODEC_KEYS is not set: the codec-server role needs the keys it opens payloads with (docs/security.md)',
    ]);
  });

  it('codec-server > with keys and a token it loads; the token must be a reference of at least 24 bytes', () => {
    const env = { JML_CODEC_KEYS: COMPLETE.JML_CODEC_KEYS, JML_CODEC_SERVER_TOKEN: JSON.stringify({ env: 'T' }) };
    expect(problems('codec-server', { ...env, T: 'x'.repeat(32) })).toEqual([]);
    expect(problems('codec-server', { ...env, T: 'short' }).join('\n')).toMatch(/JML_CODEC_SERVER_TOKEN/);
    expect(problems('codec-server', { ...env, JML_CODEC_SERVER_TOKEN: 'x'.repeat(32) }).join('\n')).toMatch(/JML_CODEC_SERVER_TOKEN/);
  });
});

describe('development fallbacks never apply in production', () => {
  it('development apps > a worker without a policy is refused though JML_DEV_APPS is set', () => {
    expect(problems('worker', { ...COMPLETE, JML_CONFIG_FILE: undefined, JML_DEV_APPS: 'directory,chat' })).toEqual([
      'JML_CONFIG_FILE is not set: the worker role needs a policy file (the development apps exist only under npm start)',
    ]);
  });

  it('development key > a gateway is refused though the stack directory holds a development key', () => {
    const stackDir = join(dir, 'stack');
    ensureDevCanonicalSecret(stackDir);
    const found = problems('gateway', { ...COMPLETE, JML_CANONICAL_SECRET: undefined, JML_STACK_DIR: stackDir, GATEWAY_HOST: '127.0.0.1' });
    expect(found).toEqual([expect.stringMatching(/^JML_CANONICAL_SECRET \(or JML_CANONICAL_SECRETS\) is not set/)]);
  });

  it('development codec key > a worker is refused though the stack directory holds a development codec key', () => {
    const stackDir = join(dir, 'stack-codec');
    ensureDevCodecKey(stackDir);
    expect(problems('worker', { ...COMPLETE, JML_CODEC_KEYS: undefined, JML_STACK_DIR: stackDir })).toEqual([
      'JML_CODEC_KEYS is not set: the worker role needs the keys that seal personal data in Temporal (docs/security.md), or JML_CODEC=off to store it in clear deliberately',
    ]);
  });

  it('local stack > its ports never become endpoints: KAFKA_PORT, TEMPORAL_PORT and REDIS_PORT do not stand in for the addresses', () => {
    const found = problems('all', { ...COMPLETE, KAFKA_BROKERS: undefined, TEMPORAL_ADDRESS: undefined, REDIS_URL: undefined, KAFKA_PORT: '9092', TEMPORAL_PORT: '7233', REDIS_PORT: '6379' });
    expect(found.map((p) => p.split(' ')[0])).toEqual(['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'REDIS_URL']);
  });

  it('single-broker defaults > topics keep production replication (3 copies, 2 in sync) unless set', () => {
    const { config } = loadProductionConfig({ role: 'gateway', env: { ...CODEC_KEY_ENV, ...COMPLETE }, workflowBundlePath: BUNDLE });
    expect([config.kafka.topics.replicationFactor, config.kafka.topics.minInsyncReplicas]).toEqual([3, 2]);
  });

  it('runtime > a production worker without a policy refuses before connecting to anything', async () => {
    const closed = { kafkaBrokers: '127.0.0.1:9', temporalAddress: '127.0.0.1:9', redisUrl: 'redis://127.0.0.1:9' };
    const started = Date.now();
    await expect(
      startParts({
        config: loadConfig({}),
        endpoints: closed,
        log: pino({ level: 'silent' }),
        mode: 'production',
        parts: { gateway: false, dispatcher: false, worker: true, pollers: false },
      }),
    ).rejects.toThrow(/^JML_CONFIG_FILE is not set/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
