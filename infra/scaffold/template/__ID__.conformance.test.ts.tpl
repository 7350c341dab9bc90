import { runConformance } from '../sdk/conformance';
import { __FACTORY__ } from '.';
import { fakeAppTarget } from './testing/conformance-target';

/** The whole conformance kit against the in-memory fake app, at unit-test speed. */
runConformance(__FACTORY__(), fakeAppTarget);
