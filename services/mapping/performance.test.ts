import { describe, expect, it, vi } from 'vitest';
import type * as ParseModule from './parse';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { compileAppMapping } from './load';
import { mapPerson } from './map-person';
import { parseExpression } from './parse';

// Count parser calls: evaluation must never parse.
vi.mock('./parse', async (importOriginal) => {
  const actual = await importOriginal<typeof ParseModule>();
  return { ...actual, parseExpression: vi.fn(actual.parseExpression) };
});

const GIVEN = ['José', 'Łucja', 'Işıl', 'Nguyễn', 'Søren', 'Ada', '太郎', 'Zoë'];
const FAMILY = ['Müller-Łukasiewicz', 'Ødegård', 'Groß', 'Đặng', 'O’Brien', 'Lovelace', '山田', 'van der Berg'];

/** A deterministic crowd: person i is built from i alone. */
function crowd(size: number): PersonSnapshot[] {
  return Array.from({ length: size }, (_, i) => ({
    employeeId: String(100_000 + i),
    workerType: 'employee',
    status: i % 10 === 0 ? 'on-leave' : 'active',
    givenName: GIVEN[i % GIVEN.length]!,
    familyName: FAMILY[(i * 7) % FAMILY.length]!,
    department: i % 3 === 0 ? 'Engineering' : 'Sales',
    custom: { latinFamilyName: 'Yamada' },
  }));
}

// Speed itself is a benchmark's business; this test proves the structural property behind it.
describe('compiled mappings', () => {
  it('compiles each expression once, then maps many people without parsing again', () => {
    const parse = vi.mocked(parseExpression);
    parse.mockClear();
    const mapping = compileAppMapping({
      appId: 'directory',
      config: {
        attributes: {
          mail: '{givenName|ascii|lower|alnum}.{coalesce(familyName|ascii, custom.latinFamilyName)|lower|alnum}@example.com',
          cn: '{givenName} {familyName}',
          displayName: '{join(" ", coalesce(preferredName, givenName), familyName)}',
          employeeNumber: '{employeeId|padStart(8, "0")}',
          ou: '{department|lookup(ous)|default("Other")}',
          initials: '{givenName|ascii|initial|upper}{familyName|ascii|initials|upper}',
          active: '{status|lookup(active)}',
        },
        unique: { uid: ['{givenName|ascii|initial|lower}{familyName|ascii|lower|alnum|truncate(7)}', '{employeeId}{n}'] },
        lookups: { ous: { Engineering: 'Eng' }, active: { active: true, 'on-leave': false } },
      },
    });
    expect(parse).toHaveBeenCalledTimes(9);

    const people = crowd(2_000);
    const results = people.map((person) => mapPerson({ appId: 'directory', mapping, person }));

    expect(parse).toHaveBeenCalledTimes(9);
    expect(results[0]!.attributes).toMatchObject({ mail: 'jose.mullerlukasiewicz@example.com', employeeNumber: '00100000', ou: 'Eng', active: false });
    expect(results[6]!.attributes).toMatchObject({ mail: null, ou: 'Eng' });
    expect(results[2]!.attributes).toMatchObject({ mail: 'isil.yamada@example.com', initials: null });
  });
});
