import type { ConformanceTarget } from '../../sdk/conformance';
import type { ScimConfig } from '../config';
import { startFakeScimServer } from './fake-scim-server';

/**
 * TEST-ONLY. The conformance kit's target for the SCIM connector on the in-memory fake server, with
 * `config` merged into the instance's settings (e.g. `lookupBy`).
 */
export async function fakeScimConformanceTarget(req: { appId: string; config?: Partial<ScimConfig>; findsAccountsOnlyByRef?: boolean }): Promise<ConformanceTarget> {
  const server = await startFakeScimServer({ groupsOnUser: true });
  const entitlement = 'team:conformance';
  return {
    name: `fake SCIM server (${JSON.stringify(req.config ?? {})})`,
    appId: req.appId,
    config: { baseUrl: server.baseUrl, profile: 'generic', ...req.config },
    secrets: { bearerToken: server.token },
    entitlement,
    ...(req.findsAccountsOnlyByRef ? { findsAccountsOnlyByRef: true } : {}),
    async reset() {
      server.reset();
      server.seedGroup(entitlement);
    },
    async deleteOutOfBand({ personKey }) {
      // The connector's default anchor is the whole person key.
      for (const [id, user] of server.users) if (user.externalId === personKey) server.users.delete(id);
    },
    handMade: {
      async create({ attributes }) {
        const user = server.seedUser({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: String(attributes.userName),
          displayName: 'Made By Hand',
          title: 'Made by hand',
          nickName: 'hand',
          active: false,
        });
        return { externalRef: user.id };
      },
      async read({ externalRef }) {
        const { meta: _meta, ...user } = structuredClone(server.users.get(externalRef) ?? {});
        return user;
      },
    },
    faults: {
      rateLimited: ({ retryAfter }) => server.faults.respond(429, { 'retry-after': retryAfter }),
      unavailable: () => server.faults.respond(503),
      unauthorized: () => server.faults.respond(401),
      badRequest: () => server.faults.respond(400),
      stall: () => server.faults.next({ kind: 'stall' }),
    },
    dispose: () => server.stop(),
  };
}
