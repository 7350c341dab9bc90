import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOURCES } from './registry';

describe('source registry', () => {
  it('lists > every source under its own id', () => {
    for (const [key, source] of Object.entries(SOURCES)) expect(source.id, key).toBe(key);
  });

  it('kit > every registered source runs the source conformance kit in its one-line test file', () => {
    for (const id of Object.keys(SOURCES)) {
      const file = join(import.meta.dirname, id, `${id}.source-kit.test.ts`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('runSourceConformance('))).toHaveLength(1);
    }
  });

  it('settings > no two sources read the same variable', () => {
    const names = Object.values(SOURCES).flatMap((s) => Object.keys(s.settings.env));
    expect(new Set(names).size).toBe(names.length);
  });
});
