/**
 * The connector conformance kit: one `runConformance(connector, target)` line in a vitest file runs
 * the same scenarios against any connector (see DESIGN.md, Connectors). Test-only code: never
 * import it from services.
 */
export { runConformance, ALL_SCENARIOS } from './run';
export { SCENARIOS, type ConformanceTarget, type TargetSource, type FaultHooks, type ScenarioId, type AttributesFor, type HandMadeAccounts, type CredentialHooks } from './target';
export { createLogCapture, defaultAttributesFor, CANARY_SECRET, type LogCapture } from './harness';
export { FaultPlan, type InjectedFault } from './faults';
export { startFaultProxy, type FaultProxy } from './fault-proxy';
