import { ConnectorError } from '../sdk/errors';
import { getUser, type Located } from './locate';
import { PATCH_SCHEMA, type PatchOperation, type ScimUser } from './schema';
import type { ScimSession } from './session';

/** One write to a user: a PATCH of operations or a PUT of the whole resource. */
export type UserWrite = { method: 'PATCH'; operations: PatchOperation[] } | { method: 'PUT'; resource: ScimUser };

/** How many times a write is rebuilt after 412 Precondition Failed before giving up. */
const MAX_ATTEMPTS = 3;

/**
 * Writes a user built from its current state. With ETags (RFC 7644 §3.14) the write carries
 * If-Match; a 412 means someone changed the user meanwhile, so it is re-read and the write rebuilt
 * from the fresh state. `build` returns undefined when the user already is as wanted.
 * Resolves to undefined when the user disappeared (404), else says whether anything was written.
 */
export async function writeUser(
  s: ScimSession,
  located: Located,
  build: (current: Located) => UserWrite | undefined,
): Promise<{ current: Located; wrote: boolean } | undefined> {
  let current = located;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const write = build(current);
    if (!write) return { current, wrote: false };
    const res = await s.request<ScimUser>({
      method: write.method,
      path: `Users/${encodeURIComponent(current.id)}`,
      body: write.method === 'PATCH' ? { schemas: [PATCH_SCHEMA], Operations: write.operations } : write.resource,
      headers: ifMatch(s, current.version),
      accept: [404, 412],
    });
    if (res.status === 404) return undefined;
    if (res.status !== 412) return { current, wrote: true };
    const fresh = await getUser(s, current.id);
    if (!fresh) return undefined;
    current = fresh;
  }
  throw new ConnectorError({
    code: 'conflict',
    message: `app '${s.ctx.appId}': user ${located.id} kept changing under us (412 Precondition Failed ${MAX_ATTEMPTS} times)`,
    context: { appId: s.ctx.appId, externalRef: located.id },
  });
}

/** If-Match for a version, when the app advertises ETags. */
export function ifMatch(s: ScimSession, version: string | undefined): Record<string, string> | undefined {
  return s.features.etag && version ? { 'if-match': version } : undefined;
}

/** PATCH when the app supports it, else PUT of the current resource with the changes applied. */
export function patchOrPut(s: ScimSession, operations: PatchOperation[], asResource: () => ScimUser): UserWrite {
  return s.features.patch ? { method: 'PATCH', operations } : { method: 'PUT', resource: asResource() };
}
