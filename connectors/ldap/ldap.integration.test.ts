import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlapd, type SlapdInstance } from '../../test/harness/slapd';
import { isConnectorError, type AppAttributes, type ConnectorError } from '../sdk';
import { parseDn } from './dn';
import { createLdapConnector } from './index';
import { startLdapFaultProxy, type LdapFaultProxy } from './testing/fault-proxy';
import { recordingContext, snapshot, type RecordingContext } from './testing/test-support';

/**
 * The LDAP connector against a real OpenLDAP slapd started for this file. Every test uses its own
 * employee ids, so tests share one tree without seeing each other's people.
 */

let slapd: SlapdInstance;
const connector = createLdapConnector();
const ops = connector.operations;
let seq = 100;
const nextId = () => String((seq += 1));

beforeAll(async () => {
  slapd = await startSlapd();
});

afterAll(async () => {
  await connector.dispose?.();
  await slapd?.stop();
});

/** A context for an app configured with the shared tree plus `overrides`. */
function app(appId: string, overrides: Record<string, unknown> = {}): RecordingContext {
  return recordingContext({
    appId,
    bindPassword: slapd.bindPassword,
    config: {
      url: slapd.url,
      bindDn: slapd.bindDn,
      baseDn: slapd.peopleDn,
      groupsDn: slapd.groupsDn,
      disable: { kind: 'move-to-ou', disabledDn: slapd.disabledDn },
      ...overrides,
    },
  });
}

const moveApp = () => app('ldap-move');
const attributeApp = () => app('ldap-attr', { disable: { kind: 'set-attribute', attribute: 'employeeType', disabledValue: 'disabled' } });
const groupsApp = () => app('ldap-groups', { disable: { kind: 'remove-from-groups' } });
const cnApp = () => app('ldap-cn', { rdnAttribute: 'cn' });
const suffixApp = () => app('ldap-suffix', { onUidCollision: 'suffix-employee-number' });

interface Joiner {
  id: string;
  given?: string;
  family?: string;
  attributes?: AppAttributes;
  enabled?: boolean;
}

function join(a: RecordingContext, j: Joiner) {
  return ops.createAccount(a.ctx, {
    account: { personKey: `test:${j.id}` },
    person: snapshot(j.id, j.given ?? 'Ada', j.family ?? `Lovelace${j.id}`),
    attributes: { userName: `user${j.id}`, ...j.attributes },
    enabled: j.enabled ?? true,
  });
}

const account = (id: string, externalRef?: string) => ({ account: { personKey: `test:${id}`, ...(externalRef ? { externalRef } : {}) } });

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (err) {
    if (isConnectorError(err)) return err;
    throw err;
  }
  throw new Error('expected the operation to fail');
}

/** The entry as the server holds it, read as the rootdn, or undefined. */
async function raw(dn: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { searchEntries } = await slapd.admin.search(dn, { scope: 'base', attributes: ['*', '+'] });
    return searchEntries[0];
  } catch {
    return undefined;
  }
}

/** The user attributes of an entry (no operational ones, which every write changes). */
async function userAttributes(dn: string): Promise<Record<string, unknown> | undefined> {
  const { searchEntries } = await slapd.admin.search(dn, { scope: 'base', attributes: ['*'] });
  return searchEntries[0];
}

async function members(groupDn: string): Promise<string[]> {
  const entry = await raw(groupDn);
  const member = entry?.member;
  return member === undefined ? [] : ([] as string[]).concat(member as string | string[]);
}

async function newGroup(cn: string): Promise<string> {
  const dn = `cn=${cn},${slapd.groupsDn}`;
  await slapd.admin.add(dn, { objectClass: ['top', 'groupOfNames'], cn, member: dn });
  return dn;
}

