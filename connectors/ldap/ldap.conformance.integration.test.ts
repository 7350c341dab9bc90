import { runConformance } from '../sdk/conformance';
import { createLdapConnector } from './index';
import { slapdConformanceTarget } from './testing/conformance-target';

const connector = createLdapConnector();

runConformance(connector, () => slapdConformanceTarget({ connector }));
