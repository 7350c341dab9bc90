import type { AppAttributes, Capability, CheckUniqueResult, OperationResult, ReadAccountResult } from '../types';
import type { Harness, TestPerson } from './harness';

/** Options every action takes; `externalRef` mimics a workflow that remembers the app's id. */
export interface ActionOptions {
  externalRef?: string;
  signal?: AbortSignal;
}

type Operation = (ctx: unknown, req: unknown) => Promise<unknown>;

/**
 * Calls a connector's operations the way the worker's activity does (one context per call), and
 * records every error thrown so that the secrets scenario can search them too.
 */
export function actions(h: Harness) {
  const call = async <T>(operation: string, req: unknown, signal?: AbortSignal): Promise<T> => {
    const fn = (h.connector.operations as Record<string, Operation | undefined>)[operation];
    if (!fn) throw new Error(`connector '${h.connector.id}' has no ${operation}()`);
    try {
      return (await fn(h.context({ operation, signal }), req)) as T;
    } catch (err) {
      h.thrown.push(err);
      throw err;
    }
  };
  const account = (p: TestPerson, o: ActionOptions = {}) => ({ personKey: p.personKey, ...(o.externalRef ? { externalRef: o.externalRef } : {}) });

  return {
    create: (p: TestPerson, o: ActionOptions & { attributes?: AppAttributes; enabled?: boolean } = {}) =>
      call<OperationResult>(
        'createAccount',
        {
          account: account(p, o),
          person: p.person,
          attributes: o.attributes ?? h.attributesFor({ person: p.person, variant: 'joiner' }),
          enabled: o.enabled ?? true,
        },
        o.signal,
      ),
    update: (p: TestPerson, attributes: AppAttributes, o: ActionOptions = {}) =>
      call<OperationResult>('updateAccount', { account: account(p, o), person: p.person, attributes }, o.signal),
    suspend: (p: TestPerson, o: ActionOptions = {}) => call<OperationResult>('suspendAccount', { account: account(p, o), reason: 'conformance leaver' }, o.signal),
    restore: (p: TestPerson, o: ActionOptions = {}) => call<OperationResult>('restoreAccount', { account: account(p, o) }, o.signal),
    remove: (p: TestPerson, o: ActionOptions = {}) => call<OperationResult>('deleteAccount', { account: account(p, o) }, o.signal),
    signOut: (p: TestPerson, o: ActionOptions = {}) => call<OperationResult>('revokeSessions', { account: account(p, o) }, o.signal),
    grant: (p: TestPerson, entitlement: string, o: ActionOptions = {}) => call<OperationResult>('grantAccess', { account: account(p, o), entitlement }, o.signal),
    revoke: (p: TestPerson, entitlement: string, o: ActionOptions = {}) => call<OperationResult>('revokeAccess', { account: account(p, o), entitlement }, o.signal),
    checkUnique: (p: TestPerson, attribute: string, value: string, o: ActionOptions = {}) =>
      call<CheckUniqueResult>('checkUnique', { account: account(p, o), attribute, value }, o.signal),
    read: async (p: TestPerson, o: ActionOptions = {}) => normalizeRead(await call<ReadAccountResult>('readAccount', { account: account(p, o) }, o.signal)),
  };
}

export type Actions = ReturnType<typeof actions>;

/** Capabilities a scenario needs, so that a connector without them skips instead of failing. */
export function missingCapabilities(h: Harness, needed: readonly Capability[]): Capability[] {
  const declared = new Set<string>(h.connector.capabilities);
  return needed.filter((c) => !declared.has(c));
}

/** Entitlement order is not part of the contract. */
function normalizeRead(read: ReadAccountResult): ReadAccountResult {
  return read.entitlements ? { ...read, entitlements: [...read.entitlements].sort() } : read;
}
