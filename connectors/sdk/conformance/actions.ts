import type { AppAttributes, Capability, CheckUniqueResult, ListAccountsRequest, ListAccountsResult, OperationResult, ReadAccountResult } from '../types';
import type { Harness, TestPerson } from './harness';

/** Options every action takes. */
export interface ActionOptions {
  /**
   * Call without the carried externalRef, as a retry of a step whose first attempt started before any
   * ref was known (its answer was lost): the workflow has nothing to pass yet.
   */
  withoutRef?: boolean;
  signal?: AbortSignal;
}

type Operation = (ctx: unknown, req: unknown) => Promise<unknown>;

/**
 * Calls a connector's operations the way the worker's activity does (one context per call), and
 * records every error thrown so that the secrets scenario can search them too.
 *
 * Like the person workflow, it keeps the last `externalRef` any step returned for a person and
 * passes it (with the person key) to every later call for that person; it passes nothing else the
 * workflow would not have. A connector that can find accounts only by that ref is exercised exactly
 * as in production. `read` carries the ref too: it is how the kit looks at what the app holds.
 */
export function actions(h: Harness) {
  const refs = new Map<string, string>();
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
  /** A step's call: remembers the ref it returns, as the workflow does. */
  const step = async (operation: string, p: TestPerson, req: Record<string, unknown>, o: ActionOptions): Promise<OperationResult> => {
    const result = await call<OperationResult>(operation, { account: account(p, o), ...req }, o.signal);
    if (result.outcome === 'adopted' && !h.connector.capabilities.includes('account.release')) {
      throw new Error(`connector '${h.connector.id}' answered 'adopted' but does not declare 'account.release' (the inverse of an adoption)`);
    }
    if (result.externalRef) refs.set(p.personKey, result.externalRef);
    return result;
  };
  const account = (p: TestPerson, o: ActionOptions = {}) => {
    const externalRef = o.withoutRef ? undefined : refs.get(p.personKey);
    return { personKey: p.personKey, ...(externalRef ? { externalRef } : {}) };
  };

  return {
    create: (p: TestPerson, o: ActionOptions & { attributes?: AppAttributes; enabled?: boolean; adopt?: boolean } = {}) =>
      step(
        'createAccount',
        p,
        {
          person: p.person,
          attributes: o.attributes ?? h.attributesFor({ person: p.person, variant: 'joiner' }),
          enabled: o.enabled ?? true,
          ...(o.adopt !== undefined ? { adopt: o.adopt } : {}),
        },
        o,
      ),
    update: (p: TestPerson, attributes: AppAttributes, o: ActionOptions = {}) => step('updateAccount', p, { person: p.person, attributes }, o),
    suspend: (p: TestPerson, o: ActionOptions = {}) => step('suspendAccount', p, { reason: 'conformance leaver' }, o),
    restore: (p: TestPerson, o: ActionOptions = {}) => step('restoreAccount', p, {}, o),
    remove: (p: TestPerson, o: ActionOptions = {}) => step('deleteAccount', p, {}, o),
    /** The inverse of an adopting create, given that create's `before`. */
    release: (p: TestPerson, before: unknown, o: ActionOptions = {}) => step('releaseAccount', p, { before }, o),
    signOut: (p: TestPerson, o: ActionOptions = {}) => step('revokeSessions', p, {}, o),
    revokeCredentials: (p: TestPerson, o: ActionOptions = {}) => step('revokeCredentials', p, {}, o),
    grant: (p: TestPerson, entitlement: string, o: ActionOptions = {}) => step('grantAccess', p, { entitlement }, o),
    revoke: (p: TestPerson, entitlement: string, o: ActionOptions = {}) => step('revokeAccess', p, { entitlement }, o),
    checkUnique: (p: TestPerson, attribute: string, value: string, o: ActionOptions = {}) =>
      call<CheckUniqueResult>('checkUnique', { account: account(p, o), attribute, value }, o.signal),
    read: async (p: TestPerson, o: ActionOptions = {}) => normalizeRead(await call<ReadAccountResult>('readAccount', { account: account(p, o) }, o.signal)),
    /** One page of every account, as reconciliation asks for it. */
    list: (req: ListAccountsRequest, o: Pick<ActionOptions, 'signal'> = {}) => call<ListAccountsResult>('listAccounts', req, o.signal),
    /** The ref the kit carries for a person (what the workflow would hold), if any step returned one. */
    carriedRef: (p: TestPerson): string | undefined => refs.get(p.personKey),
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
