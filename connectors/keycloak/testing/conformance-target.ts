import { randomBytes } from 'node:crypto';
import type { ConformanceTarget } from '../../sdk/conformance';
import { startFaultProxy } from '../../sdk/conformance';
import type { KeycloakServer } from '../../../test/harness/keycloak';
import { KEYCLOAK_VERSION } from '../../../test/harness/keycloak';

/** The group the kit grants and revokes. */
export const KIT_GROUP = 'staff';
/** User-profile attributes the target maps besides the core fields. */
export const KIT_ATTRIBUTES = ['title', 'department'];

/** Creates the group `name` at the realm's top level unless it exists. */
export async function ensureGroup(kc: KeycloakServer, name: string): Promise<void> {
  const created = await kc.admin({ method: 'POST', path: 'groups', body: { name } });
  if (created.status !== 201 && created.status !== 409) throw new Error(`creating group '${name}' answered ${created.status}`);
}

/** Every user of the realm the admin API lists (service accounts are not listed). */
export async function allUsers(kc: KeycloakServer): Promise<Array<{ id: string; username?: string }>> {
  return (await kc.admin<Array<{ id: string; username?: string }>>({ method: 'GET', path: 'users', query: { max: '10000', briefRepresentation: 'true' } })).body ?? [];
}

/**
 * TEST-ONLY. The conformance kit's target for the Keycloak connector: the realm a real Keycloak
 * made for the run (test/harness/keycloak.ts), reached through the HTTP fault proxy. 429 and 503
 * are synthesized by the proxy (Keycloak sends neither on demand); 401 and 400 are Keycloak's own
 * answers to requests the proxy spoils (a wrong bearer token, a search Keycloak cannot decode).
 */
export async function keycloakConformanceTarget(kc: KeycloakServer): Promise<ConformanceTarget & { proxyUrl: string }> {
  const proxy = await startFaultProxy({ upstream: kc.baseUrl });
  await ensureGroup(kc, KIT_GROUP);
  const adminApi = /^\/admin\/realms\//;
  const badToken = `Bearer not-a-token-${randomBytes(6).toString('hex')}`;

  return {
    name: `Keycloak ${KEYCLOAK_VERSION} (start-dev) realm ${kc.realm} behind the fault proxy`,
    appId: 'conformance-keycloak',
    proxyUrl: proxy.baseUrl,
    config: { baseUrl: proxy.baseUrl, realm: kc.realm, clientId: kc.clientId, attributes: KIT_ATTRIBUTES },
    secrets: { clientSecret: kc.clientSecret },
    entitlement: `group:${KIT_GROUP}`,
    async reset() {
      proxy.faults.clear();
      for (const user of await allUsers(kc)) await kc.admin({ method: 'DELETE', path: `users/${user.id}` });
    },
    async deleteOutOfBand({ personKey }) {
      const found = await kc.admin<Array<{ id: string }>>({ method: 'GET', path: 'users', query: { q: `jmlPersonKey:${personKey}`, exact: 'true' } });
      for (const user of found.body ?? []) await kc.admin({ method: 'DELETE', path: `users/${user.id}` });
    },
    handMade: {
      async create({ attributes }) {
        const res = await kc.admin({
          method: 'POST',
          path: 'users',
          body: {
            username: String(attributes.username),
            email: `hand.${randomBytes(4).toString('hex')}@example.net`,
            firstName: 'Made',
            lastName: 'By Hand',
            enabled: false,
            attributes: { note: ['created in the admin console'] },
          },
        });
        if (res.status !== 201 || !res.location) throw new Error(`hand-made user: POST answered ${res.status}`);
        return { externalRef: res.location.split('/').pop() as string };
      },
      async read({ externalRef }) {
        // `access` describes the caller's rights, not the user.
        const { body, status } = await kc.admin<Record<string, unknown>>({ method: 'GET', path: `users/${externalRef}` });
        const { access: _access, ...user } = body ?? {};
        return { status, user };
      },
    },
    // A password an admin sets, as for a person who signs in with one; revokeCredentials removes it.
    credentials: {
      async give({ externalRef }) {
        const res = await kc.admin({ method: 'PUT', path: `users/${externalRef}/reset-password`, body: { type: 'password', value: `pw-${randomBytes(12).toString('base64url')}`, temporary: false } });
        if (res.status !== 204) throw new Error(`set a password: PUT answered ${res.status}`);
      },
      async count({ externalRef }) {
        return (await kc.admin<unknown[]>({ method: 'GET', path: `users/${externalRef}/credentials` })).body?.length ?? 0;
      },
    },
    faults: {
      rateLimited: ({ retryAfter }) => proxy.faults.respond(429, { 'retry-after': retryAfter }),
      unavailable: () => proxy.faults.respond(503),
      // A token Keycloak does not accept, twice: the connector asks for a fresh token after the first 401.
      unauthorized: () => {
        for (let i = 0; i < 2; i += 1) {
          proxy.faults.next({ kind: 'rewrite', when: { url: adminApi }, rewrite: (r) => ({ ...r, headers: { ...r.headers, authorization: badToken } }) });
        }
      },
      // The joiner's first request is the anchor search; Keycloak answers 400 to a search it cannot decode.
      badRequest: () =>
        proxy.faults.next({ kind: 'rewrite', when: { method: 'GET', url: /^\/admin\/realms\/[^/]+\/users\?/ }, rewrite: (r) => ({ ...r, url: `${r.url.split('?')[0]}?search=%` }) }),
      stall: () => proxy.faults.next({ kind: 'stall' }),
    },
    uniqueAttribute: 'username',
    attributesFor: ({ person, variant }) => ({
      username: (person.workEmail ?? `${person.givenName}.${person.familyName}`).toLowerCase(),
      firstName: person.givenName,
      lastName: person.familyName,
      title: variant === 'joiner' ? 'Engineer' : 'Staff Engineer',
      department: variant === 'joiner' ? 'Research' : 'Platform',
    }),
    async dispose() {
      await proxy.stop();
    },
  };
}
