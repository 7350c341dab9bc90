import { ConnectorError } from './errors';
import { MAX_LIST_PAGE_SIZE, type ListAccountsRequest } from './types';

/**
 * Helpers for `accounts.list` (see ListAccountsRequest): the page size check every connector
 * makes, and keyset paging for apps that cannot page by themselves across calls.
 */

/**
 * The request's page size, checked.
 *
 * @throws ConnectorError `invalid-request` unless it is an integer from 1 to {@link MAX_LIST_PAGE_SIZE}.
 */
export function pageSizeOf(req: ListAccountsRequest): number {
  const size = req.pageSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_LIST_PAGE_SIZE) {
    throw new ConnectorError({ code: 'invalid-request', message: `pageSize must be an integer from 1 to ${MAX_LIST_PAGE_SIZE}, got ${String(size)}` });
  }
  return size;
}

/** The `invalid-request` for a cursor the connector did not make. */
export function badCursor(): ConnectorError {
  // The cursor itself stays out of the message: it may hold an account's key.
  return new ConnectorError({ code: 'invalid-request', message: 'listAccounts: the cursor was not made by this connector; start again without one' });
}

const KEY_CURSOR = 'k1.';

/** A cursor that means "after the account whose sort key is `key`". */
export function keyCursor(key: string): string {
  return KEY_CURSOR + Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * The sort key a {@link keyCursor} holds.
 *
 * @throws ConnectorError `invalid-request` for anything {@link keyCursor} did not make.
 */
export function keyOfCursor(cursor: string): string {
  const body = cursor.startsWith(KEY_CURSOR) ? cursor.slice(KEY_CURSOR.length) : undefined;
  if (body === undefined || !/^[A-Za-z0-9_-]*$/.test(body)) throw badCursor();
  const key = Buffer.from(body, 'base64url').toString('utf8');
  if (keyCursor(key) !== cursor) throw badCursor();
  return key;
}

/**
 * Keyset paging over every item the app holds: sorts them by a key that identifies each one and never
 * changes (an entryUUID, a Redis key), and returns those after the cursor's key. Because the cursor
 * is a key, not a position, an account created or deleted between two pages shifts nothing: every
 * account present during the whole listing is visited exactly once. Keys must be unique.
 */
export function keysetPage<T>(items: readonly T[], keyOf: (item: T) => string, req: ListAccountsRequest): { page: T[]; nextCursor?: string } {
  const size = pageSizeOf(req);
  const after = req.cursor === undefined ? undefined : keyOfCursor(req.cursor);
  const sorted = items
    .map((item) => ({ item, key: keyOf(item) }))
    .filter((e) => after === undefined || e.key > after)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const page = sorted.slice(0, size);
  const last = page.at(-1);
  return { page: page.map((e) => e.item), ...(sorted.length > size && last ? { nextCursor: keyCursor(last.key) } : {}) };
}

/**
 * `fn` over every item, at most `limit` at a time, results in the items' order: for the per-account
 * lookups of a page (groups of each account) without one request per account in sequence, nor a
 * burst of a whole page at once. The first failure rejects; calls already started run out.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
