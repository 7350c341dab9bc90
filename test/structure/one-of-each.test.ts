import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One of each (issue 13): each of these jobs has exactly one implementation, and a second copy
 * fails this test. Scans the non-test TypeScript of the folders that ship.
 */
const ROOT = join(import.meta.dirname, '../..');
const SHIPPED = ['schemas', 'connectors', 'sources', 'services', 'workflows', 'infra', 'bench'];

function sourceFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const FILES = SHIPPED.flatMap((d) => sourceFiles(join(ROOT, d))).map((path) => ({ path: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));

/** Files (repository paths) whose text matches `pattern`. */
const filesMatching = (pattern: RegExp): string[] => FILES.filter((f) => pattern.test(f.text)).map((f) => f.path).sort();

describe('one of each', () => {
  it('scans the shipped code (sanity)', () => {
    expect(FILES.length).toBeGreaterThan(100);
  });

  it('canonicalJson > defined only in schemas/canonical-json.ts (event ids depend on it)', () => {
    expect(filesMatching(/function canonicalJson\b|const canonicalJson\s*=/)).toEqual(['schemas/canonical-json.ts']);
  });

  it('coded errors > only the factory assigns code and retryable; families are one-liners', () => {
    expect(filesMatching(/this\.retryable\s*=/)).toEqual(['schemas/coded-error.ts']);
  });

  it('activity boundary > only services/activity-boundary.ts heartbeats on a timer and turns coded errors into failures', () => {
    const timers = filesMatching(/setInterval\(/);
    expect(filesMatching(/\.heartbeat\(/).filter((f) => timers.includes(f))).toEqual(['services/activity-boundary.ts']);
    expect(filesMatching(/ApplicationFailure\.create\(\{\s*type:\s*\w+\.code\b/)).toEqual(['services/activity-boundary.ts']);
  });

  it('outbound HTTP > one Retry-After parser, and only the one HTTP module reads the header', () => {
    expect(filesMatching(/function parseRetryAfter\b/)).toEqual(['connectors/sdk/retry-after.ts']);
    expect(filesMatching(/\.get\(\s*['"]retry-after['"]\s*\)/i)).toEqual(['connectors/sdk/http.ts']);
  });

  it('dead letters > only services/kafka/dead-letter.ts writes to the DLQ topic or names its headers', () => {
    expect(filesMatching(/topic:\s*TOPICS\.dlq\b/)).toEqual(['services/kafka/dead-letter.ts']);
    expect(filesMatching(/['"]jml-reject-(code|reason)['"]/)).toEqual(['services/kafka/dead-letter.ts']);
  });
});
