import { eqFilter } from '../filter';
import type { ListResponse, ScimGroup, ScimUser } from '../schema';

/**
 * What an administrator does in the app behind the connector's back, for tests against a real SCIM
 * server: plain fetch calls, independent of the connector's code paths.
 */
export interface ScimAdmin {
  request(req: { method: string; path: string; body?: unknown }): Promise<{ status: number; body: unknown }>;
  list<T>(collection: 'Users' | 'Groups', filter?: string): Promise<T[]>;
  deleteAll(collection: 'Users' | 'Groups'): Promise<void>;
  createGroup(displayName: string): Promise<ScimGroup & { id: string }>;
  createUser(user: ScimUser): Promise<ScimUser & { id: string }>;
  usersWithExternalId(externalId: string): Promise<Array<ScimUser & { id: string }>>;
}

export function scimAdmin(server: { baseUrl: string; token: string }): ScimAdmin {
  const base = server.baseUrl.replace(/\/+$/, '');
  const request: ScimAdmin['request'] = async ({ method, path, body }) => {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const list = async <T>(collection: 'Users' | 'Groups', filter?: string): Promise<T[]> => {
    const all: T[] = [];
    for (let start = 1; ; ) {
      const query = new URLSearchParams({ startIndex: String(start), count: '200', ...(filter ? { filter } : {}) });
      const { body } = await request({ method: 'GET', path: `${collection}?${query}` });
      const page = (body as ListResponse<T>).Resources ?? [];
      all.push(...page);
      start += page.length;
      if (page.length === 0 || start > ((body as ListResponse<T>).totalResults ?? 0)) return all;
    }
  };
  const created = async <T>(collection: string, resource: unknown): Promise<T & { id: string }> => {
    const res = await request({ method: 'POST', path: collection, body: resource });
    if (res.status !== 201) throw new Error(`POST ${collection} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as T & { id: string };
  };
  return {
    request,
    list,
    async deleteAll(collection) {
      for (const r of await list<{ id: string }>(collection)) await request({ method: 'DELETE', path: `${collection}/${r.id}` });
    },
    createGroup: (displayName) => created<ScimGroup>('Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName }),
    createUser: (user) => created<ScimUser>('Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...user }),
    usersWithExternalId: (externalId) => list<ScimUser & { id: string }>('Users', eqFilter('externalId', externalId)),
  };
}
