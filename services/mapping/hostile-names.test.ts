import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { HOSTILE_MAPPINGS, HOSTILE_NAMES } from '../../test/drills/hostile-names';
import { compileAppMapping } from './load';
import { resolveUnique } from './resolve-unique';

/**
 * What unique-value templates make of the hostile names of the drill (test/drills/hostile-names.ts),
 * before any server sees them: the drill's own templates, which keep the hostile characters so that
 * escaping is tested, and a login-style template that keeps only ASCII letters and digits.
 */

const personOf = (n: { givenName: string; familyName: string }, employeeId: string): PersonSnapshot => ({
  employeeId,
  workerType: 'employee',
  status: 'active',
  givenName: n.givenName,
  familyName: n.familyName,
});

const GRAPHEMES = new Intl.Segmenter('und', { granularity: 'grapheme' });
const graphemes = (s: string): string[] => Array.from(GRAPHEMES.segment(s), (g) => g.segment);

/** Resolves `attribute` for every hostile name in order, against an app that folds case (as uid and userName do). */
async function resolveAll(config: Parameters<typeof compileAppMapping>[0]['config'], attribute: string) {
  const mapping = compileAppMapping({ appId: 'app', config });
  const taken = new Set<string>();
  const out: Array<{ label: string; value: string | null; candidate?: number; problems: string[] }> = [];
  for (const [i, n] of HOSTILE_NAMES.entries()) {
    const r = await resolveUnique({ appId: 'app', mapping, person: personOf(n, `e${i}`), attribute, isTaken: async ({ value }) => taken.has(value.toLowerCase()) });
    if (r.value !== null) taken.add(r.value.toLowerCase());
    out.push({ label: n.label, value: r.value, ...(r.candidate === undefined ? {} : { candidate: r.candidate }), problems: r.problems.map((p) => p.code) });
  }
  return out;
}

describe('unique templates > hostile names', () => {
  for (const app of ['ldap', 'scim'] as const) {
    const attribute = app === 'ldap' ? 'uid' : 'userName';

    it(`the drill's ${app} ${attribute} > every name gets a value, distinct under case folding; only the case twins need the counter`, async () => {
      const resolved = await resolveAll(HOSTILE_MAPPINGS[app], attribute);
      expect(resolved.filter((r) => r.value === null)).toEqual([]);
      expect(new Set(resolved.map((r) => r.value?.toLowerCase())).size).toBe(HOSTILE_NAMES.length);
      expect(resolved.filter((r) => r.candidate !== 0).map((r) => r.label)).toEqual(['case-twin-lower']);
    });

    it(`the drill's ${app} ${attribute} > values are NFC, within the naming limit, and cut only between whole characters of the name`, async () => {
      for (const r of await resolveAll(HOSTILE_MAPPINGS[app], attribute)) {
        const value = r.value as string;
        const n = HOSTILE_NAMES.find((h) => h.label === r.label) as (typeof HOSTILE_NAMES)[number];
        expect(value, r.label).toBe(value.normalize('NFC'));
        expect(/[\uD800-\uDFFF]/u.test(value), `${r.label}: a lone surrogate`).toBe(false);
        // 60 bytes (LDAP) or 60 code points (SCIM) a name, the dot and a counter digit: below slapd's ~240 bytes.
        expect(Buffer.byteLength(value), r.label).toBeLessThanOrEqual(app === 'ldap' ? 122 : 250);
        // Each character of the value is a whole character of the lower-cased name (or the dot and counter).
        const source = new Set([...graphemes(`${n.givenName} ${n.familyName}`.normalize('NFC').toLowerCase()), '.', '2']);
        expect(graphemes(value).filter((g) => !source.has(g)), r.label).toEqual([]);
      }
    });
  }

  it('a login-style userName (ASCII letters and digits) > names with no Latin reading fall through to the employee-id candidate; every value is [a-z0-9.]', async () => {
    const login = '{givenName|ascii|alnum|lower|truncate(30)}.{familyName|ascii|alnum|lower|truncate(30)}';
    const resolved = await resolveAll({ attributes: {}, unique: { userName: [login, `${login}{n}`, 'u{employeeId|lower}'] } }, 'userName');
    for (const r of resolved) expect(r.value, r.label).toMatch(/^[a-z0-9.]+$/);
    expect(new Set(resolved.map((r) => r.value)).size).toBe(HOSTILE_NAMES.length);
    // `*`, 太郎 山田 and محمد עברית fold to nothing: the template is absent, not `.`.
    expect(resolved.filter((r) => r.candidate === 2).map((r) => r.label)).toEqual(['asterisk', 'cjk', 'rtl']);
    // Without a fallback they have no candidate at all: the create fails as unique-no-candidate (needs
    // attention), and the problems say why (one note per name part that ascii emptied).
    const bare = await resolveAll({ attributes: {}, unique: { userName: [login, `${login}{n}`] } }, 'userName');
    expect(bare.filter((r) => r.value === null).map((r) => `${r.label} ${r.problems.join(',')}`)).toEqual([
      'asterisk unique-no-candidate',
      'cjk ascii-unrepresentable,ascii-unrepresentable,unique-no-candidate',
      'rtl ascii-unrepresentable,ascii-unrepresentable,unique-no-candidate',
    ]);
  });
});