describe('joiner', () => {
  it('creates an inetOrgPerson once > the second run is already-in-state with the same DN', async () => {
    const a = moveApp();
    const id = nextId();
    const first = await join(a, { id, given: 'Ada', family: 'Lovelace', attributes: { userName: `ada${id}`, title: 'Analyst' } });
    expect(first.outcome).toBe('applied');
    expect(first.externalRef).toBe(`uid=ada${id},${slapd.peopleDn}`);
    const second = await join(a, { id, given: 'Ada', family: 'Lovelace', attributes: { userName: `ada${id}` } });
    expect(second).toEqual({ outcome: 'already-in-state', externalRef: first.externalRef, createdAt: expect.any(String) });

    const entry = await raw(first.externalRef as string);
    expect(entry).toMatchObject({ uid: `ada${id}`, cn: 'Ada Lovelace', sn: 'Lovelace', givenName: 'Ada', displayName: 'Ada Lovelace', employeeNumber: `test:${id}`, title: 'Analyst', departmentNumber: 'R&D', mail: `e${id}@example.org` });
    expect(entry?.objectClass).toEqual(expect.arrayContaining(['inetOrgPerson']));
  });

  it('adopts > an entry with the same uid and no employeeNumber, writing the anchor into it', async () => {
    const a = moveApp();
    const id = nextId();
    const dn = `uid=legacy${id},${slapd.peopleDn}`;
    await slapd.admin.add(dn, { objectClass: ['inetOrgPerson'], uid: `legacy${id}`, cn: 'Legacy Person', sn: 'Person' });
    const adopted = await join(a, { id, attributes: { userName: `legacy${id}` } });
    expect(adopted).toMatchObject({ outcome: 'adopted', externalRef: dn, before: { attributes: { employeeNumber: [] } } });
    expect((await raw(dn))?.employeeNumber).toBe(`test:${id}`);
    expect((await join(a, { id, attributes: { userName: `legacy${id}` } })).outcome).toBe('already-in-state');
  });

  it('adopts, then releases > a hand-made entry with attributes of its own is back exactly as it was, without our anchor', async () => {
    const a = moveApp();
    const id = nextId();
    const dn = `uid=hand${id},${slapd.peopleDn}`;
    await slapd.admin.add(dn, {
      objectClass: ['inetOrgPerson'],
      uid: `hand${id}`,
      cn: ['Hand Made', 'H. Made'],
      sn: 'Made',
      givenName: 'Hand',
      mail: `hand${id}@example.org`,
      title: 'Made by hand',
      description: 'created in the admin console',
      telephoneNumber: '+1 555 0100',
      departmentNumber: 'Ops',
    });
    const asMade = await userAttributes(dn);
    const adopted = await join(a, { id, attributes: { userName: `hand${id}`, title: 'Ours' } });
    expect(adopted).toMatchObject({ outcome: 'adopted', externalRef: dn, before: { attributes: { employeeNumber: [] } } });
    expect((await userAttributes(dn))?.employeeNumber).toBe(`test:${id}`);

    // The person workflow passes the carried externalRef and the adoption's `before`.
    const release = () => ops.releaseAccount(a.ctx, { ...account(id, adopted.externalRef), before: adopted.before });
    expect(await release()).toMatchObject({ outcome: 'applied', externalRef: dn });
    const after = await userAttributes(dn);
    expect(after).toEqual(asMade);
    expect(after).not.toHaveProperty('employeeNumber');
    expect((await release()).outcome).toBe('already-in-state');

    // A later joiner that still carries the ref finds the released entry without our anchor: it adopts it again.
    const again = await ops.createAccount(a.ctx, { ...account(id, adopted.externalRef), person: snapshot(id, 'Ada', 'L'), attributes: { userName: `other${id}` }, enabled: true });
    expect(again).toMatchObject({ outcome: 'adopted', externalRef: dn });
    expect((await userAttributes(dn))?.employeeNumber).toBe(`test:${id}`);
    expect((await ops.releaseAccount(a.ctx, { ...account(id, dn), before: again.before })).outcome).toBe('applied');
    expect(await userAttributes(dn)).toEqual(asMade);

    await slapd.admin.del(dn);
    expect((await release()).outcome).toBe('not-applicable');
  });

  it('release > never touches an entry it did not adopt (one the pipeline created carries the anchor too)', async () => {
    const a = moveApp();
    const id = nextId();
    const handDn = `uid=hand${id},${slapd.peopleDn}`;
    await slapd.admin.add(handDn, { objectClass: ['inetOrgPerson'], uid: `hand${id}`, cn: 'H', sn: 'M' });
    const adopted = await join(a, { id, attributes: { userName: `hand${id}` } });
    await slapd.admin.del(handDn);
    const created = await join(a, { id, attributes: { userName: `new${id}` } });
    expect(created.outcome).toBe('applied');
    const before = await userAttributes(created.externalRef as string);
    expect((await ops.releaseAccount(a.ctx, { ...account(id, created.externalRef), before: adopted.before })).outcome).toBe('already-in-state');
    expect(await userAttributes(created.externalRef as string)).toEqual(before);
  });

  it('release > a `before` that is not an adoption’s is invalid-request', async () => {
    const err = await failure(ops.releaseAccount(moveApp().ctx, { ...account(nextId()), before: { adopted: true } }));
    expect(err).toMatchObject({ code: 'invalid-request', retryable: false });
  });

  it('adopts > the entry carrying the employeeNumber even when its uid differs', async () => {
    const a = moveApp();
    const id = nextId();
    const dn = `uid=renamed${id},${slapd.peopleDn}`;
    await slapd.admin.add(dn, { objectClass: ['inetOrgPerson'], uid: `renamed${id}`, cn: 'X', sn: 'Y', employeeNumber: `test:${id}` });
    expect(await join(a, { id, attributes: { userName: `other${id}` } })).toEqual({ outcome: 'already-in-state', externalRef: dn, createdAt: expect.any(String) });
  });

  it('fails as invalid-request > when the naming attribute has no value', async () => {
    const err = await failure(ops.createAccount(moveApp().ctx, { ...account(nextId()), person: snapshot('1', 'A', 'B'), attributes: {}, enabled: true }));
    expect(err).toMatchObject({ code: 'invalid-request', retryable: false });
  });
});

