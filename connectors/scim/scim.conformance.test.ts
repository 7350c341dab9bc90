import { runConformance } from '../sdk/conformance';
import { createScimConnector } from '.';
import { startFakeScimServer } from './testing/fake-scim-server';

/** The whole kit against the fake SCIM server, at unit-test speed; the real server runs it in scim.integration.test.ts. */
runConformance(createScimConnector(), async () => {
  const server = await startFakeScimServer({ groupsOnUser: true });
  const entitlement = 'team:conformance';
  return {
    name: 'fake SCIM server',
    appId: 'conformance-scim-fake',
    config: { baseUrl: server.baseUrl, profile: 'generic' },
    secrets: { bearerToken: server.token },
    entitlement,
    async reset() {
      server.reset();
      server.seedGroup(entitlement);
    },
    async deleteOutOfBand({ personKey }) {
      for (const [id, user] of server.users) if (user.externalId === personKey) server.users.delete(id);
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
});
