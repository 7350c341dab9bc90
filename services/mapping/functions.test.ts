import { describe, expect, it } from 'vitest';
import { evaluate, evaluateWithNotes, person } from './testing';

const ada = person({ givenName: 'Ada', familyName: 'Lovelace' });

describe('functions', () => {
  describe('case', () => {
    it('lower and upper change case without a locale (Turkish I lowers to i)', () => {
      expect(evaluate('{familyName|lower}')).toBe('lovelace');
      expect(evaluate('{familyName|upper}')).toBe('LOVELACE');
      expect(evaluate('{givenName|lower}', { person: person({ givenName: 'IŞIL' }) })).toBe('işil');
    });

    it('upper spells ß as SS', () => {
      expect(evaluate('{familyName|upper}', { person: person({ familyName: 'Groß' }) })).toBe('GROSS');
    });

    it('titleCase capitalizes each word, including after hyphens and apostrophes', () => {
      expect(evaluate('{familyName|titleCase}', { person: person({ familyName: "mARY-jane o'brien" }) })).toBe("Mary-Jane O'Brien");
    });
  });

  describe('white space', () => {
    const spaced = person({ givenName: '  Mary   Ann \t' });

    it('trim removes white space at both ends only', () => {
      expect(evaluate('[{givenName|trim}]', { person: spaced })).toBe('[Mary   Ann]');
    });

    it('normalizeSpace also collapses inner runs to one space', () => {
      expect(evaluate('[{givenName|normalizeSpace}]', { person: spaced })).toBe('[Mary Ann]');
    });
  });

  describe('character filters', () => {
    it('ascii folds accents and special letters', () => {
      expect(evaluate('{familyName|ascii}', { person: person({ familyName: 'Müller-Łukasiewicz' }) })).toBe('Muller-Lukasiewicz');
    });

    it('ascii notes that it dropped characters, without the characters themselves', () => {
      const { value, notes } = evaluateWithNotes('{familyName|ascii}', { person: person({ familyName: '山田' }) });
      expect(value).toBeNull();
      expect(notes).toEqual([{ code: 'ascii-unrepresentable', position: 12, message: 'ascii dropped characters that have no ASCII reading' }]);
    });

    it('alnum keeps ASCII letters and digits only', () => {
      expect(evaluate("{familyName|alnum}", { person: person({ familyName: "O'Brien-Smith Jr. 3rd" }) })).toBe('OBrienSmithJr3rd');
    });

    it('digitsOnly keeps the digits of a phone number or id', () => {
      expect(evaluate('{custom.phone|digitsOnly}', { person: person({ custom: { phone: '+41 (44) 668-18 00' } }) })).toBe('41446681800');
    });

    it('remove drops each listed character', () => {
      expect(evaluate(`{familyName|remove(" '-")}`, { person: person({ familyName: "O'Brien-Smith Jones" }) })).toBe('OBrienSmithJones');
    });

    it('replace substitutes every literal occurrence', () => {
      expect(evaluate('{familyName|replace(" ", "_")}', { person: person({ familyName: 'van der Berg' }) })).toBe('van_der_Berg');
    });

    it('replace treats regular-expression and $-pattern characters literally', () => {
      expect(evaluate('{familyName|replace(".*", "$&$1")}', { person: person({ familyName: 'a.*b.*c' }) })).toBe('a$&$1b$&$1c');
    });

    it('replace may replace with nothing', () => {
      expect(evaluate('{familyName|replace(" ", "")}', { person: person({ familyName: 'de la Cruz' }) })).toBe('delaCruz');
    });
  });

  describe('parts of text', () => {
    it('truncate and first keep at most n characters', () => {
      expect(evaluate('{familyName|truncate(4)}', { person: ada })).toBe('Love');
      expect(evaluate('{familyName|first(2)}', { person: ada })).toBe('Lo');
      expect(evaluate('{givenName|truncate(20)}', { person: ada })).toBe('Ada');
    });

    it('truncateBytes keeps at most n bytes of UTF-8 and never cuts a character, nor a base from its accents', () => {
      const bytes = (s: unknown) => Buffer.byteLength(String(s));
      expect(evaluate('{familyName|truncateBytes(4)}', { person: ada })).toBe('Love');
      expect(evaluate('{givenName|truncateBytes(240)}', { person: ada })).toBe('Ada');
      // ł and ó are 2 bytes, 山 3, 𠮷 4: a character that would not fit whole is left out.
      expect(evaluate('{familyName|truncateBytes(3)}', { person: person({ familyName: 'Łódź' }) })).toBe('Ł');
      expect(evaluate('{familyName|truncateBytes(4)}', { person: person({ familyName: 'Łódź' }) })).toBe('Łó');
      expect(evaluate('{familyName|truncateBytes(5)}', { person: person({ familyName: '山田' }) })).toBe('山');
      expect(evaluate('{givenName|truncateBytes(3)}', { person: person({ givenName: '𠮷野家' }) })).toBeNull();
      // A base letter with a combining mark NFC cannot compose (q + U+0307) is kept or dropped with it.
      expect(evaluate('{familyName|truncateBytes(3)}', { person: person({ familyName: 'aq\u0307b' }) })).toBe('a');
      const long = person({ familyName: 'Wąsowska-Łukasiewicz-'.repeat(20) });
      const cut = evaluate('{familyName|truncateBytes(241)}', { person: long });
      expect(bytes(cut)).toBeLessThanOrEqual(241);
      expect(bytes(cut)).toBeGreaterThan(238);
      expect(long.familyName.startsWith(String(cut))).toBe(true);
    });

    it('count characters, not UTF-16 units, so an astral character is never cut in half', () => {
      expect(evaluate('{givenName|first(2)}', { person: person({ givenName: '𠮷野家' }) })).toBe('𠮷野');
      expect(evaluate('{givenName|last(1)}', { person: person({ givenName: 'Zoë🚀' }) })).toBe('🚀');
    });

    it('truncate, first, last and truncateBytes never cut inside a character as people see it (an emoji sequence, a flag, a letter with its marks)', () => {
      // 👩‍💻 is three code points (woman, zero width joiner, laptop) and one character on screen; a cut
      // inside it left an invisible joiner at the end of a user name, or a different emoji.
      const dev = person({ familyName: 'Dev 👩\u200D💻', givenName: '👩\u200D💻 Ana' });
      expect(evaluate('{familyName|truncate(6)}', { person: dev })).toBe('Dev ');
      expect(evaluate('{familyName|truncate(5)}', { person: dev })).toBe('Dev ');
      expect(evaluate('{familyName|truncate(7)}', { person: dev })).toBe('Dev 👩\u200D💻');
      expect(evaluate('{familyName|first(6)}', { person: dev })).toBe('Dev ');
      expect(evaluate('{givenName|last(5)}', { person: dev })).toBe(' Ana');
      expect(evaluate('{givenName|last(6)}', { person: dev })).toBe(' Ana');
      // 4 + 4 + 3 bytes reach into the sequence: the whole sequence is left out.
      expect(evaluate('{familyName|truncateBytes(11)}', { person: dev })).toBe('Dev ');
      expect(evaluate('{familyName|truncateBytes(15)}', { person: dev })).toBe('Dev 👩\u200D💻');
      // A flag is two regional indicators; half of one is another letter.
      expect(evaluate('{familyName|truncate(3)}', { person: person({ familyName: '🇫🇷🇩🇪' }) })).toBe('🇫🇷');
      // A base letter with marks NFC cannot compose goes whole or not at all, as truncateBytes does.
      expect(evaluate('{familyName|truncate(2)}', { person: person({ familyName: 'aq\u0307\u0323b' }) })).toBe('a');
      expect(evaluate('{familyName|last(2)}', { person: person({ familyName: 'aq\u0307\u0323' }) })).toBeNull();
    });

    it('initial is the first character', () => {
      expect(evaluate('{givenName|initial}', { person: ada })).toBe('A');
    });

    it('last keeps the last n characters', () => {
      expect(evaluate('{employeeId|last(3)}', { person: person({ employeeId: 'E-000123' }) })).toBe('123');
    });

    it('initials takes the first letter of each word and of each hyphenated part', () => {
      expect(evaluate('{givenName|initials}', { person: person({ givenName: 'Jean-Luc  Marie' }) })).toBe('JLM');
    });

    it('word picks the n-th word, and is null past the last one', () => {
      const p = person({ givenName: ' Mary  Ann ' });
      expect(evaluate('{givenName|word(2)}', { person: p })).toBe('Ann');
      expect(evaluate('{givenName|word(3)}', { person: p })).toBeNull();
    });

    it('substringBefore and substringAfter split at the first separator', () => {
      const p = person({ workEmail: 'ada.lovelace@analytical.example' });
      expect(evaluate('{workEmail|substringBefore("@")}', { person: p })).toBe('ada.lovelace');
      expect(evaluate('{workEmail|substringAfter("@")}', { person: p })).toBe('analytical.example');
    });

    it('substringBefore and substringAfter return the whole text when the separator is missing', () => {
      expect(evaluate('{familyName|substringBefore("-")}', { person: ada })).toBe('Lovelace');
      expect(evaluate('{familyName|substringAfter("-")}', { person: ada })).toBe('Lovelace');
    });

    it('padStart pads on the left to the width, and leaves longer text alone', () => {
      expect(evaluate('{employeeId|padStart(8, "0")}', { person: person({ employeeId: '1815' }) })).toBe('00001815');
      expect(evaluate('{employeeId|padStart(2, "0")}', { person: person({ employeeId: '1815' }) })).toBe('1815');
      expect(evaluate('{employeeId|padStart(7, "ab")}', { person: person({ employeeId: '1' }) })).toBe('ababab1');
    });
  });

  describe('fallbacks', () => {
    it('coalesce takes the first present argument, skipping null and empty values', () => {
      const p = person({ preferredName: null, custom: { nickname: '' } });
      expect(evaluate('{coalesce(preferredName, custom.nickname, givenName)}', { person: p })).toBe('Ada');
      expect(evaluate('{preferredName|coalesce(givenName)}', { person: person({ preferredName: 'Countess' }) })).toBe('Countess');
    });

    it('coalesce is null when no argument is present', () => {
      expect(evaluate('{coalesce(preferredName, jobTitle)}')).toBeNull();
    });

    it('coalesce falls through a name that ascii folds to nothing', () => {
      const p = person({ familyName: '山田', custom: { latinFamilyName: 'Yamada' } });
      expect(evaluate('{coalesce(familyName|ascii, custom.latinFamilyName)|lower}', { person: p })).toBe('yamada');
    });

    it('coalesce does not evaluate later arguments once one is present', () => {
      const { value, notes } = evaluateWithNotes('{coalesce(givenName, department|lookup(depts))}', {
        person: person({ department: 'Unknown' }),
        tables: { depts: {} },
      });
      expect(value).toBe('Ada');
      expect(notes).toEqual([]);
    });

    it('default replaces an absent value with a string or number literal', () => {
      expect(evaluate('{jobTitle|default("Staff")}')).toBe('Staff');
      expect(evaluate('{custom.level|default(3)}')).toBe(3);
      expect(evaluate('{jobTitle|default("Staff")}', { person: person({ jobTitle: 'Analyst' }) })).toBe('Analyst');
    });

    it('join joins the present parts and skips absent ones', () => {
      expect(evaluate('{join(" ", givenName, preferredName, familyName)}')).toBe('Ada Lovelace');
      expect(evaluate('{join(", ", jobTitle, department)}')).toBeNull();
    });

    it('concat joins all parts and is null as soon as one is absent', () => {
      expect(evaluate('{concat(givenName, ".", familyName)}')).toBe('Ada.Lovelace');
      expect(evaluate('{concat(givenName, ".", preferredName)}')).toBeNull();
    });
  });

  describe('lookup', () => {
    const tables = { departments: { Engineering: 'ENG', Research: 'RND', Board: null }, flags: { active: true, 'on-leave': false } };

    it('maps a value through the app\'s table, by exact key', () => {
      expect(evaluate('{department|lookup(departments)}', { tables, person: person({ department: 'Engineering' }) })).toBe('ENG');
      expect(evaluate('{department|lookup("departments")}', { tables, person: person({ department: 'Research' }) })).toBe('RND');
    });

    it('returns the table\'s own value types, such as booleans', () => {
      expect(evaluate('{status|lookup(flags)}', { tables, person: person({ status: 'on-leave' }) })).toBe(false);
    });

    it('is null and notes the miss when the key is not in the table, without naming the key', () => {
      const { value, notes } = evaluateWithNotes('{department|lookup(departments)}', { tables, person: person({ department: 'engineering' }) });
      expect(value).toBeNull();
      expect(notes).toEqual([{ code: 'lookup-miss', position: 12, message: "lookup table 'departments' has no entry for the value" }]);
    });

    it('is null without a note for a key mapped to null, or for an absent value', () => {
      expect(evaluateWithNotes('{department|lookup(departments)}', { tables, person: person({ department: 'Board' }) })).toEqual({ value: null, notes: [] });
      expect(evaluateWithNotes('{department|lookup(departments)}', { tables })).toEqual({ value: null, notes: [] });
    });

    it('does not find Object.prototype members as keys', () => {
      const { value, notes } = evaluateWithNotes('{department|lookup(departments)}', { tables, person: person({ department: 'constructor' }) });
      expect(value).toBeNull();
      expect(notes).toHaveLength(1);
    });

    it('can be defaulted', () => {
      expect(evaluate('{department|lookup(departments)|default("OTHER")}', { tables, person: person({ department: 'Sales' }) })).toBe('OTHER');
    });
  });

  it('every text function passes null through', () => {
    for (const fn of ['lower', 'upper', 'trim', 'normalizeSpace', 'titleCase', 'ascii', 'alnum', 'digitsOnly', 'initial', 'initials', 'truncate(2)', 'truncateBytes(2)', 'first(2)', 'last(2)', 'word(1)', 'remove("a")', 'replace("a", "b")', 'substringBefore("a")', 'substringAfter("a")', 'padStart(3, "0")']) {
      expect(evaluate(`{jobTitle|${fn}}`), fn).toBeNull();
    }
  });

  it('text functions read numbers and booleans as their text', () => {
    const p = person({ custom: { fte: 0.5, manager: true } });
    expect(evaluate('{custom.fte|padStart(5, "0")}', { person: p })).toBe('000.5');
    expect(evaluate('{custom.manager|upper}', { person: p })).toBe('TRUE');
  });
});
