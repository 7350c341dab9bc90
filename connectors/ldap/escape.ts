/**
 * Escaping of untrusted values (names, uids, entitlements) before they are placed inside LDAP
 * strings. Two different grammars apply, and mixing them up is how LDAP injection happens:
 *
 * - a DN attribute value follows RFC 4514 §2.4 / §3 (`string` production);
 * - a search filter assertion value follows RFC 4515 §3 (`valueencoding` production).
 *
 * Both functions return strings that are valid in their grammar for ANY well-formed Unicode input,
 * and both reject lone UTF-16 surrogates, which have no UTF-8 encoding (RFC 4514 §2.4 and
 * RFC 4515 §3 both require the result to be valid UTF-8).
 */

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A value that cannot be written to LDAP at all (it has no UTF-8 form). */
export class InvalidValueError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidValueError';
  }
}

/**
 * Rejects strings with lone surrogates: they have no UTF-8 form, and a client library would
 * silently write U+FFFD instead, so the value would not round-trip.
 *
 * @throws InvalidValueError
 */
export function assertWellFormed(value: string, what: string): void {
  if (LONE_SURROGATE.test(value)) throw new InvalidValueError(`${what}: value contains a lone UTF-16 surrogate and has no UTF-8 form`);
}

function hexOctet(code: number): string {
  return `\\${code.toString(16).padStart(2, '0')}`;
}

/** Characters RFC 4514 §2.4 lets us escape with a plain backslash prefix (the `special` set of §3, minus ESC). */
const BACKSLASH_PREFIXED = new Set(['"', '+', ',', ';', '<', '>', '=']);

/**
 * Escapes one attribute value for use in a DN or RDN string (RFC 4514 §2.4).
 *
 * Must be escaped (§2.4): a space or `#` at the start, a space at the end, any of
 * `" + , ; < > \`, and NUL. We also escape `=` (allowed by §3 `special`; RFC 1779-era parsers
 * require it) and the C0 controls and DEL (allowed: "other characters may be escaped"), so that a DN
 * never carries a raw line break into a log line or an LDIF file.
 *
 * Two forms are allowed by §2.4: a backslash before the character, or a backslash and two hex
 * digits per UTF-8 octet. We use the backslash prefix for the printable specials and the hex form
 * for NUL, controls and the backslash itself. The hex form for `\` is deliberate: ldapts 8
 * `modifyDN()` finds the RDN/superior boundary as the first comma NOT preceded by a backslash, and
 * a value ending in `\\` would hide that comma. With `\5c` no escaped value ends in a backslash.
 *
 * Non-ASCII characters are kept as UTF-8 (`UTFMB` in §3): `Zoë`, `山田` need no escaping.
 *
 * @throws InvalidValueError when `value` contains a lone surrogate.
 */
export function escapeDnValue(value: string): string {
  assertWellFormed(value, 'escapeDnValue');
  const chars = Array.from(value);
  const last = chars.length - 1;
  return chars
    .map((ch, i) => {
      const code = ch.codePointAt(0) as number;
      if (code < 0x20 || code === 0x7f || ch === '\\') return hexOctet(code);
      if (BACKSLASH_PREFIXED.has(ch)) return `\\${ch}`;
      if (ch === ' ' && (i === 0 || i === last)) return '\\ ';
      if (ch === '#' && i === 0) return '\\#';
      return ch;
    })
    .join('');
}

/**
 * Escapes one assertion value for use inside a search filter string (RFC 4515 §3).
 *
 * `valueencoding` allows every character except NUL, `(`, `)`, `*` and `\` unescaped
 * (`UTF1SUBSET` excludes exactly those); they become `\00`, `\28`, `\29`, `\2a`, `\5c`. We also
 * hex-escape the other C0 controls and DEL (allowed: escapes may encode any octet).
 *
 * Non-ASCII characters are deliberately left unescaped (`UTFMB` in §3). Besides being the
 * readable form, this is required by ldapts 8, whose filter parser turns each `\XX` into a single
 * UTF-16 code unit instead of an octet: `\c3\a9` would reach the server as two Latin-1 characters,
 * not `é`. Escaping only ASCII keeps every escape a one-octet character, which it decodes right.
 *
 * @throws InvalidValueError when `value` contains a lone surrogate.
 */
export function escapeFilterValue(value: string): string {
  assertWellFormed(value, 'escapeFilterValue');
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    const special = ch === '(' || ch === ')' || ch === '*' || ch === '\\';
    out += special || code < 0x20 || code === 0x7f ? hexOctet(code) : ch;
  }
  return out;
}
