import { foldToAscii } from './ascii-fold';
import {
  type BuildRequest,
  type FunctionSpec,
  type ParamSpec,
  intArg,
  literalArg,
  stringArg,
  tableArg,
  valueArg,
  valueArgs,
} from './function-types';
import { type MappingValue, isAbsent, toText } from './value';

/**
 * The mapping functions. Every function is total (never throws), pure and deterministic, and
 * passes `null` through unless its purpose is a fallback. String functions read numbers and
 * booleans as their text. Lengths count code points (bytes for `truncateBytes`), and cuts fall
 * between the characters people see, never inside an emoji sequence, a flag or a letter with its
 * marks; case mapping is locale-independent (`I` lowers to `i` even for Turkish names).
 */

const VALUE: ParamSpec = { name: 'value', kind: 'value' };
const count = (name: string, max = 10_000): ParamSpec => ({ name, kind: 'int', min: 1, max });
const text = (name: string, nonEmpty = true): ParamSpec => ({ name, kind: 'string', nonEmpty });

interface TextFunctionOptions {
  name: string;
  summary: string;
  /** Parameters after the input text. */
  params?: readonly ParamSpec[];
  /** Called once at compile time with the checked arguments; returns the per-value transform. */
  make: (request: BuildRequest) => (s: string) => MappingValue;
}

/** A function of one text that maps present values and passes `null` through. */
function textFunction(options: TextFunctionOptions): FunctionSpec {
  const { name, summary, params = [], make } = options;
  return {
    name,
    summary,
    params: [VALUE, ...params],
    pipeable: true,
    build(request) {
      const input = valueArg(request.args, 0);
      const apply = make(request);
      return (scope) => {
        const v = input(scope);
        return v === null ? null : apply(toText(v));
      };
    },
  };
}

const codePoints = (s: string): string[] => Array.from(s);

/**
 * Extended grapheme clusters (UAX #29): the characters people see. An emoji sequence joined by
 * U+200D, a flag (two regional indicators) or a letter with marks NFC cannot compose is one
 * cluster of several code points. The rules are locale-independent.
 */
const GRAPHEMES = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * The longest prefix (or, `fromEnd`, suffix) of `s` made of whole grapheme clusters whose total
 * `size` is at most `max`. Cutting inside a cluster would leave another character, or an invisible
 * joiner at the end of a user name; a cluster that does not fit whole is left out. Text that fits
 * is returned as it is, without segmenting.
 */
function fitGraphemes(s: string, max: number, size: (cluster: string) => number, fromEnd = false): string {
  if (size(s) <= max) return s;
  const clusters = Array.from(GRAPHEMES.segment(s), (g) => g.segment);
  if (fromEnd) clusters.reverse();
  const kept: string[] = [];
  let used = 0;
  for (const cluster of clusters) {
    const n = size(cluster);
    if (used + n > max) break;
    used += n;
    kept.push(cluster);
  }
  if (fromEnd) kept.reverse();
  return kept.join('');
}

const codePointCount = (s: string): number => codePoints(s).length;
const utf8Bytes = (s: string): number => Buffer.byteLength(s);

const WORD_BREAK = /[\s-]+/u;
const SPACES = /\s+/u;
/** Besides white space, a new word starts after these. */
const TITLE_BREAKS = new Set(['-', "'", '\u2019']);

