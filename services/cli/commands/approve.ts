import { decisionCommand } from './decide';

/** `jml approve <workflowId...|--all>`: let events held by the mass-change guard go ahead. */
export const approve = decisionCommand('approve');
