/**
 * SCIM filter expressions (RFC 7644 §3.4.2.2). A comparison value is a JSON value (RFC 7159), so a
 * string is written as a JSON string literal: quotation mark, reverse solidus and control
 * characters are escaped with a backslash, everything else (commas, parentheses, brackets, `*`,
 * non-Latin scripts, leading and trailing spaces) stays as it is. URL encoding of the whole
 * `filter` query parameter is the HTTP client's job, not this module's.
 */

/** attrPath = [URI ":"] ATTRNAME *1subAttr (RFC 7644 §3.4.2.2, RFC 7643 §2.1 ATTRNAME). */
const ATTR_PATH = /^(?:urn:[A-Za-z0-9:._-]+:)?[A-Za-z][A-Za-z0-9_$-]*(?:\.[A-Za-z][A-Za-z0-9_$-]*)?$/;

/** A string comparison value as the filter grammar wants it: a JSON string literal. */
export function filterString(value: string): string {
  // JSON.stringify escapes exactly what RFC 7159 §7 requires (" \ and U+0000–U+001F).
  return JSON.stringify(value);
}

/** `attr eq "value"`; throws on an attribute path that is not one (a programming error, not input). */
export function eqFilter(attribute: string, value: string): string {
  if (!ATTR_PATH.test(attribute)) throw new Error(`'${attribute}' is not a SCIM attribute path`);
  return `${attribute} eq ${filterString(value)}`;
}

