import { CAPABILITIES, type Capability, type ConnectorDefinition, type OperationName } from './types';

/** Operation that each capability promises, for the boot-time check of plain-JS connectors too. */
export const OPERATION_OF: Readonly<Record<Capability, OperationName>> = Object.freeze({
  'account.read': 'readAccount',
  'account.create': 'createAccount',
  'account.update': 'updateAccount',
  'account.suspend': 'suspendAccount',
  'account.restore': 'restoreAccount',
  'account.delete': 'deleteAccount',
  'account.release': 'releaseAccount',
  'access.grant': 'grantAccess',
  'access.revoke': 'revokeAccess',
  'sessions.revoke': 'revokeSessions',
  'credentials.revoke': 'revokeCredentials',
  'accounts.list': 'listAccounts',
  'unique.check': 'checkUnique',
});

/**
 * Declares a connector. The type ties declared capabilities to implemented operations; the runtime
 * check repeats it for definitions that bypassed the types, and lists every problem at once.
 */
export function defineConnector<Config, Caps extends Capability>(def: ConnectorDefinition<Config, Caps>): ConnectorDefinition<Config, Caps> {
  const problems = definitionProblems(def as unknown as ConnectorDefinition);
  if (problems.length > 0) throw new Error(`connector '${def.id}' is not valid:\n  - ${problems.join('\n  - ')}`);
  return Object.freeze(def);
}

export function definitionProblems(def: ConnectorDefinition): string[] {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(def.id)) problems.push(`id '${def.id}' must be lowercase letters, digits and dashes`);
  const ops = def.operations as unknown as Record<string, unknown>;
  for (const cap of def.capabilities) {
    if (!(CAPABILITIES as readonly string[]).includes(cap)) {
      problems.push(`unknown capability '${cap}'`);
      continue;
    }
    if (typeof ops[OPERATION_OF[cap]] !== 'function') problems.push(`capability '${cap}' needs operation ${OPERATION_OF[cap]}()`);
  }
  const declared = new Set(def.capabilities.map((c) => OPERATION_OF[c]));
  for (const name of Object.keys(ops)) {
    if (!declared.has(name as OperationName)) problems.push(`operation ${name}() is implemented but its capability is not declared`);
  }
  return problems;
}
