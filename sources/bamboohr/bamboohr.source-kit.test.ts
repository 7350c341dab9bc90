import { runSourceConformance } from '../sdk/conformance';
import { bambooHrSource } from '.';

runSourceConformance(bambooHrSource);
