import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SecretRef } from '../../schemas/secret-ref';
import { CONFIG_VARIABLES, loadConfig, type Config } from '../../services/config';
import { isLoopbackHost } from '../../services/dev-defaults';
import { loadProductionConfig } from '../../services/roles/config';
import { WORKFLOW_BUNDLE_FILE } from '../../services/roles/main';
import { isRoleName, ROLES, type RoleName } from '../../services/roles/table';
import { SEARCH_ATTRIBUTES } from '../stack/versions';
import { CHART_DIR, chartFingerprint, COMPOSE_FILE, DEPLOY_DIR, DOCKERFILE, EXAMPLE_RELEASE, EXAMPLE_RENDERED, fingerprintOf, interpolate, ROOT } from './chart';
import { buildSteps } from './simulate-image';
import { checkHealth, DEFAULT_PORTS, healthUrl, roleOf } from './healthcheck';

/**
 * The deployment files against the code they deploy, without helm or a container engine
 * (`npm run check:deploy` runs those where they exist): every variable a manifest sets is one the
 * configuration reads; each role's environment, with the secrets it mounts, passes the role's own
 * production configuration check; every probe asks a port the role listens on, on a non-loopback
 * address, for a path that server serves; and no secret is written into a file.
 */

/**
 * Variables of the shared contract of issue 16 that other parts read (the ops server, the Temporal
 * SDK's exporter); accepted here until they are in the configuration schema on main (the OTEL_* ones are: services/settings/tracing.ts).
 */
const CONTRACT_VARIABLES = ['JML_OPS_PORT', 'JML_OPS_HOST', 'JML_TEMPORAL_METRICS_PORT'];
/** Read by Node itself, not by our configuration. */
const RUNTIME_VARIABLES = ['NODE_ENV', 'NODE_OPTIONS'];
const KNOWN_VARIABLES = new Set([...CONFIG_VARIABLES, ...CONTRACT_VARIABLES, ...RUNTIME_VARIABLES]);

/** Routes each kind of HTTP server serves, read from the code that serves them. */
const routesIn = (file: string, pattern: RegExp): string[] => [...readFileSync(join(ROOT, file), 'utf8').matchAll(pattern)].map((m) => m[1] as string);
const SERVED = {
  gateway: routesIn('services/gateway/app.ts', /app\.get\('([^']+)'/g),
  'codec-server': routesIn('services/codec-server/server.ts', /app\.get\('([^']+)'/g),
  // The ops server of dispatcher, worker and pollers: its code where it exists, else the shared contract's routes.
  ops: existsSync(join(ROOT, 'services/metrics/ops-server.ts')) ? routesIn('services/metrics/ops-server.ts', /path === '([^']+)'/g) : ['/metrics', '/healthz', '/readyz'],
};
const OPS_ROLES: readonly RoleName[] = ['dispatcher', 'worker', 'pollers'];

/** Which server answers a role's probes and health check. */
const probedServer = (role: RoleName): keyof typeof SERVED => (role === 'gateway' || role === 'all' ? 'gateway' : role === 'codec-server' ? 'codec-server' : 'ops');

