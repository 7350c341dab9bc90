import { runSourceConformance } from '../sdk/conformance';
import { canonicalSource } from '.';

runSourceConformance(canonicalSource);