describe('mover', () => {
  it('updates > changes are visible on read, a repeat is already-in-state, before holds the old values', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id, given: 'Grace', family: 'Hopper' });
    const moved = await ops.updateAccount(a.ctx, {
      ...account(id),
      person: snapshot(id, 'Grace', 'Hopper', { jobTitle: 'Rear Admiral', department: 'Navy' }),
      attributes: { userName: `user${id}` },
    });
    expect(moved.outcome).toBe('applied');
    expect(moved.before).toEqual({ title: 'Engineer', departmentNumber: 'R&D' });

    const read = await ops.readAccount(a.ctx, account(id));
    expect(read).toMatchObject({ exists: true, enabled: true, attributes: { title: 'Rear Admiral', departmentNumber: 'Navy', cn: 'Grace Hopper' } });

    const again = await ops.updateAccount(a.ctx, {
      ...account(id),
      person: snapshot(id, 'Grace', 'Hopper', { jobTitle: 'Rear Admiral', department: 'Navy' }),
      attributes: { userName: `user${id}` },
    });
    expect(again.outcome).toBe('already-in-state');
  });

  it('removes known-empty attributes > null in the policy deletes the value', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id });
    await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'Ada', `Lovelace${id}`), attributes: { userName: `user${id}`, title: null } });
    expect((await ops.readAccount(a.ctx, account(id))).attributes).not.toHaveProperty('title');
  });

  it('renames > a name change moves the cn-named DN; a letter-case fix is written too', async () => {
    const a = cnApp();
    const id = nextId();
    const created = await join(a, { id, given: 'Ana', family: 'Obrien' });
    expect(parseDn(created.externalRef as string)[0]).toEqual([{ type: 'cn', value: 'Ana Obrien' }]);

    const renamed = await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'Ana', "O'Brien"), attributes: { userName: `user${id}` } });
    expect(renamed.outcome).toBe('applied');
    expect(parseDn(renamed.externalRef as string)[0]).toEqual([{ type: 'cn', value: "Ana O'Brien" }]);
    expect(await raw(created.externalRef as string)).toBeUndefined();

    const caseFix = await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'ana', "o'brien"), attributes: { userName: `user${id}` } });
    expect(caseFix.outcome).toBe('applied');
    expect((await ops.readAccount(a.ctx, account(id))).attributes).toMatchObject({ cn: "ana o'brien", sn: "o'brien", givenName: 'ana' });
  });
});

describe('leaver', () => {
  it('suspends twice and deletes twice > applied, then already-in-state', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id });
    expect((await ops.suspendAccount(a.ctx, account(id))).outcome).toBe('applied');
    expect((await ops.suspendAccount(a.ctx, account(id))).outcome).toBe('already-in-state');
    const deleted = await ops.deleteAccount(a.ctx, account(id));
    expect(deleted.outcome).toBe('applied');
    expect((await ops.deleteAccount(a.ctx, account(id))).outcome).toBe('already-in-state');
    expect(await ops.readAccount(a.ctx, account(id))).toEqual({ exists: false });
  });

  it('converges after an out-of-band delete > delete is already-in-state, suspend is not-applicable', async () => {
    const a = moveApp();
    const id = nextId();
    const created = await join(a, { id });
    await slapd.admin.del(created.externalRef as string);
    expect((await ops.deleteAccount(a.ctx, account(id, created.externalRef))).outcome).toBe('already-in-state');
    expect((await ops.suspendAccount(a.ctx, account(id, created.externalRef))).outcome).toBe('not-applicable');
    expect((await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'A', 'B'), attributes: {} })).outcome).toBe('not-applicable');
  });

  it('removes memberships before deleting > no dangling member values stay behind', async () => {
    const a = moveApp();
    const id = nextId();
    const created = await join(a, { id });
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: 'staff' });
    const deleted = await ops.deleteAccount(a.ctx, account(id));
    expect(deleted.before).toMatchObject({ entitlements: ['staff'], enabled: true });
    const staff = await slapd.admin.search(slapd.groups.staff as string, { scope: 'base', filter: `(member=${created.externalRef})` });
    expect(staff.searchEntries).toHaveLength(0);
  });
});

