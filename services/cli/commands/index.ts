import type { CommandSpec } from '../command';
import { approve } from './approve';
import { events } from './events';
import { held } from './held';
import { person } from './person';
import { plan } from './plan';
import { reject } from './reject';
import { send } from './send';

/**
 * Every `jml` command, in the order `jml --help` lists them. A new command is one module in this
 * folder (a {@link CommandSpec}: arguments, options, help, exit codes, run) and one line here;
 * parsing, help, --json and exit codes come with it. Planned next (issue 15): redrive, dlq,
 * reconcile, access, each over its own library (services/redrive, services/dlq, ...).
 */
export const COMMANDS: readonly CommandSpec[] = [
  send,
  person,
  events,
  plan,
  held,
  approve,
  reject,
];
