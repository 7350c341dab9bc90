import type { CommandSpec } from '../command';
import { access } from './access';
import { approve } from './approve';
import { dlq } from './dlq';
import { reconcile } from './reconcile';
import { redrive } from './redrive';
import { events } from './events';
import { held } from './held';
import { person } from './person';
import { plan } from './plan';
import { policy } from './policy';
import { reject } from './reject';
import { send } from './send';
import { restore, suspend } from './suspend';

/**
 * Every `jml` command, in the order `jml --help` lists them. A new command is one module in this
 * folder (a {@link CommandSpec}: arguments, options, help, exit codes, run) and one line here;
 * parsing, help, --json and exit codes come with it.
 */
export const COMMANDS: readonly CommandSpec[] = [
  send,
  person,
  events,
  plan,
  held,
  approve,
  reject,
  redrive,
  suspend,
  restore,
  dlq,
  reconcile,
  policy,
  access,
];