describe('disable strategies', () => {
  it('move-to-ou > suspend moves the entry under the disabled OU, restore moves it back', async () => {
    const a = moveApp();
    const id = nextId();
    const created = await join(a, { id });
    const suspended = await ops.suspendAccount(a.ctx, account(id));
    expect(suspended).toMatchObject({ outcome: 'applied', externalRef: `uid=user${id},${slapd.disabledDn}`, before: { dn: created.externalRef } });
    expect(await ops.readAccount(a.ctx, account(id))).toMatchObject({ exists: true, enabled: false, externalRef: suspended.externalRef });
    const restored = await ops.restoreAccount(a.ctx, account(id));
    expect(restored).toMatchObject({ outcome: 'applied', externalRef: created.externalRef });
    expect((await ops.restoreAccount(a.ctx, account(id))).outcome).toBe('already-in-state');
  });

  it('move-to-ou > memberships follow the entry: read while disabled, a group revoked meanwhile stays revoked after restore', async () => {
    const a = moveApp();
    const id = nextId();
    const created = await join(a, { id });
    for (const entitlement of ['staff', 'engineering']) await ops.grantAccess(a.ctx, { ...account(id), entitlement });
    const suspended = await ops.suspendAccount(a.ctx, account(id));
    const members = async (cn: string) => [(await raw(`cn=${cn},${slapd.groupsDn}`))?.member ?? []].flat().map((m) => String(m).toLowerCase());
    // The groups name the entry where it now is (what slapd's refint overlay would do), not where it was.
    expect(await members('staff')).toContain((suspended.externalRef as string).toLowerCase());
    expect(await members('staff')).not.toContain((created.externalRef as string).toLowerCase());
    expect((await ops.readAccount(a.ctx, account(id))).entitlements?.sort()).toEqual(['engineering', 'staff']);
    expect((await ops.revokeAccess(a.ctx, { ...account(id), entitlement: 'engineering' })).outcome).toBe('applied');
    await ops.restoreAccount(a.ctx, account(id));
    expect(await ops.readAccount(a.ctx, account(id))).toMatchObject({ enabled: true, entitlements: ['staff'] });
    expect(await members('engineering')).not.toContain((created.externalRef as string).toLowerCase());
    expect(await members('engineering')).not.toContain((suspended.externalRef as string).toLowerCase());
  });

  it('move-to-ou > a joiner created disabled (pre-start) is born in the disabled OU', async () => {
    const a = moveApp();
    const id = nextId();
    const created = await join(a, { id, enabled: false });
    expect(created.externalRef).toBe(`uid=user${id},${slapd.disabledDn}`);
    expect((await ops.readAccount(a.ctx, account(id))).enabled).toBe(false);
  });

  it('set-attribute > adds the disabled value next to other values and removes only it on restore', async () => {
    const a = attributeApp();
    const id = nextId();
    const created = await join(a, { id });
    await slapd.admin.modify(created.externalRef as string, [
      // Out of band: HR's worker type, which the disable must not clobber.
      new Change({ operation: 'add', modification: new Attribute({ type: 'employeeType', values: ['contractor'] }) }),
    ]);
    const suspended = await ops.suspendAccount(a.ctx, account(id));
    expect(suspended).toMatchObject({ outcome: 'applied', before: { employeeType: ['contractor'] } });
    expect((await raw(created.externalRef as string))?.employeeType).toEqual(['contractor', 'disabled']);
    expect((await ops.readAccount(a.ctx, account(id))).enabled).toBe(false);
    expect((await ops.suspendAccount(a.ctx, account(id))).outcome).toBe('already-in-state');

    expect((await ops.restoreAccount(a.ctx, account(id))).outcome).toBe('applied');
    expect((await raw(created.externalRef as string))?.employeeType).toBe('contractor');
    expect((await ops.readAccount(a.ctx, account(id))).enabled).toBe(true);
  });

  it('set-attribute with enabledValue > flips one flag value both ways; born disabled when asked', async () => {
    const a = app('ldap-flag', { disable: { kind: 'set-attribute', attribute: 'employeeType', disabledValue: 'inactive', enabledValue: 'active' } });
    const id = nextId();
    const created = await join(a, { id, enabled: false });
    expect((await raw(created.externalRef as string))?.employeeType).toBe('inactive');
    await ops.restoreAccount(a.ctx, account(id));
    expect((await raw(created.externalRef as string))?.employeeType).toBe('active');
    await ops.suspendAccount(a.ctx, account(id));
    expect((await raw(created.externalRef as string))?.employeeType).toBe('inactive');
  });

  it('remove-from-groups > strips every membership, reports them in before, and restore is not-applicable', async () => {
    const a = groupsApp();
    const id = nextId();
    await join(a, { id });
    const solo = await newGroup(`solo-${id}`);
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: 'staff' });
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: `solo-${id}` });
    const suspended = await ops.suspendAccount(a.ctx, account(id));
    expect(suspended).toMatchObject({ outcome: 'applied', before: { entitlements: [`solo-${id}`, 'staff'] } });
    const read = await ops.readAccount(a.ctx, account(id));
    expect(read.entitlements).toEqual([]);
    expect(read).not.toHaveProperty('enabled');
    expect(await members(solo)).toEqual([solo]); // the last member was replaced by the placeholder
    expect((await ops.suspendAccount(a.ctx, account(id))).outcome).toBe('already-in-state');
    expect((await ops.restoreAccount(a.ctx, account(id))).outcome).toBe('not-applicable');
  });
});

