import type { ConformanceTarget } from '../../sdk/conformance';
import { startFakeApp } from './fake-app';

/**
 * TEST-ONLY. The conformance kit's target for `__ID__`: the in-memory fake app, with the kit's
 * fault hooks armed on the fake itself. The 401 is real: the next request reaches the fake's bearer
 * check with a wrong token.
 *
 * TODO(__ID__): add a second target against a real server (see test/harness/scim-server.ts) in an
 * `*.integration.test.ts`, fronted by startFaultProxy from connectors/sdk/conformance.
 */
export async function fakeAppTarget(): Promise<ConformanceTarget> {
  const entitlement = 'team:conformance';
  const app = await startFakeApp({ groups: [entitlement] });
  return {
    name: 'fake __ID__ app',
    appId: 'conformance-__ID__-fake',
    config: { baseUrl: app.baseUrl },
    secrets: { apiToken: app.token },
    entitlement,
    async reset() {
      app.reset();
    },
    async deleteOutOfBand({ personKey }) {
      app.deleteUser({ externalId: personKey });
    },
    // A user an admin made in the app, without our anchor: listed, but as no person's.
    handMade: {
      async create({ attributes }) {
        return { externalRef: app.seedUser({ attributes: { ...attributes, title: 'Made by hand' } }).id };
      },
      async read({ externalRef }) {
        return structuredClone(app.users.get(externalRef));
      },
    },
    faults: {
      rateLimited: ({ retryAfter }) => app.faults.respond(429, { 'retry-after': retryAfter }),
      unavailable: () => app.faults.respond(503),
      unauthorized: () =>
        app.faults.next({ kind: 'rewrite', rewrite: (req) => ({ ...req, headers: { ...req.headers, authorization: 'Bearer wrong-token' } }) }),
      badRequest: () => app.faults.respond(400),
      stall: () => app.faults.next({ kind: 'stall' }),
    },
    dispose: () => app.stop(),
  };
}