const SPECS: readonly FunctionSpec[] = [
  textFunction({
    name: 'lower',
    summary: 'Lowercase (locale-independent).',
    make: () => (s) => s.toLowerCase(),
  }),
  textFunction({
    name: 'upper',
    summary: 'Uppercase (locale-independent; `ß` becomes `SS`).',
    make: () => (s) => s.toUpperCase(),
  }),
  textFunction({
    name: 'trim',
    summary: 'Remove white space at both ends.',
    make: () => (s) => s.trim(),
  }),
  textFunction({
    name: 'normalizeSpace',
    summary: 'Trim, and collapse each run of white space to one space.',
    make: () => (s) => s.trim().split(SPACES).join(' '),
  }),
  textFunction({
    name: 'titleCase',
    summary: "Capitalize the first letter of each word (after space, `-` or `'`), lowercase the rest.",
    make: () => (s) => {
      let out = '';
      let atStart = true;
      for (const ch of s.toLowerCase()) {
        out += atStart ? ch.toUpperCase() : ch;
        atStart = TITLE_BREAKS.has(ch) || SPACES.test(ch);
      }
      return out;
    },
  }),
  {
    name: 'ascii',
    summary: 'Fold to ASCII: drop accents, spell out letters like `ß`, `Æ`, `Ł`; drop what has no Latin reading.',
    params: [VALUE],
    pipeable: true,
    build({ args, site }) {
      const input = valueArg(args, 0);
      return (scope) => {
        const v = input(scope);
        if (v === null) return null;
        const folded = foldToAscii(toText(v));
        if (folded.dropped) {
          scope.notes.push({ code: 'ascii-unrepresentable', position: site.position, message: 'ascii dropped characters that have no ASCII reading' });
        }
        return folded.text;
      };
    },
  },
  textFunction({
    name: 'alnum',
    summary: 'Keep only ASCII letters and digits.',
    make: () => (s) => s.replace(/[^A-Za-z0-9]/g, ''),
  }),
  textFunction({
    name: 'digitsOnly',
    summary: 'Keep only the digits 0-9.',
    make: () => (s) => s.replace(/[^0-9]/g, ''),
  }),
  textFunction({
    name: 'remove',
    summary: 'Remove every occurrence of each character of `chars`.',
    params: [text('chars')],
    make: ({ args }) => {
      const drop = new Set(codePoints(stringArg(args, 1)));
      return (s) => codePoints(s).filter((c) => !drop.has(c)).join('');
    },
  }),
  textFunction({
    name: 'replace',
    summary: 'Replace every occurrence of the literal `search` by the literal `replacement`.',
    params: [text('search'), text('replacement', false)],
    make: ({ args }) => {
      const search = stringArg(args, 1);
      const replacement = stringArg(args, 2);
      // split/join, not String.replace: `$&` and friends in the replacement stay literal.
      return (s) => s.split(search).join(replacement);
    },
  }),
  textFunction({
    name: 'truncate',
    summary: 'At most `n` characters (for length limits); a character shown as one (an emoji sequence, a flag, a letter with its accents) that would not fit whole is left out.',
    params: [count('n')],
    make: ({ args }) => {
      const n = intArg(args, 1);
      return (s) => fitGraphemes(s, n, codePointCount);
    },
  }),
  textFunction({
    name: 'truncateBytes',
    summary: 'At most `n` bytes of UTF-8 (for byte limits such as a directory\'s naming values); a character that would not fit whole is left out, with its accents.',
    params: [count('n')],
    make: ({ args }) => {
      const n = intArg(args, 1);
      return (s) => fitGraphemes(s, n, utf8Bytes);
    },
  }),
  textFunction({
    name: 'first',
    summary: 'The first `n` characters, cut as `truncate` cuts.',
    params: [count('n')],
    make: ({ args }) => {
      const n = intArg(args, 1);
      return (s) => fitGraphemes(s, n, codePointCount);
    },
  }),
  textFunction({
    name: 'initial',
    summary: 'The first character (same as `first(1)`).',
    make: () => (s) => codePoints(s).slice(0, 1).join(''),
  }),
  textFunction({
    name: 'last',
    summary: 'The last `n` characters, cut as `truncate` cuts.',
    params: [count('n')],
    make: ({ args }) => {
      const n = intArg(args, 1);
      return (s) => fitGraphemes(s, n, codePointCount, true);
    },
  }),
  textFunction({
    name: 'initials',
    summary: 'The first character of each word (words split at white space and `-`).',
    make: () => (s) =>
      s
        .split(WORD_BREAK)
        .filter((w) => w !== '')
        .map((w) => codePoints(w)[0]!)
        .join(''),
  }),
  textFunction({
    name: 'word',
    summary: 'The `n`-th word (1-based, split at white space); `null` when there is none.',
    params: [count('n')],
    make: ({ args }) => {
      const n = intArg(args, 1);
      return (s) => s.trim().split(SPACES).filter((w) => w !== '')[n - 1] ?? null;
    },
  }),
  textFunction({
    name: 'substringBefore',
    summary: 'The text before the first `separator`; all of it when there is none.',
    params: [text('separator')],
    make: ({ args }) => {
      const sep = stringArg(args, 1);
      return (s) => {
        const at = s.indexOf(sep);
        return at < 0 ? s : s.slice(0, at);
      };
    },
  }),
  textFunction({
    name: 'substringAfter',
    summary: 'The text after the first `separator`; all of it when there is none.',
    params: [text('separator')],
    make: ({ args }) => {
      const sep = stringArg(args, 1);
      return (s) => {
        const at = s.indexOf(sep);
        return at < 0 ? s : s.slice(at + sep.length);
      };
    },
  }),
  textFunction({
    name: 'padStart',
    summary: 'Pad on the left with `pad` up to `width` characters.',
    params: [count('width', 256), text('pad')],
    make: ({ args }) => {
      const width = intArg(args, 1);
      const pad = codePoints(stringArg(args, 2));
      return (s) => {
        const missing = width - codePoints(s).length;
        let prefix = '';
        for (let i = 0; i < missing; i += 1) prefix += pad[i % pad.length]!;
        return prefix + s;
      };
    },
  }),
  {
    name: 'coalesce',
    summary: 'The first argument that is present (not `null`, not empty).',
    params: [VALUE],
    rest: { ...VALUE, name: 'fallback', min: 1 },
    pipeable: true,
    build({ args }) {
      const options = valueArgs(args, 0);
      // Lazy: later options are not evaluated (nor noted) once one is present.
      return (scope) => {
        for (const option of options) {
          const v = option(scope);
          if (!isAbsent(v)) return v;
        }
        return null;
      };
    },
  },
  {
    name: 'default',
    summary: 'The value, or the literal `fallback` when the value is absent.',
    params: [VALUE, { name: 'fallback', kind: 'literal' }],
    pipeable: true,
    build({ args }) {
      const input = valueArg(args, 0);
      const fallback = literalArg(args, 1);
      return (scope) => {
        const v = input(scope);
        return isAbsent(v) ? fallback : v;
      };
    },
  },
  {
    name: 'lookup',
    summary: 'The entry of the app\'s lookup `table` for the value (exact match); `null` on a miss.',
    params: [VALUE, { name: 'table', kind: 'table' }],
    pipeable: true,
    build({ args, site }) {
      const input = valueArg(args, 0);
      const { name, table } = tableArg(args, 1);
      return (scope) => {
        const v = input(scope);
        if (isAbsent(v)) return null;
        const key = toText(v);
        if (table.has(key)) return table.get(key) ?? null;
        scope.notes.push({ code: 'lookup-miss', position: site.position, message: `lookup table '${name}' has no entry for the value` });
        return null;
      };
    },
  },
  {
    name: 'concat',
    summary: 'All arguments joined; `null` when any is absent (like a template).',
    params: [VALUE],
    rest: { ...VALUE, name: 'more', min: 1 },
    pipeable: true,
    build({ args }) {
      const parts = valueArgs(args, 0);
      return (scope) => {
        let out = '';
        for (const part of parts) {
          const v = part(scope);
          if (isAbsent(v)) return null;
          out += toText(v);
        }
        return out;
      };
    },
  },
  {
    name: 'join',
    summary: 'The present arguments joined by `separator`, absent ones skipped; `null` when none is present.',
    params: [text('separator', false)],
    rest: { ...VALUE, name: 'part', min: 1 },
    pipeable: false,
    build({ args }) {
      const separator = stringArg(args, 0);
      const parts = valueArgs(args, 1);
      return (scope) => {
        const present: string[] = [];
        for (const part of parts) {
          const v = part(scope);
          if (!isAbsent(v)) present.push(toText(v));
        }
        return present.length === 0 ? null : present.join(separator);
      };
    },
  },
];

/** Every mapping function, by name. Names are case-sensitive. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(SPECS.map((s) => [s.name, s]));