describe('groups', () => {
  it('grants and revokes > each twice: applied, then already-in-state; read lists the entitlement', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id });
    const grant = { ...account(id), entitlement: 'engineering' };
    expect((await ops.grantAccess(a.ctx, grant)).outcome).toBe('applied');
    expect((await ops.grantAccess(a.ctx, grant)).outcome).toBe('already-in-state');
    expect((await ops.readAccount(a.ctx, account(id))).entitlements).toEqual(['engineering']);
    expect((await ops.revokeAccess(a.ctx, grant)).outcome).toBe('applied');
    expect((await ops.revokeAccess(a.ctx, grant)).outcome).toBe('already-in-state');
    expect((await ops.readAccount(a.ctx, account(id))).entitlements).toEqual([]);
  });

  it('keeps groupOfNames valid > the last revoke leaves the placeholder, the next grant removes it', async () => {
    const a = moveApp();
    const id = nextId();
    const created = await join(a, { id });
    const group = await newGroup(`last-${id}`);
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: `last-${id}` });
    expect(await members(group)).toEqual([created.externalRef]);
    await ops.revokeAccess(a.ctx, { ...account(id), entitlement: `last-${id}` });
    expect(await members(group)).toEqual([group]);
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: `last-${id}` });
    expect(await members(group)).toEqual([created.externalRef]);
  });

  it('uses a configured placeholder member > instead of the group DN', async () => {
    const placeholder = `cn=nobody,${slapd.baseDn}`;
    const a = app('ldap-placeholder', { placeholderMember: placeholder });
    const id = nextId();
    await join(a, { id });
    const group = await newGroup(`ph-${id}`);
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: `ph-${id}` });
    await ops.revokeAccess(a.ctx, { ...account(id), entitlement: `ph-${id}` });
    expect(await members(group)).toEqual([placeholder]);
    const regranted = await ops.grantAccess(a.ctx, { ...account(id), entitlement: `ph-${id}` });
    expect(await members(group)).toEqual([regranted.externalRef]);
  });

  it('refuses > a group that does not exist (invalid-request); revoking from it is already-in-state', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id });
    expect(await failure(ops.grantAccess(a.ctx, { ...account(id), entitlement: 'no-such-group' }))).toMatchObject({ code: 'invalid-request', retryable: false });
    expect((await ops.revokeAccess(a.ctx, { ...account(id), entitlement: 'no-such-group' })).outcome).toBe('already-in-state');
  });

  it('grant to a person without an entry > not-applicable', async () => {
    expect((await ops.grantAccess(moveApp().ctx, { ...account(nextId()), entitlement: 'staff' })).outcome).toBe('not-applicable');
  });
});

describe('compensation round trips', () => {
  it('create ↔ delete > the delete undoes the create, and its before recreates the same entry', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id, given: 'Katherine', family: 'Johnson' });
    const original = await ops.readAccount(a.ctx, account(id));
    const deleted = await ops.deleteAccount(a.ctx, account(id));
    expect(await ops.readAccount(a.ctx, account(id))).toEqual({ exists: false });
    const before = deleted.before as { attributes: AppAttributes };
    await ops.createAccount(a.ctx, { ...account(id), person: snapshot(id, 'Katherine', 'Johnson'), attributes: before.attributes, enabled: true });
    expect(await ops.readAccount(a.ctx, account(id))).toEqual(original);
  });

  it('suspend ↔ restore > every strategy returns to the original read', async () => {
    for (const a of [moveApp(), attributeApp()]) {
      const id = nextId();
      await join(a, { id });
      const original = await ops.readAccount(a.ctx, account(id));
      await ops.suspendAccount(a.ctx, account(id));
      await ops.restoreAccount(a.ctx, account(id));
      expect(await ops.readAccount(a.ctx, account(id))).toEqual(original);
    }
    // remove-from-groups: the compensation of suspend re-grants what `before` lists.
    const a = groupsApp();
    const id = nextId();
    await join(a, { id });
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: 'staff' });
    const original = await ops.readAccount(a.ctx, account(id));
    const suspended = await ops.suspendAccount(a.ctx, account(id));
    for (const entitlement of (suspended.before as { entitlements: string[] }).entitlements) await ops.grantAccess(a.ctx, { ...account(id), entitlement });
    expect(await ops.readAccount(a.ctx, account(id))).toEqual(original);
  });

  it('grant ↔ revoke > membership returns to the original', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id });
    const original = await ops.readAccount(a.ctx, account(id));
    await ops.grantAccess(a.ctx, { ...account(id), entitlement: 'staff' });
    await ops.revokeAccess(a.ctx, { ...account(id), entitlement: 'staff' });
    expect(await ops.readAccount(a.ctx, account(id))).toEqual(original);
  });

  it('update ↔ update(before) > restores the previous attributes', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id });
    const original = await ops.readAccount(a.ctx, account(id));
    const moved = await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'Ada', `Lovelace${id}`, { jobTitle: 'CTO' }), attributes: { userName: `user${id}` } });
    expect(moved.before).toEqual({ title: 'Engineer' });
    await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'Ada', `Lovelace${id}`), attributes: moved.before as AppAttributes });
    expect(await ops.readAccount(a.ctx, account(id))).toEqual(original);
  });

  it('rename ↔ update(before) > the old naming value renames the entry back', async () => {
    const a = cnApp();
    const id = nextId();
    const created = await join(a, { id, given: 'Mary', family: 'Jackson' });
    const original = await ops.readAccount(a.ctx, account(id));
    const renamed = await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'Mary', 'Jackson-Smith'), attributes: { userName: `user${id}` } });
    expect(renamed.before).toEqual({ cn: 'Mary Jackson', displayName: 'Mary Jackson', sn: 'Jackson' });
    await ops.updateAccount(a.ctx, { ...account(id), person: snapshot(id, 'Mary', 'Jackson-Smith'), attributes: renamed.before as AppAttributes });
    expect(await ops.readAccount(a.ctx, account(id))).toEqual({ ...original, externalRef: created.externalRef });
  });
});

