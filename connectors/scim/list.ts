import type { ListResponse } from './schema';
import type { ScimSession } from './session';

/** A guard against apps that never stop paging. */
const MAX_PAGES = 10_000;

/** One page of a list (RFC 7644 §3.4.2.4: 1-based `startIndex`, `count` as a maximum). */
export async function listPage<T>(
  s: ScimSession,
  req: { path: string; startIndex: number; count?: number; filter?: string; attributes?: string },
): Promise<{ resources: T[]; nextStartIndex?: number }> {
  const count = req.count ?? s.ctx.config.pageSize;
  const res = await s.request<ListResponse<T>>({
    method: 'GET',
    path: req.path,
    query: { filter: req.filter, attributes: req.attributes, startIndex: req.startIndex, count },
  });
  const resources = res.body?.Resources ?? [];
  const next = req.startIndex + resources.length;
  const total = res.body?.totalResults;
  // The app may return fewer than `count` per page; only an empty page or totalResults ends the list.
  const more = resources.length > 0 && (total === undefined ? resources.length >= count : next <= total);
  return { resources, ...(more ? { nextStartIndex: next } : {}) };
}

/** Every resource of a list, page after page, heartbeating between pages. */
export async function listAll<T>(s: ScimSession, req: { path: string; filter?: string; attributes?: string }): Promise<T[]> {
  const all: T[] = [];
  let startIndex: number | undefined = 1;
  for (let page = 0; startIndex !== undefined && page < MAX_PAGES; page += 1) {
    const page: { resources: T[]; nextStartIndex?: number } = await listPage<T>(s, { ...req, startIndex });
    all.push(...page.resources);
    startIndex = page.nextStartIndex;
    s.ctx.heartbeat({ listed: all.length });
  }
  return all;
}
