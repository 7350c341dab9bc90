import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnySource } from '../../sources/sdk/define';
import { checkSource } from '../../sources/sdk/conformance';
import { PLACEHOLDER } from './new-connector';
import { newSource, registeredSourceIds, SOURCES_DIR } from './new-source';

const REGISTRY = `import { existingSource } from './existing';

export const SOURCES = {
  existing: existingSource,
  'other-hr': otherHrSource,
} as const;
`;

describe('new:source', () => {
  let root: string;

  // Inside sources/ (a dot folder, which neither vitest nor the generated imports mind), so that
  // the generated source imports the real SDK and schemas exactly as one generated in place does.
  beforeEach(() => {
    root = mkdtempSync(join(SOURCES_DIR, '.scaffold-test-'));
    writeFileSync(join(root, 'registry.ts'), REGISTRY);
    mkdirSync(join(root, 'taken'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('generates > the source, its settings, golden fixtures, its one-line kit test and its README', () => {
    const result = newSource({ id: 'acme-hr', sourcesDir: root });
    expect(result.dir).toBe(join(root, 'acme-hr'));
    expect(result.files).toEqual([
      'README.md',
      'acme-hr.source-kit.test.ts',
      'golden/hired.body.json',
      'golden/hired.context.json',
      'golden/hired.expected.json',
      'golden/terminated.body.json',
      'golden/terminated.context.json',
      'golden/terminated.expected.json',
      'index.ts',
      'normalize.ts',
      'payload.ts',
      'settings.ts',
      'signature.ts',
    ]);
    expect(result.registry).toEqual({ importLine: "import { acmeHrSource } from './acme-hr';", entryLine: "  'acme-hr': acmeHrSource," });
    for (const file of result.files) expect(PLACEHOLDER.exec(readFileSync(join(result.dir, file), 'utf8'))?.[0], file).toBeUndefined();
    const test = readFileSync(join(result.dir, 'acme-hr.source-kit.test.ts'), 'utf8');
    expect(test.split('\n').filter((line) => line.startsWith('runSourceConformance('))).toEqual(['runSourceConformance(acmeHrSource);']);
    expect(readFileSync(join(result.dir, 'settings.ts'), 'utf8')).toContain("'JML_ACME_HR_TENANTS'");
    expect(readFileSync(join(result.dir, 'index.ts'), 'utf8').match(/TODO\(acme-hr\)/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('kit > the generated source passes every check of the source conformance kit as generated', async () => {
    const { dir } = newSource({ id: 'acme-hr', sourcesDir: root });
    const { acmeHrSource } = (await import(join(dir, 'index.ts'))) as { acmeHrSource: AnySource };
    const outcome = await checkSource(acmeHrSource);
    expect(outcome.skipped).toEqual([]);
    expect(outcome.passed).toEqual(expect.arrayContaining(['golden > hired > becomes exactly the expected events', 'golden > terminated > becomes exactly the expected events']));
    expect(outcome.passed.length).toBeGreaterThanOrEqual(10);
  }, 30_000);

  it('refuses > malformed ids with the rule spelled out, writing nothing', () => {
    for (const id of ['', 'Acme', 'acme_hr', '-acme', 'acme--hr', '1acme']) {
      expect(() => newSource({ id, sourcesDir: root }), JSON.stringify(id)).toThrow(/source id .* lowercase letters, digits and single dashes/);
    }
    expect(readdirSync(root).sort()).toEqual(['registry.ts', 'taken']);
  });

  it('refuses > an id whose folder exists or that the registry lists', () => {
    expect(() => newSource({ id: 'taken', sourcesDir: root })).toThrow('sources/taken already exists');
    expect(() => newSource({ id: 'other-hr', sourcesDir: root })).toThrow("'other-hr' is already registered in sources/registry.ts");
    expect(existsSync(join(root, 'other-hr'))).toBe(false);
  });

  it('reads > the keys of the real registry', () => {
    expect(registeredSourceIds(readFileSync(join(SOURCES_DIR, 'registry.ts'), 'utf8'))).toEqual(['bamboohr', 'workday', 'canonical']);
  });
});
