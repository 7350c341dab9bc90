import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONNECTORS_DIR, PLACEHOLDER, factoryName, newConnector, registeredIds } from './new-connector';

const REGISTRY = `import { createExistingAppConnector } from './existing-app';

export const CONNECTOR_FACTORIES = {
  'existing-app': createExistingAppConnector,
  plain: createPlainConnector,
} as const;
`;

describe('new:connector', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'jml-scaffold-'));
    writeFileSync(join(root, 'registry.ts'), REGISTRY);
    mkdirSync(join(root, 'taken'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('generates > the connector, its fake app, its conformance test and its README', () => {
    const result = newConnector({ id: 'acme-hr', connectorsDir: root });
    expect(result.dir).toBe(join(root, 'acme-hr'));
    expect(result.files).toEqual(['README.md', 'acme-hr.conformance.test.ts', 'index.ts', 'testing/conformance-target.ts', 'testing/fake-app.ts']);
    for (const file of result.files) expect(existsSync(join(result.dir, file)), file).toBe(true);
    expect(result.factory).toBe('createAcmeHrConnector');
    expect(result.registry).toEqual({ importLine: "import { createAcmeHrConnector } from './acme-hr';", entryLine: "  'acme-hr': createAcmeHrConnector," });
  });

  it('generates > files with every placeholder replaced and the id in the TODOs', () => {
    const { dir, files } = newConnector({ id: 'acme-hr', connectorsDir: root });
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(PLACEHOLDER.exec(text)?.[0], file).toBeUndefined();
    }
    const index = readFileSync(join(dir, 'index.ts'), 'utf8');
    expect(index).toContain("id: 'acme-hr'");
    expect(index).toContain('export function createAcmeHrConnector()');
    expect(index.match(/\/\/ TODO\(acme-hr\):/g)?.length).toBeGreaterThanOrEqual(5);
    const test = readFileSync(join(dir, 'acme-hr.conformance.test.ts'), 'utf8');
    expect(test.split('\n').filter((line) => line.startsWith('runConformance('))).toEqual(['runConformance(createAcmeHrConnector(), fakeAppTarget);']);
    expect(test).not.toMatch(/skip/);
  });

  it('generates > an accounts.list stub and the kit hook that makes an account outside the pipeline', () => {
    const { dir } = newConnector({ id: 'acme-hr', connectorsDir: root });
    const index = readFileSync(join(dir, 'index.ts'), 'utf8');
    expect(index).toContain("'accounts.list',");
    expect(index).toMatch(/async listAccounts\(ctx, req\) \{/);
    expect(index).toContain('pageSizeOf(req)');
    const target = readFileSync(join(dir, 'testing', 'conformance-target.ts'), 'utf8');
    expect(target).toMatch(/handMade: \{\s+async create\(/);
    expect(readFileSync(join(dir, 'testing', 'fake-app.ts'), 'utf8')).toContain('seedUser(');
  });

  it('refuses > malformed ids with the rule spelled out, writing nothing', () => {
    for (const id of ['', 'Acme', 'acme_hr', '-acme', 'acme-', 'acme--hr', '1acme', 'acme hr', 'a'.repeat(64)]) {
      expect(() => newConnector({ id, connectorsDir: root }), JSON.stringify(id)).toThrow(/lowercase letters, digits and single dashes/);
    }
    expect(readdirSync(root).sort()).toEqual(['registry.ts', 'taken']);
  });

  it('refuses > an id whose folder or file already exists in connectors/', () => {
    expect(() => newConnector({ id: 'taken', connectorsDir: root })).toThrow("connectors/taken already exists");
    expect(() => newConnector({ id: 'registry', connectorsDir: root })).toThrow("connectors/registry.ts already exists");
    expect(readdirSync(join(root, 'taken'))).toEqual([]);
  });

  it('refuses > an id the registry already lists, quoted or not', () => {
    expect(() => newConnector({ id: 'existing-app', connectorsDir: root })).toThrow("'existing-app' is already registered in connectors/registry.ts");
    expect(() => newConnector({ id: 'plain', connectorsDir: root })).toThrow('already registered');
    expect(existsSync(join(root, 'existing-app'))).toBe(false);
  });

  it('reads > the keys of the real registry', () => {
    const ids = registeredIds(readFileSync(join(CONNECTORS_DIR, 'registry.ts'), 'utf8'));
    expect(ids).toEqual(expect.arrayContaining(['dev-redis', 'ldap', 'scim']));
  });

  it('names > the factory in camel case', () => {
    expect(factoryName('ldap')).toBe('createLdapConnector');
    expect(factoryName('acme-hr-2')).toBe('createAcmeHr2Connector');
  });
});
