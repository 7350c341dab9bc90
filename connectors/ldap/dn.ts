import { escapeDnValue } from './escape';

/**
 * Distinguished names as strings (RFC 4514 §3): building RDNs from raw values, and parsing the DNs
 * the server returns (OpenLDAP answers with hex escapes such as `\2C`, so string comparison with
 * a DN we built is never meaningful; compare parsed values, or let the server match).
 */

/** One `type=value` pair of an RDN; `value` is the raw (unescaped) attribute value. */
export interface Ava {
  type: string;
  value: string;
}
/** A relative distinguished name: one or more AVAs joined by `+` (multi-valued RDN). */
export type Rdn = Ava[];

/** Thrown for strings that are not RFC 4514 DNs. */
export class DnSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnSyntaxError';
  }
}

const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;
const NUMERICOID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;
// The `special` set of RFC 4514 §3 plus ESC: characters that may follow a backslash as themselves.
const PAIRABLE = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);
// Characters that must not appear unescaped anywhere in a `string` value (§3 SUTF1 excludes them).
const NEVER_RAW = new Set(['"', ';', '<', '>', '\0']);
const HEX = /^[0-9A-Fa-f]{2}$/;

function checkType(type: string, dn: string): string {
  if (!DESCR.test(type) && !NUMERICOID.test(type)) throw new DnSyntaxError(`invalid attribute type '${type}' in DN '${dn}'`);
  return type;
}

/** Formats an RDN from raw values, escaping each per RFC 4514 §2.4. */
export function formatRdn(rdn: Rdn): string {
  if (rdn.length === 0) throw new DnSyntaxError('an RDN needs at least one attribute');
  return rdn.map((ava) => `${checkType(ava.type, ava.type)}=${escapeDnValue(ava.value)}`).join('+');
}

/** `<rdn>,<parent>` for a child entry; the parent is used as given (it is already a DN string). */
export function childDn(rdn: Rdn, parentDn: string): string {
  return parentDn === '' ? formatRdn(rdn) : `${formatRdn(rdn)},${parentDn}`;
}

/**
 * Parses a DN string into RDNs, unescaping values (RFC 4514 §3 and §4). The empty string is the
 * empty DN. `#hexstring` values (BER) are not supported: none of the attributes we manage uses them.
 * Spaces around separators are not insignificant in RFC 4514; `ou=a, dc=b` is rejected.
 *
 * @throws DnSyntaxError on anything the §3 grammar does not produce.
 */
export function parseDn(dn: string): Rdn[] {
  if (dn === '') return [];
  const rdns: Rdn[] = [];
  let rdn: Rdn = [];
  let i = 0;
  for (;;) {
    const eq = dn.indexOf('=', i);
    if (eq < 0) throw new DnSyntaxError(`missing '=' in DN '${dn}'`);
    const type = checkType(dn.slice(i, eq), dn);
    const parsed = parseValue(dn, eq + 1);
    rdn.push({ type, value: parsed.value });
    i = parsed.end;
    if (i >= dn.length) break;
    const sep = dn[i];
    i += 1;
    if (sep === ',') {
      rdns.push(rdn);
      rdn = [];
    }
  }
  rdns.push(rdn);
  return rdns;
}

/** Parses one `string` value starting at `start`; `end` is the index of the separator or the length. */
function parseValue(dn: string, start: number): { value: string; end: number } {
  if (dn[start] === '#') throw new DnSyntaxError(`hexstring (BER) values are not supported in DN '${dn}'`);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = start;
  let lastRawSpace = false;
  while (i < dn.length && dn[i] !== ',' && dn[i] !== '+') {
    const ch = dn[i] as string;
    if (ch === '\\') {
      const next = dn[i + 1];
      const hex = dn.slice(i + 1, i + 3);
      if (HEX.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 3;
      } else if (next !== undefined && PAIRABLE.has(next)) {
        bytes.push(next.charCodeAt(0));
        i += 2;
      } else {
        throw new DnSyntaxError(`invalid escape at position ${i} in DN '${dn}'`);
      }
      lastRawSpace = false;
      continue;
    }
    if (NEVER_RAW.has(ch)) throw new DnSyntaxError(`unescaped '${ch}' at position ${i} in DN '${dn}'`);
    if (i === start && (ch === ' ' || ch === '#')) throw new DnSyntaxError(`unescaped leading '${ch}' in DN '${dn}'`);
    const cp = dn.codePointAt(i) as number;
    if (cp < 0x80) bytes.push(cp);
    else bytes.push(...encoder.encode(String.fromCodePoint(cp)));
    lastRawSpace = ch === ' ';
    i += cp > 0xffff ? 2 : 1;
  }
  if (lastRawSpace) throw new DnSyntaxError(`unescaped trailing space in DN '${dn}'`);
  let value: string;
  try {
    value = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new DnSyntaxError(`escaped octets are not valid UTF-8 in DN '${dn}'`);
  }
  return { value, end: i };
}

/** True when `dn` parses as an RFC 4514 DN. */
export function isDn(dn: string): boolean {
  try {
    parseDn(dn);
    return true;
  } catch {
    return false;
  }
}

/** The first RDN of a non-empty DN. */
export function firstRdn(dn: string): Rdn {
  const [rdn] = parseDn(dn);
  if (!rdn) throw new DnSyntaxError('the empty DN has no RDN');
  return rdn;
}

/**
 * The parent of a DN as a string, cut at the first unescaped comma. Works on any valid DN without
 * re-escaping, so the server's own spelling of the parent is kept.
 */
export function parentDn(dn: string): string {
  for (let i = 0; i < dn.length; i += 1) {
    if (dn[i] === '\\') i += 1;
    else if (dn[i] === ',') return dn.slice(i + 1);
  }
  return '';
}

/**
 * A comparison key for DNs from configuration: types and values lower-cased. This approximates
 * the server's distinguishedNameMatch for the case-insensitive naming attributes (dc, ou, cn, uid)
 * and is only used to catch configuration mistakes, never to decide about entries.
 */
export function dnKey(dn: string): string {
  return parseDn(dn)
    .map((rdn) =>
      rdn
        .map((a) => `${a.type.toLowerCase()}=${a.value.toLowerCase()}`)
        .sort()
        .join('+'),
    )
    .join(',');
}
