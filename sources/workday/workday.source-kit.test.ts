import { runSourceConformance } from '../sdk/conformance';
import { workdaySource } from '.';

runSourceConformance(workdaySource);
