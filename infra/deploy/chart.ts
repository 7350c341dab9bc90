import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the deployment files are, and the fingerprint that ties the committed rendering of the
 * chart to the sources it was rendered from. `npm run check:deploy` renders the chart with helm and
 * compares; infra/deploy/deploy.test.ts, which runs without helm, checks the rendering's contents and
 * that its fingerprint still matches the chart, so a chart change without a re-render fails there too.
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEPLOY_DIR = join(ROOT, 'infra', 'deploy');
export const DOCKERFILE = join(DEPLOY_DIR, 'Dockerfile');
export const COMPOSE_FILE = join(DEPLOY_DIR, 'compose.yaml');
export const CHART_DIR = join(DEPLOY_DIR, 'helm', 'jml-pipeline');
export const EXAMPLE_VALUES = join(DEPLOY_DIR, 'helm', 'examples', 'values-example.yaml');
export const EXAMPLE_RENDERED = join(DEPLOY_DIR, 'helm', 'examples', 'rendered-example.yaml');

/** The release and namespace the example is rendered as. */
export const EXAMPLE_RELEASE = { name: 'jml-pipeline', namespace: 'jml' } as const;

/** sha256 over the chart's files and the example values (paths and contents), in a stable order. */
export function chartFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(CHART_DIR), EXAMPLE_VALUES].sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

/** The first lines of the committed rendering: how it was made, and from what. */
export function renderedHeader(fingerprint: string): string {
  return [
    '# Rendered by `npm run check:deploy -- --update` (helm template of infra/deploy/helm/jml-pipeline with',
    '# infra/deploy/helm/examples/values-example.yaml). Do not edit; infra/deploy/deploy.test.ts reads it.',
    `# chart-fingerprint: ${fingerprint}`,
    '',
  ].join('\n');
}

/** The fingerprint a committed rendering names in its header, if any. */
export function fingerprintOf(rendered: string): string | undefined {
  return /^# chart-fingerprint: ([0-9a-f]{64})$/m.exec(rendered)?.[1];
}

/** Compose's variable interpolation for the forms the file uses: ${V}, ${V:-default}, ${V:?message}, $$. */
export function interpolate(text: string, vars: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\$|\$\{([A-Za-z0-9_]+)(?::([-?])([^}]*))?\}/g, (whole, name: string, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    const value = vars[name];
    if (op === '?' && !value) throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return value || (op === '-' ? (arg ?? '') : '');
  });
}
