import { runSourceConformance } from '__SDK__/conformance';
import { __CAMEL__Source } from '.';

runSourceConformance(__CAMEL__Source);
