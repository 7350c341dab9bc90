/**
 * The contracts shared by the workflows (sandbox), the worker, the policy planner, the dispatcher and
 * the CLI: plans, activity signatures, workflow ids, signals, queries and search attributes. A leaf:
 * files here import nothing of ours outside `schemas/` (lint enforces it), only `@temporalio/*`
 * definitions, so the sandbox may import them and no folder depends on another through them.
 */
export * from './activities';
export * from './event-plan';
export * from './operations';
export * from './poller';
export * from './search-attributes';
export * from './workflows';
export * from './reconcile';
