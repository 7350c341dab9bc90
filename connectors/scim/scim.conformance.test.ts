import { runConformance } from '../sdk/conformance';
import { createScimConnector } from '.';
import { fakeScimConformanceTarget } from './testing/fake-conformance-target';

/** The whole kit against the fake SCIM server, at unit-test speed; the real server runs it in scim.integration.test.ts. */
runConformance(createScimConnector(), () => fakeScimConformanceTarget({ appId: 'conformance-scim-fake' }));
