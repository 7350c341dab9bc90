import { runConformance } from '../sdk/conformance';
import { createScimConnector } from '.';
import { fakeScimConformanceTarget } from './testing/fake-conformance-target';

/**
 * The whole kit against an app configured `lookupBy: [userName]`: a userName is only searched to
 * adopt at create, so every later step finds the account by the externalRef the kit carries, as
 * the person workflow does. Nothing may depend on a lookup by externalId.
 */
runConformance(createScimConnector(), () =>
  fakeScimConformanceTarget({ appId: 'conformance-scim-ref-only', config: { lookupBy: ['userName'] }, findsAccountsOnlyByRef: true }),
);
