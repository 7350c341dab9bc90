/**
 * Canonical JSON text: equal JSON data gives equal text, whatever the order its object keys were
 * written in. Event ids and snapshot digests are hashes of this text, so its rules are a contract:
 * changing any of them changes ids already in Kafka, in Temporal and in apps' anchors.
 *
 * Rules (each the same as `JSON.stringify`, except the first):
 * - object keys are sorted by UTF-16 code units, at every level;
 * - an object member whose value is `undefined` (or a function or symbol) is left out;
 * - `undefined` (or a function or symbol) in an array, or as the whole value, is written `null`;
 * - numbers, strings, booleans and `null` are written as `JSON.stringify` writes them (so `NaN`
 *   and `Infinity` are `null`).
 *
 * Only plain JSON data is expected: objects are read by their own enumerable string keys, so a
 * `Date` or `Map` is written `{}` and `toJSON` is not called. A `bigint` throws, as in
 * `JSON.stringify`.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item: unknown) => canonicalJson(item)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
