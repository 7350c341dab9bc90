import { decisionCommand } from './decide';

/** `jml reject <workflowId...|--all>`: drop events held by the mass-change guard; nothing is changed at the apps. */
export const reject = decisionCommand('reject');