describe('injection safety', () => {
  const NAMES = [
    "O'Brien, Ana (Jr.)*",
    '=+<>#;\\"',
    'comma, plus + quote " backslash \\ angle < > semi ; equals = star * parens ( )',
    ' leading and trailing ',
    'Zoë Łukasiewicz',
    '山田 太郎',
    'Ζωή Παπαδοπούλου',
    'محمد عبد الله',
    'Алексей Смирнов',
    '#hash\\back\u0000nul',
    '*)(uid=*',
  ];

  it.each(NAMES)('round-trips exactly > %j as cn-named entry and as uid', async (name) => {
    for (const [a, naming] of [
      [cnApp(), 'cn'],
      [moveApp(), 'uid'],
    ] as const) {
      const id = nextId();
      const userName = naming === 'uid' ? name : `cn-user${id}`;
      const created = await join(a, { id, given: name, family: name, attributes: { userName, displayName: name } });
      expect(created.outcome).toBe('applied');
      expect(parseDn(created.externalRef as string)[0]).toEqual([{ type: naming, value: name }]);
      const entry = await raw(created.externalRef as string);
      expect(entry).toMatchObject({ cn: name, sn: name, givenName: name, displayName: name, uid: userName });
      const read = await ops.readAccount(a.ctx, account(id));
      expect(read.attributes).toMatchObject({ cn: name, sn: name, givenName: name, uid: userName });
      // unique.check searches for exactly this value (RFC 4515 escaping): the owner holds it, anyone else finds it taken.
      expect(await ops.checkUnique(a.ctx, { ...account(id), attribute: 'uid', value: userName })).toEqual({ holder: 'this-person' });
      expect(await ops.checkUnique(a.ctx, { ...account(nextId()), attribute: 'uid', value: userName })).toEqual({ holder: 'other' });
      expect(await ops.checkUnique(a.ctx, { ...account(nextId()), attribute: 'cn', value: name })).toEqual({ holder: 'other' });
      expect((await join(a, { id, given: name, family: name, attributes: { userName, displayName: name } })).outcome).toBe('already-in-state');
      await ops.grantAccess(a.ctx, { ...account(id), entitlement: 'staff' });
      expect((await ops.readAccount(a.ctx, account(id))).entitlements).toEqual(['staff']);
      expect((await ops.suspendAccount(a.ctx, account(id))).outcome).toBe('applied');
      expect((await ops.restoreAccount(a.ctx, account(id))).outcome).toBe('applied');
      expect((await ops.deleteAccount(a.ctx, account(id))).outcome).toBe('applied');
    }
  });

  it('a crafted anchor or uid finds nothing it should not > no adoption, no match, no deletion', async () => {
    const a = moveApp();
    // An adoption candidate: a uid without employeeNumber. An injectable uid filter would adopt it.
    const bystander = `uid=bystander,${slapd.peopleDn}`;
    await slapd.admin.add(bystander, { objectClass: ['inetOrgPerson'], uid: 'bystander', cn: 'B', sn: 'B' });
    const count = async () => (await slapd.admin.search(slapd.baseDn, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['1.1'] })).searchEntries.length;
    const people = await count();

    for (const crafted of ['*', '*)(uid=*', '*)(|(uid=*', 'x)(employeeNumber=*']) {
      expect(await ops.readAccount(a.ctx, { account: { personKey: `test:${crafted}` } })).toEqual({ exists: false });
      expect((await ops.deleteAccount(a.ctx, { account: { personKey: `test:${crafted}` } })).outcome).toBe('already-in-state');
      expect((await ops.suspendAccount(a.ctx, { account: { personKey: `test:${crafted}` } })).outcome).toBe('not-applicable');
      expect((await ops.revokeAccess(a.ctx, { account: { personKey: `test:${crafted}` }, entitlement: '*' })).outcome).toBe('already-in-state');
    }
    expect(await count()).toBe(people);

    const id = nextId();
    const created = await join(a, { id, attributes: { userName: '*)(uid=*' } });
    expect(created.outcome).toBe('applied');
    expect(created.externalRef).not.toBe(bystander);
    expect((await raw(bystander))?.employeeNumber).toBeUndefined();
  });
});

