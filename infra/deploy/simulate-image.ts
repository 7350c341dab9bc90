/**
 * The nearest this machine gets to `docker build` and `docker run` without a container engine
 * (`npm run check:deploy -- --image`): the Dockerfile's stages replayed on the committed tree, then
 * the result run the way the image runs it.
 *
 * - context: `git archive HEAD`, which holds what the build context holds once .dockerignore has
 *   dropped .git, node_modules, dist and .env;
 * - build stage: the installed packages stand in for `npm ci` (the same package-lock.json), then the
 *   stage's other RUN lines, read from the Dockerfile, run as written;
 * - prod-deps stage: a copy of those packages, `npm prune --omit=dev --offline`;
 * - runtime stage: package.json, the pruned node_modules and dist/ in one folder.
 *
 * Each run is uid 1000 in its own pid namespace (so the health check sees only that "container"'s
 * processes) with the folder bind-mounted read-only, and only the environment given: the entry
 * without a role must print its usage and exit 2 (every import resolves with production packages
 * only), and the codec server (which needs no other server) must pass the image's health check and
 * drain on SIGTERM with exit 0. What differs from the image: the base image's files and npm are this
 * machine's, and only the app folder is read-only. Needs root, unshare and setpriv.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKERFILE, ROOT } from './chart';

const UID = 1000;

export interface ImageCheck {
  check: string;
  ok: boolean;
  detail: string;
}

/** The build stage's RUN lines after `COPY . .`, continuation lines joined: the steps replayed as written. */
export function buildSteps(dockerfile: string): string[] {
  const stage = dockerfile.split(/^FROM /m)[1] ?? '';
  const afterCopy = stage.slice(stage.search(/^COPY \. \.$/m));
  const joined = afterCopy.replace(/\\\n\s*/g, ' ');
  return [...joined.matchAll(/^RUN (.+)$/gm)].map((m) => (m[1] as string).trim());
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = process.env): { ok: boolean; out: string } {
  const r = spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One "container": `role` (or none) with `env`, health checked for up to `seconds`, then SIGTERM. */
function runContainer(app: string, role: string | undefined, env: Record<string, string>, seconds: number): { ok: boolean; out: string } {
  const vars = Object.entries({ PATH: '/usr/local/bin:/usr/bin:/bin', NODE_ENV: 'production', ...env }).map(([k, v]) => `'${k}=${v.replace(/'/g, `'\\''`)}'`).join(' ');
  const as = `setpriv --reuid ${UID} --regid ${UID} --clear-groups env -i ${vars}`;
  // The role's output and the health check's complaint go to a writable folder beside the read-only app.
  const work = mkdtempSync(join(tmpdir(), 'jml-image-run-'));
  chownSync(work, UID, UID);
  const [log, err] = [join(work, 'role.log'), join(work, 'health.err')];
  const mountApp = `mount -o bind,ro '${app}' '${app}' && cd '${app}' || exit 9
touch dist/.write-probe 2>/dev/null && { echo 'the app folder is writable'; exit 9; }`;
  const script = role
    ? `${mountApp}
${as} node dist/services/main.js ${role} > '${log}' 2>&1 &
pid=$!; i=0
until ${as} node dist/healthcheck.mjs 2>'${err}'; do i=$((i+1)); [ $i -ge ${seconds} ] && { echo "not healthy after ${seconds}s: $(cat '${err}')"; cat '${log}'; kill -KILL $pid; exit 1; }; sleep 1; done
echo "healthy after \${i}s"
until grep -q '"msg":"running"' '${log}'; do i=$((i+1)); [ $i -ge ${seconds} ] && { echo 'never said running'; cat '${log}'; kill -KILL $pid; exit 1; }; sleep 1; done
kill -TERM $pid; wait $pid; code=$?; echo "exit $code after SIGTERM"; [ $code -eq 0 ]`
    : `${mountApp}
${as} node dist/services/main.js; code=$?; echo "exit $code"; [ $code -eq 2 ]`;
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', '--mount', 'sh', '-c', script], { encoding: 'utf8', timeout: (seconds + 60) * 1000 });
  rmSync(work, { recursive: true, force: true });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Replays the image's build and runs it; one entry per step. Throws only when it cannot begin. */
export async function simulateImage(opts: { installedPackages: string }): Promise<ImageCheck[]> {
  const results: ImageCheck[] = [];
  const root = mkdtempSync(join(tmpdir(), 'jml-image-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    const archive = sh(`git -C '${ROOT}' archive HEAD | tar -x -C '${src}'`, root);
    if (!archive.ok) throw new Error(`git archive HEAD: ${archive.out}`);
    symlinkSync(opts.installedPackages, join(src, 'node_modules'));
    const steps = buildSteps(readFileSync(DOCKERFILE, 'utf8'));
    for (const step of steps) {
      const r = sh(`nice -n 10 sh -c '${step.replace(/'/g, `'\\''`)}'`, src);
      results.push({ check: `build stage: RUN ${step}`, ok: r.ok, detail: r.ok ? 'done' : r.out.split('\n').slice(-5).join(' | ') });
      if (!r.ok) return results;
    }

    const app = join(root, 'app');
    mkdirSync(app);
    cpSync(join(src, 'package.json'), join(app, 'package.json'));
    cpSync(join(src, 'package-lock.json'), join(app, 'package-lock.json'));
    cpSync(opts.installedPackages, join(app, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    const prune = sh('npm prune --omit=dev --offline --no-audit --no-fund', app);
    results.push({ check: 'prod-deps stage: npm prune --omit=dev', ok: prune.ok, detail: prune.ok ? 'done' : prune.out.split('\n').slice(-3).join(' | ') });
    if (!prune.ok) return results;
    rmSync(join(app, 'package-lock.json'));
    cpSync(join(src, 'dist'), join(app, 'dist'), { recursive: true });
    sh(`chmod -R a+rX '${root}'`, root);

    const usage = runContainer(app, undefined, {}, 10);
    results.push({ check: 'run, no role, uid 1000, production packages only', ok: usage.ok, detail: usage.out.split('\n').slice(-2).join(' | ') });

    const secrets = join(root, 'secrets');
    mkdirSync(secrets, { mode: 0o700 });
    writeFileSync(join(secrets, 'codec-key'), randomBytes(32).toString('base64'), { mode: 0o400 });
    writeFileSync(join(secrets, 'token'), randomBytes(32).toString('base64url'), { mode: 0o400 });
    for (const f of ['', 'codec-key', 'token']) chownSync(join(secrets, f), UID, UID);
    chmodSync(secrets, 0o700);
    const codec = runContainer(
      app,
      'codec-server',
      {
        JML_CODEC_SERVER_HOST: '0.0.0.0',
        JML_CODEC_SERVER_PORT: String(await freePort()),
        JML_CODEC_KEYS: JSON.stringify([{ id: 'k1', key: { file: join(secrets, 'codec-key') } }]),
        JML_CODEC_SERVER_TOKEN: JSON.stringify({ file: join(secrets, 'token') }),
      },
      30,
    );
    results.push({ check: 'run codec-server, uid 1000, read-only app: health check, SIGTERM', ok: codec.ok, detail: codec.out.split('\n').filter((l) => !l.startsWith('{')).slice(-3).join(' | ') });
    return results;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
