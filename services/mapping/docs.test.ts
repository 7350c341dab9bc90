import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileExpression } from './compile';
import { signatureOf } from './function-types';
import { FUNCTIONS } from './functions';
import { compileAppMapping } from './load';
import { resolveUnique } from './resolve-unique';
import { person } from './testing';

const doc = readFileSync(new URL('../../docs/attribute-mapping.md', import.meta.url), 'utf8');

/** Rows of the function table: name and signature as documented. */
function documentedFunctions(): Map<string, string> {
  const section = doc.slice(doc.indexOf('## Functions'), doc.indexOf('## ASCII folding'));
  const rows = [...section.matchAll(/^\| `(\w+)` \| `([^`]+)` \|/gm)];
  return new Map(rows.map((m) => [m[1]!, m[2]!]));
}

/** Expressions quoted in the YAML examples: `key: '<expr>'` and `- '<expr>'` lines. */
function exampleExpressions(): string[] {
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => [...block.matchAll(/(?:: |- )'([^']*)'\s*$/gm)].map((m) => m[1]!));
}

describe('docs/attribute-mapping.md', () => {
  it('has a row for every function, and no row for a function that does not exist', () => {
    expect([...documentedFunctions().keys()].sort()).toEqual([...FUNCTIONS.keys()].sort());
  });

  it('documents each function with the parameters it takes', () => {
    for (const [name, documented] of documentedFunctions()) {
      const spec = FUNCTIONS.get(name)!;
      const arity = (s: string): number => s.split(',').length;
      // Variadic functions are documented as f(a, b, …); fixed ones with exactly their parameters.
      if (spec.rest) expect(documented, name).toMatch(/…\)$/);
      else expect(arity(documented), name).toBe(arity(signatureOf(spec)));
    }
  });

  it('shows only example expressions that compile', () => {
    const expressions = exampleExpressions();
    expect(expressions.length).toBeGreaterThan(25);
    for (const source of expressions) {
      const result = compileExpression({ source, tables: null, allowCounter: true });
      expect(result.ok ? [] : result.issues, source).toEqual([]);
    }
  });

  it('tells the truth about the LDAP example\'s uid sequence', async () => {
    const ldap = doc.slice(doc.indexOf('### An LDAP directory'));
    const candidates = [...ldap.slice(ldap.indexOf('uid:'), ldap.indexOf('uniqueCounter')).matchAll(/- '([^']*)'/g)].map((m) => m[1]!);
    expect(candidates).toHaveLength(4);
    const mapping = compileAppMapping({ appId: 'directory', config: { attributes: {}, unique: { uid: candidates } } });
    const order: string[] = [];
    await resolveUnique({
      appId: 'directory',
      mapping,
      person: person(),
      attribute: 'uid',
      isTaken: async ({ value }) => {
        order.push(value);
        return order.length < 4;
      },
    });
    expect(order).toEqual(['alovelac', 'adalovel', 'alovela2', 'alovela3']);
  });

  it('tells the truth about the SCIM example\'s userName for José', async () => {
    const scim = doc.slice(doc.indexOf('### A SCIM app'), doc.indexOf('### An LDAP directory'));
    const candidates = [...scim.slice(scim.indexOf('userName:'), scim.indexOf('lookups:')).matchAll(/- '([^']*)'/g)].map((m) => m[1]!);
    const mapping = compileAppMapping({ appId: 'wiki', config: { attributes: {}, unique: { userName: candidates } } });
    const jose = person({ givenName: 'José', familyName: 'Müller-Łukasiewicz' });
    const taken = new Set(['jose.mullerlukasiewicz@example.com']);
    const free = await resolveUnique({ appId: 'wiki', mapping, person: jose, attribute: 'userName', isTaken: async () => false });
    const next = await resolveUnique({ appId: 'wiki', mapping, person: jose, attribute: 'userName', isTaken: async ({ value }) => taken.has(value) });
    const yamada = await resolveUnique({ appId: 'wiki', mapping, person: person({ givenName: '太郎', familyName: '山田' }), attribute: 'userName', isTaken: async () => false });
    expect([free.value, next.value, yamada.value]).toEqual(['jose.mullerlukasiewicz@example.com', 'jose.mullerlukasiewicz2@example.com', 'u1815@example.com']);
  });
});
