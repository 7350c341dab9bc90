/** Workflow entry points registered with the worker (bundled into the Temporal sandbox). */
export { personWorkflow } from './person';
export { jmlEventWorkflow } from './jml-event';
export { pollerWorkflow } from './poller';
export { orphanFixWorkflow, reconcileWorkflow } from './reconcile';
