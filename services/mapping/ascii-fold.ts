/**
 * ASCII folding for identifiers built from names: `José Müller-Łukasiewicz` → `Jose Muller-Lukasiewicz`.
 *
 * Compatibility decomposition (NFKD) separates most accents from their letters and expands
 * ligatures and full-width forms; the marks are then dropped. Letters that Unicode does not decompose
 * (ß, Æ, Ø, Ł, Đ, Þ, dotless ı, …) come from the table below. Characters with no Latin reading
 * (CJK, Cyrillic, Greek, emoji, …) are dropped, not transliterated: transliteration depends on the
 * language (Russian and Ukrainian romanize `г` differently) and belongs in HR as a romanized name.
 */

/**
 * Letters and punctuation NFKD leaves as they are, with their usual ASCII spelling. Expansions of
 * capitals are written in capitals (`Æ` → `AE`); see {@link foldToAscii} for the title-case rule.
 */
const LETTERS: ReadonlyMap<string, string> = new Map([
  // German
  ['ß', 'ss'], ['ẞ', 'SS'],
  // Nordic, Icelandic, Faroese, Sami
  ['Æ', 'AE'], ['æ', 'ae'], ['Ø', 'O'], ['ø', 'o'], ['Þ', 'TH'], ['þ', 'th'], ['Ð', 'D'], ['ð', 'd'],
  ['Ŋ', 'N'], ['ŋ', 'n'], ['ĸ', 'k'],
  // French and others
  ['Œ', 'OE'], ['œ', 'oe'],
  // Polish, Croatian/Serbian Latin, Vietnamese
  ['Ł', 'L'], ['ł', 'l'], ['Đ', 'D'], ['đ', 'd'],
  // Turkish and Azerbaijani (İ decomposes; ı does not)
  ['ı', 'i'], ['Ə', 'E'], ['ə', 'e'],
  // Maltese, Sami, African and other Latin extensions
  ['Ħ', 'H'], ['ħ', 'h'], ['Ŧ', 'T'], ['ŧ', 't'], ['Ɖ', 'D'], ['ɖ', 'd'], ['Ɓ', 'B'], ['ɓ', 'b'],
  ['Ƙ', 'K'], ['ƙ', 'k'], ['Ɗ', 'D'], ['ɗ', 'd'], ['Ƴ', 'Y'], ['ƴ', 'y'], ['Ɛ', 'E'], ['ɛ', 'e'],
  ['Ɔ', 'O'], ['ɔ', 'o'], ['Ǝ', 'E'], ['ǝ', 'e'], ['Ɨ', 'I'], ['ɨ', 'i'], ['Ʉ', 'U'], ['ʉ', 'u'],
  ['Ƒ', 'F'], ['ƒ', 'f'], ['Ʒ', 'Z'], ['ʒ', 'z'], ['Ȥ', 'Z'], ['ȥ', 'z'], ['ɫ', 'l'],
  // Apostrophes, quotes and dashes typed by word processors and phones
  ['\u2018', "'"], ['\u2019', "'"], ['\u201A', "'"], ['\u201B', "'"], ['\u2032', "'"], ['\u02BC', "'"],
  ['\u201C', '"'], ['\u201D', '"'], ['\u201E', '"'], ['\u2033', '"'],
  ['\u2010', '-'], ['\u2012', '-'], ['\u2013', '-'], ['\u2014', '-'], ['\u2015', '-'], ['\u2212', '-'],
]);

const MARK = /\p{M}/u;
const SPACE = /\s/u;
const LOWER = /\p{Ll}/u;

/** What folding produced, and whether it had to drop characters it has no ASCII for. */
export interface AsciiFolding {
  text: string;
  dropped: boolean;
}

/**
 * Folds text to ASCII. Deterministic and locale-independent. Non-ASCII white space becomes a
 * plain space; other characters without an ASCII reading are dropped (`dropped` is then true).
 * A capital whose spelling has several letters is title-cased before a lowercase letter, so
 * `Ærø` → `Aero` and `Þórður` → `Thordur`, but `ÆRØ` → `AERO`.
 */
export function foldToAscii(input: string): AsciiFolding {
  if (isAscii(input)) return { text: input, dropped: false };
  const chars = Array.from(input.normalize('NFKD'));
  let text = '';
  let dropped = false;
  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i]!;
    if (ch.charCodeAt(0) < 0x80) {
      text += ch;
      continue;
    }
    if (MARK.test(ch)) continue;
    const spelled = LETTERS.get(ch);
    if (spelled !== undefined) {
      text += spelled.length > 1 && isUpper(spelled) && nextLetterIsLower(chars, i) ? titleCase(spelled) : spelled;
      continue;
    }
    if (SPACE.test(ch)) {
      text += ' ';
      continue;
    }
    dropped = true;
  }
  return { text, dropped };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i += 1) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function isUpper(s: string): boolean {
  return s === s.toUpperCase() && s !== s.toLowerCase();
}

function titleCase(s: string): string {
  return s.charAt(0) + s.slice(1).toLowerCase();
}

/** Whether the next character that is not a combining mark is a lowercase letter. */
function nextLetterIsLower(chars: readonly string[], i: number): boolean {
  for (let j = i + 1; j < chars.length; j += 1) {
    const ch = chars[j]!;
    if (MARK.test(ch)) continue;
    return LOWER.test(ch);
  }
  return false;
}
