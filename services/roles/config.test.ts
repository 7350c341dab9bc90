import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';
import { ensureDevCanonicalSecret } from '../dev-defaults';
import { startParts } from '../runtime';
import { loadProductionConfig } from './config';
import { ROLES, type RoleName } from './table';

const POLICY = fileURLToPath(new URL('../../docs/examples/policy.yaml', import.meta.url));
const KEY = 'whsec_cm9sZXMtdW5pdC10ZXN0LWtleS0wMDAwMDAwMQ==';
const dir = mkdtempSync(join(tmpdir(), 'jml-roles-'));
const BUNDLE = join(dir, 'workflow-bundle.js');
writeFileSync(BUNDLE, '// stands in for the prebuilt bundle\n');

/** Everything every role needs, explicitly. */
const COMPLETE = {
  KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
  TEMPORAL_ADDRESS: 'temporal:7233',
  REDIS_URL: 'redis://redis:6379',
  JML_CANONICAL_SECRET: KEY,
  JML_CONFIG_FILE: POLICY,
};

/** The configuration's problems, or [] when it loads. */
function problems(role: RoleName, env: NodeJS.ProcessEnv, workflowBundlePath = BUNDLE): string[] {
  try {
    loadProductionConfig({ role, env, workflowBundlePath });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

describe('production configuration', () => {
  it.each([
    ['gateway', ['KAFKA_BROKERS', 'REDIS_URL', 'JML_CANONICAL_SECRET']],
    ['dispatcher', ['KAFKA_BROKERS', 'TEMPORAL_ADDRESS']],
    ['worker', ['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'JML_CONFIG_FILE']],
    ['pollers', ['TEMPORAL_ADDRESS']],
    ['all', ['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'JML_CANONICAL_SECRET', 'JML_CONFIG_FILE']],
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
    const found = problems('worker', { GATEWAY_PORT: 'eighty', TEMPORAL_ADDRESS: 'temporal:7233', REDIS_URL: 'redis://r:6379', JML_CONFIG_FILE: badPolicy });
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
    const loaded = loadProductionConfig({ role: 'all', env: COMPLETE, workflowBundlePath: BUNDLE });
    expect(loaded.endpoints).toEqual({ kafkaBrokers: COMPLETE.KAFKA_BROKERS, temporalAddress: COMPLETE.TEMPORAL_ADDRESS, redisUrl: COMPLETE.REDIS_URL });
    expect([...(loaded.policy?.apps.keys() ?? [])].sort()).toEqual(['chat', 'code', 'directory']);
    expect(Object.isFrozen(loaded)).toBe(true);
    expect(Object.isFrozen(loaded.config.gateway)).toBe(true);
    expect(Object.isFrozen(loaded.endpoints)).toBe(true);
  });

  it('every role of the table says what it needs (codec-server: its own module)', () => {
    expect(Object.keys(ROLES)).toEqual(['gateway', 'dispatcher', 'worker', 'pollers', 'codec-server', 'all']);
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

  it('local stack > its ports never become endpoints: KAFKA_PORT, TEMPORAL_PORT and REDIS_PORT do not stand in for the addresses', () => {
    const found = problems('all', { ...COMPLETE, KAFKA_BROKERS: undefined, TEMPORAL_ADDRESS: undefined, REDIS_URL: undefined, KAFKA_PORT: '9092', TEMPORAL_PORT: '7233', REDIS_PORT: '6379' });
    expect(found.map((p) => p.split(' ')[0])).toEqual(['KAFKA_BROKERS', 'TEMPORAL_ADDRESS', 'REDIS_URL']);
  });

  it('single-broker defaults > topics keep production replication (3 copies, 2 in sync) unless set', () => {
    const { config } = loadProductionConfig({ role: 'gateway', env: COMPLETE, workflowBundlePath: BUNDLE });
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
