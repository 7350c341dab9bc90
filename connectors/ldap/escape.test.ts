import fc from 'fast-check';
import { EqualityFilter, FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { parseDn } from './dn';
import { escapeDnValue, escapeFilterValue, InvalidValueError } from './escape';

// Inputs from the brief and the RFCs' edge cases: [name, raw, DN value (RFC 4514), filter value (RFC 4515)].
const CASES: Array<[string, string, string, string]> = [
  ['comma, parentheses and star', "O'Brien, Ana (Jr.)*", "O'Brien\\, Ana (Jr.)*", "O'Brien, Ana \\28Jr.\\29\\2a"],
  ['leading and trailing spaces', ' leading and trailing ', '\\ leading and trailing\\ ', ' leading and trailing '],
  ['every DN special', '=+<>#;\\"', '\\=\\+\\<\\>#\\;\\5c\\"', '=+<>#;\\5c"'],
  ['leading #', '#hash', '\\#hash', '#hash'],
  ['# not first', 'a#b', 'a#b', 'a#b'],
  ['NUL', 'a\u0000b', 'a\\00b', 'a\\00b'],
  ['line break and tab', 'a\nb\tc', 'a\\0ab\\09c', 'a\\0ab\\09c'],
  ['DEL', 'a\u007fb', 'a\\7fb', 'a\\7fb'],
  ['lone backslash', '\\', '\\5c', '\\5c'],
  ['one space', ' ', '\\ ', ' '],
  ['two spaces', '  ', '\\ \\ ', '  '],
  ['inner spaces only', 'a  b', 'a  b', 'a  b'],
  ['filter injection attempt', '*)(uid=*', '*)(uid\\=*', '\\2a\\29\\28uid=\\2a'],
  ['Latin extended', 'Zoë Łukasiewicz', 'Zoë Łukasiewicz', 'Zoë Łukasiewicz'],
  ['CJK', '山田 太郎', '山田 太郎', '山田 太郎'],
  ['astral plane', 'Ana 🙂', 'Ana 🙂', 'Ana 🙂'],
  ['empty', '', '', ''],
];

// Any well-formed string, biased towards the characters both grammars care about. (Also cheaper than
// fast-check's `unit: 'binary'`, whose first use costs seconds.)
const special = fc.constantFrom(' ', '#', ',', '+', '"', '\\', '<', '>', ';', '=', '\u0000', '\n', '(', ')', '*', 'ë', '山', '🙂');
const anyCodePoint = fc
  .integer({ min: 0, max: 0x10ffff })
  .filter((cp) => cp < 0xd800 || cp > 0xdfff)
  .map((cp) => String.fromCodePoint(cp));
const names = fc.string({ unit: fc.oneof(special, fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), anyCodePoint), maxLength: 30 });

describe('escapeDnValue (RFC 4514 §2.4)', () => {
  it.each(CASES)('escapes > %s', (_name, raw, dn) => {
    expect(escapeDnValue(raw)).toBe(dn);
  });

  it('round-trips > every well-formed string parses back to itself inside a DN', () => {
    fc.assert(
      fc.property(names, (s) => {
        const [rdn] = parseDn(`cn=${escapeDnValue(s)},ou=people,dc=example,dc=org`);
        expect(rdn).toEqual([{ type: 'cn', value: s }]);
      }),
      { numRuns: 500 },
    );
  });

  it('never ends in a backslash > so ldapts modifyDN splits newRDN from newSuperior at our comma', () => {
    fc.assert(
      fc.property(names, (s) => {
        const rdn = `uid=${escapeDnValue(s)}`;
        const split = `${rdn},ou=disabled,dc=example,dc=org`.search(/[^\\],/);
        expect(split + 1).toBe(rdn.length);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects > lone surrogates, which have no UTF-8 form', () => {
    expect(() => escapeDnValue('a\uD800b')).toThrow(InvalidValueError);
    expect(() => escapeDnValue('\uDC00')).toThrow(/surrogate/);
  });
});

describe('escapeFilterValue (RFC 4515 §3)', () => {
  it.each(CASES)('escapes > %s', (_name, raw, _dn, filter) => {
    expect(escapeFilterValue(raw)).toBe(filter);
  });

  it('keeps the filter structure > ldapts parses (cn=<escaped>) into one equality filter with the exact value', () => {
    fc.assert(
      fc.property(names, (s) => {
        const parsed = FilterParser.parseString(`(cn=${escapeFilterValue(s)})`);
        expect(parsed).toBeInstanceOf(EqualityFilter);
        expect((parsed as EqualityFilter).value).toBe(s);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves no character that UTF1SUBSET excludes > NUL ( ) * \\ appear only inside \\XX escapes', () => {
    fc.assert(
      fc.property(names, (s) => {
        const escaped = escapeFilterValue(s);
        expect([...escaped].filter((ch) => ch === '\u0000' || ch === '(' || ch === ')' || ch === '*')).toEqual([]);
        expect(escaped.replace(/\\[0-9a-f]{2}/g, '')).not.toContain('\\');
      }),
      { numRuns: 500 },
    );
  });

  it('rejects > lone surrogates', () => {
    expect(() => escapeFilterValue('\uD83D')).toThrow(InvalidValueError);
  });
});