describe('unique.check', () => {
  const check = (a: RecordingContext, id: string, attribute: string, value: string, externalRef?: string) =>
    ops.checkUnique(a.ctx, { ...account(id, externalRef), attribute, value });

  it('holders > the person’s own entry, another person’s (any letter case, any searched OU), a hand-made one to adopt, and none', async () => {
    const a = moveApp();
    const [own, other, asker] = [nextId(), nextId(), nextId()];
    await join(a, { id: own, attributes: { userName: `own${own}` } });
    await join(a, { id: other, attributes: { userName: `other${other}` } });
    await ops.suspendAccount(a.ctx, account(other)); // moved under the disabled OU, still holding its uid
    await slapd.admin.add(`uid=hand${asker},${slapd.peopleDn}`, { objectClass: ['inetOrgPerson'], uid: `hand${asker}`, cn: 'H', sn: 'H' });

    expect(await check(a, own, 'userName', `OWN${own}`)).toEqual({ holder: 'this-person' });
    expect(await check(a, asker, 'uid', `own${own}`)).toEqual({ holder: 'other' });
    expect(await check(a, asker, 'uid', `Other${other}`)).toEqual({ holder: 'other' });
    expect(await check(a, asker, 'uid', `hand${asker}`)).toEqual({ holder: 'adoptable' });
    expect(await check(a, asker, 'cn', 'H')).toEqual({ holder: 'other' }); // only a uid match is adopted
    expect(await check(a, asker, 'uid', `free${asker}`)).toEqual({ holder: 'none' });
    // An entry at the externalRef a previous step returned, whose anchor was cleared, is still the person's own.
    expect(await check(a, asker, 'uid', `hand${asker}`, `uid=hand${asker},${slapd.peopleDn}`)).toEqual({ holder: 'this-person' });
  });

  it('crafted values > are matched literally (RFC 4515), never as wildcards or filter syntax', async () => {
    const a = moveApp();
    const id = nextId();
    await join(a, { id });
    // The tree is shared, so each literal carries this test's id (other tests create a literal `*)(uid=*` uid).
    for (const value of ['*', `*${id})(uid=*`, `x${id})(|(uid=*`, '\\2a', `a${id}*b`]) {
      expect(await check(a, nextId(), 'uid', value), value).toEqual({ holder: 'none' });
    }
    expect(await check(a, nextId(), 'uid', `user${id}`)).toEqual({ holder: 'other' });
  });

  it('refuses > attributes it does not manage and the anchor, as invalid-request', async () => {
    const a = moveApp();
    expect(await failure(check(a, nextId(), 'telephoneNumber', '1'))).toMatchObject({ code: 'invalid-request', retryable: false });
    expect(await failure(check(a, nextId(), 'employeeNumber', '1'))).toMatchObject({ code: 'invalid-request', retryable: false });
    expect(await failure(check(a, nextId(), '__proto__', '1'))).toMatchObject({ code: 'invalid-request' });
  });
});

describe('uid collisions', () => {
  it('conflict mode > the second joiner with a taken uid fails with a non-retryable conflict; the first is untouched', async () => {
    const a = moveApp();
    const [first, second] = [nextId(), nextId()];
    const created = await join(a, { id: first, attributes: { userName: `same${first}` } });
    const before = await raw(created.externalRef as string);
    const err = await failure(join(a, { id: second, attributes: { userName: `SAME${first}` } }));
    expect(err).toMatchObject({ code: 'conflict', retryable: false });
    expect(await raw(created.externalRef as string)).toEqual(before);
    expect(await ops.readAccount(a.ctx, account(second))).toEqual({ exists: false });
  });

  it('suffix mode > the second joiner gets <uid>-<employeeId>, stable across repeats and updates', async () => {
    const a = suffixApp();
    const [first, second] = [nextId(), nextId()];
    await join(a, { id: first, attributes: { userName: `kim${first}@example.org` } });
    const created = await join(a, { id: second, attributes: { userName: `kim${first}@example.org` } });
    expect(created).toMatchObject({ outcome: 'applied', externalRef: `uid=kim${first}-${second}@example.org,${slapd.peopleDn}` });
    expect((await join(a, { id: second, attributes: { userName: `kim${first}@example.org` } })).externalRef).toBe(created.externalRef);
    const updated = await ops.updateAccount(a.ctx, {
      ...account(second),
      person: snapshot(second, 'Ada', `Lovelace${second}`),
      attributes: { userName: `kim${first}@example.org` },
    });
    expect(updated).toEqual({ outcome: 'already-in-state', externalRef: created.externalRef });
  });

  it('cn naming > two people with the same name: conflict by default, a multi-valued RDN in suffix mode', async () => {
    const [first, second, third] = [nextId(), nextId(), nextId()];
    const name = { given: 'John', family: `Smith${first}` };
    await join(cnApp(), { id: first, ...name });
    expect(await failure(join(cnApp(), { id: second, ...name }))).toMatchObject({ code: 'conflict' });
    const suffixCn = app('ldap-cn-suffix', { rdnAttribute: 'cn', onUidCollision: 'suffix-employee-number' });
    const created = await join(suffixCn, { id: third, ...name });
    expect(parseDn(created.externalRef as string)[0]).toEqual([
      { type: 'cn', value: `John Smith${first}` },
      { type: 'employeeNumber', value: `test:${third}` },
    ]);
  });
});