const scratch = mkdtempSync(join(tmpdir(), 'jml-deploy-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const bundle = join(scratch, WORKFLOW_BUNDLE_FILE);
mkdirSync(dirname(bundle), { recursive: true });
writeFileSync(bundle, '// stands in for the prebuilt workflow bundle\n');

/** A value of the right shape for the secret a file at `path` holds, made for this run. */
function secretFor(path: string): string {
  if (/codec-key|\/codec\//.test(path)) return randomBytes(32).toString('base64');
  if (/canonical/.test(path)) return `whsec_${randomBytes(32).toString('base64')}`;
  return randomBytes(32).toString('base64url');
}

/** Every `{"file": …}` reference inside a variable's value (JSON), at any depth. */
function fileRefs(value: string): string[] {
  if (!/^\s*[[{]/.test(value)) return [];
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        if (k === 'file' && typeof inner === 'string') found.push(inner);
        else walk(inner);
      }
    }
  };
  walk(JSON.parse(value));
  return found;
}

interface Mount {
  /** Where the container sees it. */
  at: string;
  /** A file here that stands in for what the role reads there; undefined: each file read there is made up here as a fresh secret. */
  from?: string;
}

/**
 * The role's environment as the container sees it, rewritten to this machine: each file a
 * reference names must lie inside one of the container's mounts, and is replaced by a file here.
 */
function localEnv(env: Record<string, string>, mounts: readonly Mount[]): Record<string, string> {
  const out: Record<string, string> = { ...env };
  const paths = Object.values(env).flatMap(fileRefs);
  if (env.JML_CONFIG_FILE) paths.push(env.JML_CONFIG_FILE);
  for (const path of paths) {
    const mount = mounts.find((m) => path === m.at || path.startsWith(`${m.at}/`));
    expect(mount, `${path} is read by the role but no mount provides it`).toBeDefined();
    let local = mount?.from;
    if (local === undefined) {
      local = join(scratch, `${Object.keys(out).length}-${randomBytes(4).toString('hex')}-${basename(path)}`);
      writeFileSync(local, secretFor(path), { mode: 0o600 });
    }
    for (const [name, value] of Object.entries(out)) out[name] = value.split(path).join(local);
  }
  return out;
}

/** Loads `role`'s production configuration from `env`, failing the test with every problem it lists. */
function productionConfig(role: RoleName, env: Record<string, string>): Config {
  try {
    return loadProductionConfig({ role, env, workflowBundlePath: bundle }).config;
  } catch (err) {
    throw new Error(`the ${role} role refuses this environment: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The port and host the role's probed server listens on, by its configuration. */
function listening(role: RoleName, config: Config, env: Record<string, string>): { host: string; port: number } {
  const server = probedServer(role);
  if (server === 'gateway') return config.gateway;
  if (server === 'codec-server') return config.codecServer;
  return { host: env.JML_OPS_HOST ?? '0.0.0.0', port: Number(env.JML_OPS_PORT ?? DEFAULT_PORTS.ops) };
}

const toEnv = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [k, String(x)]));

// ---------------------------------------------------------------------------------------------

describe('Dockerfile', () => {
  const text = readFileSync(DOCKERFILE, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const stages = text.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? '';

  it('pins its base image to a full Node version of the major the project is typed against', () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1] ?? '';
    expect(image).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim$/);
    const typesMajor = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@types/node']?.split('.')[0];
    expect(image.split(':')[1]?.split('.')[0]).toBe(typesMajor);
    for (const from of lines.filter((l) => l.startsWith('FROM '))) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\} AS [a-z-]+$/);
  });

  it('builds with npm ci and npm run build, and ships dist/, the production packages and package.json', () => {
    expect(stages[0]).toMatch(/RUN npm ci /);
    expect(stages[0]).toMatch(/RUN npm run build/);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/src\/dist \.\/dist/);
    expect(runtime).toMatch(/COPY --from=prod-deps \/src\/node_modules \.\/node_modules/);
    // dist/*.js are ES modules only because package.json says "type": "module".
    expect(runtime).toMatch(/COPY --from=prod-deps \/src\/package\.json \.\/package\.json/);
  });

  it('replays, without an engine, exactly the build steps after the sources are copied (check:deploy --image)', () => {
    const steps = buildSteps(text);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatch(/^npm run build +&& npx esbuild infra\/deploy\/healthcheck\.ts /);
  });

  it('runs the built entry with the role as its command, as a numeric non-root user, with a health check', () => {
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/services\/main\.js"\]$/m);
    const user = /^USER (\d+)(?::(\d+))?$/m.exec(runtime);
    expect(user, 'USER must be numeric so that runAsNonRoot can verify it').not.toBeNull();
    expect(Number(user?.[1])).toBeGreaterThan(0);
    expect(runtime).toMatch(/^HEALTHCHECK .* CMD \["node", "dist\/healthcheck\.mjs"\]$/m);
    expect(stages[0]).toMatch(/esbuild infra\/deploy\/healthcheck\.ts .*--outfile=dist\/healthcheck\.mjs/);
  });

  it('sets only variables something reads', () => {
    const names = lines.filter((l) => l.startsWith('ENV ')).flatMap((l) => [...l.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(KNOWN_VARIABLES, name).toContain(name);
  });

  it('keeps local, built and secret files out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.git', 'node_modules', 'dist', '.env']) expect(ignored).toContain(entry);
  });
});

describe('image health check', () => {
  it('finds the role on the entry command line', () => {
    expect(roleOf(['node', 'dist/services/main.js', 'worker'])).toBe('worker');
    expect(roleOf(['/usr/local/bin/node', '/app/dist/services/main.js', 'codec-server'])).toBe('codec-server');
    expect(roleOf(['node', 'dist/healthcheck.mjs'])).toBeUndefined();
  });

  it('exits 0 only when the role\'s /healthz answers 200', async () => {
    let status = 200;
    const asked: string[] = [];
    const server: Server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as { port: number }).port);
    const lines: string[] = [];
    const worker = { commandLines: [['/bin/sh'], ['node', 'dist/services/main.js', 'worker']], env: { JML_OPS_PORT: port }, stderr: (l: string) => lines.push(l) };
    try {
      expect(await checkHealth(worker)).toBe(0);
      // The gateway is asked on its own port, not the ops port.
      expect(await checkHealth({ ...worker, commandLines: [['node', 'dist/services/main.js', 'gateway']], env: { GATEWAY_PORT: port, JML_OPS_PORT: '1' } })).toBe(0);
      status = 503;
      expect(await checkHealth(worker)).toBe(1);
      expect(lines.at(-1)).toMatch(/worker .*answered 503/);
      expect(await checkHealth({ ...worker, commandLines: [['node', 'other.js']] })).toBe(1);
      expect(lines.at(-1)).toMatch(/no `node dist\/services\/main\.js <role>` process/);
      expect(asked).toEqual(['/healthz', '/healthz', '/healthz']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('asks /healthz on the port each role serves it on, with the configuration defaults', () => {
    const config = loadConfig({});
    expect(DEFAULT_PORTS.gateway).toBe(config.gateway.port);
    expect(DEFAULT_PORTS.codecServer).toBe(config.codecServer.port);
    // The ops port's default comes from the configuration once the ops server is on main (shared contract: 9464).
    expect(DEFAULT_PORTS.ops).toBe((config.roles as { opsPort?: number }).opsPort ?? 9464);
    expect(healthUrl('gateway', {})).toBe('http://127.0.0.1:8080/healthz');
    expect(healthUrl('all', { GATEWAY_PORT: '9000', GATEWAY_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:9000/healthz');
    expect(healthUrl('codec-server', { JML_CODEC_SERVER_HOST: '::' })).toBe('http://127.0.0.1:8234/healthz');
    expect(healthUrl('worker', { JML_OPS_PORT: '9555' })).toBe('http://127.0.0.1:9555/healthz');
    expect(healthUrl('dispatcher', { JML_OPS_HOST: 'fd00::5' })).toBe('http://[fd00::5]:9464/healthz');
    for (const role of Object.keys(ROLES) as RoleName[]) expect(SERVED[probedServer(role)], role).toContain('/healthz');
  });
});

// ---------------------------------------------------------------------------------------------

describe('compose file', () => {
  const raw = readFileSync(COMPOSE_FILE, 'utf8');
  const vars = { JML_SECRETS_DIR: join(scratch, 'compose-secrets'), TEMPORAL_DB_PASSWORD: randomBytes(16).toString('hex') };
  const compose = parse(interpolate(raw, vars), { merge: true }) as {
    services: Record<string, { image: string; command?: string[]; environment?: Record<string, unknown>; secrets?: string[]; volumes?: string[]; ports?: string[]; stop_grace_period?: string; entrypoint?: string[] }>;
    secrets: Record<string, { file: string }>;
  };
  const roleServices = Object.entries(compose.services).filter(([, s]) => isRoleName(s.command?.[0]));

  it('refuses to start without the secrets folder and the database password', () => {
    expect(() => interpolate(raw, { ...vars, JML_SECRETS_DIR: undefined })).toThrow(/JML_SECRETS_DIR/);
    expect(() => interpolate(raw, { ...vars, TEMPORAL_DB_PASSWORD: undefined })).toThrow(/TEMPORAL_DB_PASSWORD/);
  });

  it('runs every role but all, each from the one image', () => {
    const roles = roleServices.map(([, s]) => s.command?.[0]).sort();
    expect(roles).toEqual(Object.keys(ROLES).filter((r) => r !== 'all').sort());
    expect(new Set(roleServices.map(([, s]) => s.image)).size).toBe(1);
  });

  it('pins every other image to a version', () => {
    for (const [name, s] of Object.entries(compose.services).filter(([, s]) => !isRoleName(s.command?.[0]))) {
      // Exact releases: major.minor.patch, or major.minor where that is the whole version (PostgreSQL).
      expect(s.image, name).toMatch(/^[a-z0-9./-]+:\d+\.\d+(\.\d+)?(-[\w.-]+)?$/);
    }
  });

  it('writes no secret into the file: secrets are required variables or file references', () => {
    const plain = parse(raw, { merge: true }) as typeof compose;
    for (const [service, s] of Object.entries(plain.services)) {
      for (const [name, value] of Object.entries(toEnv(s.environment))) {
        expect(name, `${service}: the canonical key is a value; use JML_CANONICAL_SECRETS with a file reference`).not.toBe('JML_CANONICAL_SECRET');
        if (!/PASSWORD|PWD|SECRET|TOKEN|_KEYS$/.test(name)) continue;
        if (/^\$\{[A-Z_]+:\?[^}]+\}$/.test(value)) continue;
        const json = JSON.parse(value) as unknown;
        const refs = Array.isArray(json) ? json.map((e: Record<string, unknown>) => e.key ?? e.secret) : [json];
        for (const ref of refs) expect(SecretRef.safeParse(ref).success, `${service} ${name}`).toBe(true);
      }
    }
    for (const [name, secret] of Object.entries(plain.secrets)) expect(secret.file, name).toMatch(/^\$\{JML_SECRETS_DIR:\?/);
  });

  it.each(roleServices.map(([name, s]) => [name, s] as const))('%s: sets only known variables and passes its production configuration check', (_name, s) => {
    const role = s.command?.[0] as RoleName;
    const env = toEnv(s.environment);
    for (const name of Object.keys(env)) expect(KNOWN_VARIABLES, name).toContain(name);
    const mounts: Mount[] = [
      ...(s.secrets ?? []).map((name) => ({ at: `/run/secrets/${name}` })),
      ...(s.volumes ?? []).map((v) => {
        const [from, at] = v.split(':') as [string, string];
        return { at, from: resolve(DEPLOY_DIR, from) };
      }),
    ];
    for (const m of mounts) if (m.from) expect(existsSync(m.from), m.from).toBe(true);
    const config = productionConfig(role, localEnv(env, mounts));
    const { host, port } = listening(role, config, env);
    expect(isLoopbackHost(host), `${role} listens on ${host}: neither the health check's peers nor published ports would reach it`).toBe(false);
    // The image's health check asks the port the role listens on, for a path its server serves.
    const url = new URL(healthUrl(role, env));
    expect(Number(url.port)).toBe(port);
    expect(SERVED[probedServer(role)]).toContain(url.pathname);
    for (const published of s.ports ?? []) expect(Number(published.split(':').at(-1))).toBe(port);
    const grace = Number(/^(\d+)s$/.exec(s.stop_grace_period ?? '')?.[1]);
    expect(grace * 1000, 'stop_grace_period must exceed the drain deadline').toBeGreaterThan(config.roles.shutdownDeadlineMs);
  });

  it('registers the search attributes the pipeline writes', () => {
    const script = JSON.stringify(compose.services['temporal-setup']?.command ?? []);
    const registered = Object.fromEntries([...script.matchAll(/\b([A-Z][A-Za-z]+)=(Keyword|KeywordList|Bool|Datetime|Int|Double|Text)\b/g)].map((m) => [m[1], m[2]]));
    expect(registered).toEqual({ ...SEARCH_ATTRIBUTES });
  });
});

// ---------------------------------------------------------------------------------------------

/** A parsed manifest; its spec is walked by path, and the assertions check the shapes they rely on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type K8s = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

describe('Helm chart (the example as rendered by helm)', () => {
  const text = readFileSync(EXAMPLE_RENDERED, 'utf8');
  const docs = parseAllDocuments(text)
    .map((d) => d.toJS() as K8s | null)
    .filter((d): d is K8s => d !== null);
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const deployments = byKind('Deployment');
  const roleOfDeployment = (d: K8s) => d.spec.template.spec.containers[0].args[0] as RoleName;
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  const selected = (selector: Record<string, string>) => deployments.filter((d) => matches(selector, d.spec.template.metadata.labels));

  it('is rendered from the chart as it is now', () => {
    expect(fingerprintOf(text), `${EXAMPLE_RENDERED} is stale: run npm run check:deploy -- --update`).toBe(chartFingerprint());
  });

  it('has a Deployment for every role but all, each with a PodDisruptionBudget and a NetworkPolicy', () => {
    expect(deployments.map(roleOfDeployment).sort()).toEqual(Object.keys(ROLES).filter((r) => r !== 'all').sort());
    for (const d of deployments) {
      const pods = d.spec.template.metadata.labels;
      expect(byKind('PodDisruptionBudget').filter((p) => matches(p.spec.selector.matchLabels, pods)), d.metadata.name).toHaveLength(1);
      expect(byKind('NetworkPolicy').filter((p) => matches(p.spec.podSelector.matchLabels, pods)), d.metadata.name).toHaveLength(1);
    }
  });

  it.each(deployments.map((d) => [roleOfDeployment(d), d] as const))('%s: sets only known variables and passes its production configuration check', (role, d) => {
    const pod = d.spec.template.spec;
    const container = pod.containers[0];
    const fromConfigMaps = (container.envFrom ?? []).map((e: { configMapRef: { name: string } }) => {
      const cm = byKind('ConfigMap').find((c) => c.metadata.name === e.configMapRef.name);
      expect(cm, e.configMapRef.name).toBeDefined();
      return cm?.data ?? {};
    });
    for (const e of container.env ?? []) expect(e.valueFrom, `${role} ${e.name}: the example sets every variable by value or file reference`).toBeUndefined();
    const env: Record<string, string> = Object.assign({}, ...fromConfigMaps, Object.fromEntries((container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value])));
    for (const name of Object.keys(env)) expect(KNOWN_VARIABLES, name).toContain(name);
    expect(env.JML_CANONICAL_SECRET, 'the canonical key is a value; the chart uses JML_CANONICAL_SECRETS with file references').toBeUndefined();

    const volumes = new Map<string, { secret?: unknown; configMap?: unknown }>(pod.volumes.map((v: { name: string }) => [v.name, v]));
    const mounts: Mount[] = container.volumeMounts.map((m: { name: string; mountPath: string }) => {
      const volume = volumes.get(m.name);
      expect(volume, m.name).toBeDefined();
      // The policy ConfigMap of the example holds a policy like infra/deploy/policy.example.yaml.
      return volume?.configMap ? { at: m.mountPath, from: join(DEPLOY_DIR, 'policy.example.yaml') } : { at: m.mountPath };
    });
    // A reference to a file must point into a mounted Secret (or, for the policy, a ConfigMap).
    for (const path of Object.values(env).flatMap(fileRefs)) {
      const m = container.volumeMounts.find((v: { mountPath: string }) => path.startsWith(`${v.mountPath}/`));
      expect(volumes.get(m?.name)?.secret, `${role}: ${path} is not in a mounted Secret`).toBeDefined();
    }
    const config = productionConfig(role, localEnv(env, mounts));

    // Probes: a named port of this container, the port the role listens on, a path its server serves.
    const { host, port } = listening(role, config, env);
    expect(isLoopbackHost(host), `${role} listens on ${host}: the kubelet's probes would not reach it`).toBe(false);
    const ports = new Map<string, number>(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const get = container[probe]?.httpGet as { path: string; port: string } | undefined;
      expect(get, `${role} ${probe}`).toBeDefined();
      expect(ports.get(get?.port ?? ''), `${role} ${probe} port`).toBe(port);
      expect(SERVED[probedServer(role)], `${role} ${probe} path`).toContain(get?.path);
    }
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    if (SERVED[probedServer(role)].includes('/readyz')) expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    if (OPS_ROLES.includes(role)) expect(ports.get('ops')).toBe(Number(env.JML_OPS_PORT ?? DEFAULT_PORTS.ops));
    if (role === 'worker') expect(ports.get('temporal-metrics')).toBe(Number(env.JML_TEMPORAL_METRICS_PORT));

    // Kubernetes waits longer than the role's own drain deadline before it kills the pod.
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.roles.shutdownDeadlineMs);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it('routes Services, ServiceMonitors, NetworkPolicies and the autoscaler to ports and pods that exist', () => {
    const containerPorts = (d: K8s) => new Map<string, number>(d.spec.template.spec.containers[0].ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    for (const svc of byKind('Service')) {
      const [target, ...more] = selected(svc.spec.selector);
      expect(target, svc.metadata.name).toBeDefined();
      expect(more).toHaveLength(0);
      for (const p of svc.spec.ports) expect(containerPorts(target as K8s).has(p.targetPort), `${svc.metadata.name} ${p.targetPort}`).toBe(true);
    }
    const monitors = byKind('ServiceMonitor');
    expect(monitors.length).toBeGreaterThan(0);
    for (const sm of monitors) {
      const svc = byKind('Service').find((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels ?? {}));
      expect(svc, sm.metadata.name).toBeDefined();
      const role = roleOfDeployment(selected(svc?.spec.selector)[0] as K8s);
      for (const ep of sm.spec.endpoints) {
        expect(svc?.spec.ports.map((p: { name: string }) => p.name), sm.metadata.name).toContain(ep.port);
        expect(ep.path).toBe('/metrics');
        // The Temporal SDK's exporter serves its own /metrics; the other ports are ours.
        if (ep.port !== 'temporal-metrics') expect(SERVED[probedServer(role)], `${role} ${ep.port}`).toContain('/metrics');
      }
    }
    for (const np of byKind('NetworkPolicy')) {
      const [target] = selected(np.spec.podSelector.matchLabels);
      for (const rule of np.spec.ingress ?? []) for (const p of rule.ports) expect(containerPorts(target as K8s).has(p.port), `${np.metadata.name} ${p.port}`).toBe(true);
    }
    const [hpa, ...moreHpas] = byKind('HorizontalPodAutoscaler');
    expect(moreHpas).toHaveLength(0);
    const worker = deployments.find((d) => d.metadata.name === hpa?.spec.scaleTargetRef.name);
    expect(worker && roleOfDeployment(worker)).toBe('worker');
    expect(worker?.spec.replicas, 'the autoscaler owns the worker replica count').toBeUndefined();
  });

  it('prefixes every resource with the release name', () => {
    expect(docs.filter((d) => !d.metadata.name.startsWith(EXAMPLE_RELEASE.name)).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([]);
  });
});

describe('Helm chart values', () => {
  it('are all known to values.schema.json, which refuses any other (helm checks values against it)', () => {
    type Schema = { properties?: Record<string, Schema>; additionalProperties?: unknown; items?: Schema };
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Schema;
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as unknown;
    const unknown: string[] = [];
    const walk = (value: unknown, s: Schema, path: string): void => {
      if (Array.isArray(value) && s.items) value.forEach((v, i) => walk(v, s.items as Schema, `${path}[${i}]`));
      if (!value || typeof value !== 'object' || Array.isArray(value) || !s.properties) return;
      expect(s.additionalProperties, `${path || '(top)'} must refuse unknown keys`).toBe(false);
      for (const [k, v] of Object.entries(value)) {
        const inner = s.properties[k];
        if (inner) walk(v, inner, `${path}.${k}`);
        else unknown.push(`${path}.${k}`);
      }
    };
    walk(values, schema, '');
    expect(unknown).toEqual([]);
  });

  it('documents every value with a comment', () => {
    const lines = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8').split('\n');
    // A key is documented by a comment right above it, by a documented sibling right above it (a
    // group under one comment), or by a documented ancestor whose value is data (`# --` on a map).
    const stack: { indent: number; documented: boolean; data: boolean }[] = [];
    const lastDocumented = new Map<number, boolean>();
    const undocumented: string[] = [];
    lines.forEach((line, i) => {
      const m = /^(\s*)([A-Za-z][\w.-]*):(.*)$/.exec(line);
      if (!m) return;
      const indent = (m[1] as string).length;
      while (stack.length > 0 && (stack.at(-1) as { indent: number }).indent >= indent) stack.pop();
      const above = lines[i - 1] ?? '';
      const commented = /^\s*#/.test(above) && above.search(/\S/) === indent;
      // The comment block right above (a comment may run over several lines; `# --` starts it).
      let first = i - 1;
      while (first > 0 && /^\s*#/.test(lines[first - 1] ?? '') && (lines[first - 1] as string).search(/\S/) === indent) first--;
      const sibling = /^(\s*)[A-Za-z][\w.-]*:/.exec(above);
      const prev = sibling && (sibling[1] as string).length === indent ? lastDocumented.get(i - 1) : false;
      const inData = stack.some((s) => s.data);
      const leaf = (m[3] as string).trim() !== '';
      const documented = commented || Boolean(prev) || inData;
      lastDocumented.set(i, documented);
      if (leaf && !documented) undocumented.push(`${i + 1}: ${line.trim()}`);
      stack.push({ indent, documented, data: commented && /^\s*# --/.test(lines[first] ?? '') });
    });
    expect(undocumented).toEqual([]);
  });
});
