import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` (what .ci/run and the image use) installs exactly the lock and refuses a lock that does
 * not match package.json. npm resolves the lock on one platform, so a lock written by an install
 * that pruned other platforms' optional packages (`@swc/core-darwin-arm64`, `@rollup/rollup-…`)
 * breaks `npm ci` everywhere else. These checks read the files only (no network) and fail on
 * either drift; `npm install` on any machine writes a lock that passes them.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => JSON.parse(readFileSync(`${ROOT}${file}`, 'utf8')) as Record<string, unknown>;

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const lock = read('package-lock.json') as { lockfileVersion: number; packages: Record<string, LockedPackage> };
const manifest = read('package.json') as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

/** Where Node would find `name` from the package installed at `at`: its own node_modules, then each parent's. */
function resolves(at: string, name: string): boolean {
  let dir = at;
  for (;;) {
    if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

describe('package-lock.json', () => {
  it('is a lockfile v3 whose root lists exactly the dependencies of package.json', () => {
    expect(lock.lockfileVersion).toBe(3);
    const root = lock.packages[''] ?? {};
    expect(root.dependencies ?? {}).toEqual(manifest.dependencies ?? {});
    expect(root.devDependencies ?? {}).toEqual(manifest.devDependencies ?? {});
  });

  it('locks every optional package of every platform, so npm ci works on any machine', () => {
    const missing: string[] = [];
    for (const [at, pkg] of Object.entries(lock.packages)) {
      for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
        if (!resolves(at, name)) missing.push(`${at || '(root)'} → ${name}`);
      }
    }
    expect(missing, 'run `npm install` and commit package-lock.json').toEqual([]);
  });

  it('locks every dependency it names (a hand-edited lock fails here, not in npm ci)', () => {
    const missing: string[] = [];
    for (const [at, pkg] of Object.entries(lock.packages)) {
      if (at === '' || at.startsWith('node_modules/') || at.includes('/node_modules/')) {
        for (const name of Object.keys(pkg.dependencies ?? {})) if (!resolves(at, name)) missing.push(`${at || '(root)'} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