describe('failures', () => {
  it('wrong bind password > auth, non-retryable, and the password is never logged', async () => {
    const wrong = 'Wr0ng-but-distinctive-Pa55';
    const a = recordingContext({
      appId: 'ldap-bad-secret',
      bindPassword: wrong,
      config: { url: slapd.url, bindDn: slapd.bindDn, baseDn: slapd.peopleDn, groupsDn: slapd.groupsDn, disable: { kind: 'remove-from-groups' } },
    });
    const err = await failure(ops.readAccount(a.ctx, account(nextId())));
    expect(err).toMatchObject({ code: 'auth', retryable: false, status: 49 });
    const good = moveApp();
    await join(good, { id: nextId() });
    const everything = [...a.lines, ...good.lines, err.message, JSON.stringify(err.context)].join('\n');
    expect(a.lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(slapd.bindPassword);
  });

  it('unreachable server > transient and retryable', async () => {
    const a = app('ldap-down', { url: 'ldap://127.0.0.1:1', connectTimeoutMs: 500 });
    expect(await failure(ops.readAccount(a.ctx, account(nextId())))).toMatchObject({ code: 'transient', retryable: true });
  });

  it('aborted context > rejects with the abort reason and writes nothing', async () => {
    const a = moveApp();
    const id = nextId();
    a.abort.abort(new Error('activity cancelled'));
    await expect(join(a, { id })).rejects.toThrow('activity cancelled');
    expect(await ops.readAccount(moveApp().ctx, account(id))).toEqual({ exists: false });
  });

  it('unencodable names > a lone surrogate is invalid-request, never written as U+FFFD', async () => {
    const id = nextId();
    expect(await failure(join(moveApp(), { id, family: 'Broken\uD800' }))).toMatchObject({ code: 'invalid-request', retryable: false });
    expect(await ops.readAccount(moveApp().ctx, account(id))).toEqual({ exists: false });
  });

  it('schema violations > invalid-request (a non-ASCII mail is not IA5String)', async () => {
    const err = await failure(join(moveApp(), { id: nextId(), attributes: { mail: 'zoë@example.org' } }));
    expect(err).toMatchObject({ code: 'invalid-request', status: 21 });
  });
});

describe('result codes on the wire (fault proxy in front of slapd)', () => {
  let proxy: LdapFaultProxy;
  beforeAll(async () => {
    proxy = await startLdapFaultProxy({ upstream: slapd.url });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it.each([
    ['busy', 51, 'any', 'transient', true],
    ['unavailable', 52, 'any', 'transient', true],
    ['insufficientAccessRights on a write', 50, 'write', 'auth', false],
    ['invalidAttributeSyntax on a write', 21, 'write', 'invalid-request', false],
    ['constraintViolation on a write', 19, 'write', 'invalid-request', false],
    ['unwillingToPerform', 53, 'write', 'invalid-request', false],
    ['other', 80, 'any', 'transient', true],
  ] as const)('maps > %s (%i) to %s; the next call succeeds', async (_name, resultCode, on, code, retryable) => {
    const a = app('ldap-proxied', { url: proxy.url });
    const id = nextId();
    proxy.next({ kind: 'result', resultCode, on });
    expect(await failure(join(a, { id }))).toMatchObject({ code, retryable, status: resultCode });
    expect((await join(a, { id })).outcome).toBe('applied');
  });

  it('cancels in flight > aborting while slapd does not answer rejects at once with the reason', async () => {
    const a = app('ldap-proxied', { url: proxy.url });
    const id = nextId();
    proxy.next({ kind: 'stall', on: 'any' });
    const reason = new Error('activity cancelled');
    const pending = join(a, { id }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const abortedAt = Date.now();
    a.abort.abort(reason);
    expect(await pending).toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    proxy.clear();
    expect((await join(app('ldap-proxied', { url: proxy.url }), { id })).outcome).toBe('applied');
  });

  it('retries reads > a search that times out is repeated once on a fresh connection', async () => {
    const a = app('ldap-proxied-fast', { url: proxy.url, timeoutMs: 300 });
    const id = nextId();
    proxy.next({ kind: 'stall', on: 'any' });
    expect((await join(a, { id })).outcome).toBe('applied');
  });

  it('times out > an unanswered write fails as transient after timeoutMs, and the next call reconnects', async () => {
    const a = app('ldap-proxied-fast', { url: proxy.url, timeoutMs: 300 });
    const id = nextId();
    proxy.next({ kind: 'stall', on: 'write' });
    const started = Date.now();
    expect(await failure(join(a, { id }))).toMatchObject({ code: 'transient', retryable: true });
    expect(Date.now() - started).toBeLessThan(3_000);
    proxy.clear();
    expect((await join(a, { id })).outcome).toBe('applied');
  });
});
