import { createHash, randomBytes } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import type { AnyConnector } from '../../sdk';
import type { ConformanceTarget } from '../../sdk/conformance';
import { startSlapd } from '../../../test/harness/slapd';
import { anchorOf } from '../entry';
import { escapeDnValue } from '../escape';
import { equals } from '../filter';
import { startLdapFaultProxy } from './fault-proxy';

/**
 * A well-formed OpenSSH ed25519 public key line with `comment`: random key bytes, or bytes derived
 * from `seed` (the same seed, the same key). No private key exists for it.
 */
export function testSshKey(comment: string, seed?: string): string {
  // The wire form: string "ssh-ed25519", then the 32-byte key (RFC 8709 §4).
  const type = Buffer.from('ssh-ed25519');
  const key = seed === undefined ? randomBytes(32) : createHash('sha256').update(seed).digest();
  const blob = Buffer.concat([u32(type.length), type, u32(32), key]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * TEST-ONLY. The conformance kit's target for the LDAP connector: a real slapd started for the run,
 * reached through the LDAP fault proxy so that the kit's error and cancellation scenarios get real
 * protocol answers (result codes, or silence).
 */
export async function slapdConformanceTarget(req: { connector: AnyConnector }): Promise<ConformanceTarget> {
  const slapd = await startSlapd({ groups: ['staff'] });
  const proxy = await startLdapFaultProxy({ upstream: slapd.url }).catch(async (err: unknown) => {
    await slapd.stop();
    throw err;
  });
  const admin = slapd.admin;

  const deleteChildren = async (base: string) => {
    const { searchEntries } = await admin.search(base, { scope: 'one', attributes: ['1.1'] });
    for (const entry of searchEntries) await admin.del(entry.dn);
  };

  return {
    name: `OpenLDAP slapd at ${slapd.url} behind the LDAP fault proxy`,
    appId: 'conformance-ldap',
    config: {
      url: proxy.url,
      bindDn: slapd.bindDn,
      baseDn: slapd.peopleDn,
      groupsDn: slapd.groupsDn,
      disable: { kind: 'move-to-ou', disabledDn: slapd.disabledDn },
    },
    secrets: { bindPassword: slapd.bindPassword },
    entitlement: 'staff',
    async reset() {
      proxy.clear();
      await deleteChildren(slapd.peopleDn);
      await deleteChildren(slapd.disabledDn);
      const staff = slapd.groups.staff as string;
      await admin.modify(staff, [new Change({ operation: 'replace', modification: new Attribute({ type: 'member', values: [staff] }) })]);
    },
    async deleteOutOfBand({ personKey }) {
      const { searchEntries } = await admin.search(slapd.baseDn, { scope: 'sub', filter: equals('employeeNumber', anchorOf(personKey)), attributes: ['1.1'] });
      for (const entry of searchEntries) await admin.del(entry.dn);
    },
    handMade: {
      async create({ attributes }) {
        const dn = `uid=${escapeDnValue(String(attributes.uid))},${slapd.peopleDn}`;
        await admin.add(dn, {
          objectClass: ['inetOrgPerson'],
          uid: String(attributes.uid),
          cn: ['Made By Hand', 'M. Hand'],
          sn: 'Hand',
          title: 'Made by hand',
          description: 'created in the admin console',
          telephoneNumber: '+1 555 0100',
        });
        return { externalRef: dn };
      },
      async read({ externalRef }) {
        // User attributes only: operational ones (modifyTimestamp, entryCSN) move with every write.
        const { searchEntries } = await admin.search(externalRef, { scope: 'base', attributes: ['*'] });
        return searchEntries[0];
      },
    },
    // SSH keys an admin adds by hand (the openssh-lpk schema the test slapd loads); revokeCredentials removes them.
    credentials: {
      async give({ externalRef }) {
        const { searchEntries } = await admin.search(externalRef, { scope: 'base', attributes: ['objectClass'] });
        const classes = [searchEntries[0]?.objectClass ?? []].flat().map((c) => String(c).toLowerCase());
        await admin.modify(externalRef, [
          ...(classes.includes('ldappublickey') ? [] : [new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: ['ldapPublicKey'] }) })]),
          new Change({ operation: 'add', modification: new Attribute({ type: 'sshPublicKey', values: [testSshKey('added-by-hand'), testSshKey('build-box')] }) }),
        ]);
      },
      async count({ personKey }) {
        const { searchEntries } = await admin.search(slapd.baseDn, { scope: 'sub', filter: equals('employeeNumber', anchorOf(personKey)), attributes: ['sshPublicKey'] });
        const values = searchEntries[0]?.sshPublicKey;
        return values === undefined ? 0 : Array.isArray(values) ? values.length : 1;
      },
    },
    faults: {
      // An LDAP server going away answers unavailable (52) to whatever comes next.
      unavailable: () => proxy.next({ kind: 'result', resultCode: 52, on: 'any' }),
      // The bind identity lost its write rights: the ACL refuses the next write (50).
      unauthorized: () => proxy.next({ kind: 'result', resultCode: 50, on: 'write' }),
      // The schema refuses the next write's value (21).
      badRequest: () => proxy.next({ kind: 'result', resultCode: 21, on: 'write' }),
      stall: () => proxy.next({ kind: 'stall', on: 'any' }),
    },
    skip: {
      'error-rate-limited':
        'LDAP (RFC 4511 §4.1.9) has no rate-limit result carrying a retry delay; an overloaded server answers busy (51), which maps to transient (see ldap.integration.test.ts, "result codes on the wire").',
    },
    uniqueAttribute: 'uid',
    // readAccount reports LDAP attribute names; the kit compares what it sends with what it reads.
    // No employeeNumber: it is the anchor (the whole person key), which no policy value overrides.
    // SSH keys one per line, as a policy maps them from HR (`sshPublicKey: '{custom.sshKeys}'`).
    attributesFor: ({ person, variant }) => ({
      uid: person.workEmail ?? `${person.givenName}.${person.familyName}`,
      displayName: `${person.preferredName ?? person.givenName} ${person.familyName}`,
      title: variant === 'joiner' ? 'Engineer' : 'Staff Engineer',
      departmentNumber: variant === 'joiner' ? 'Research' : 'Platform',
      sshPublicKey:
        variant === 'joiner'
          ? `${testSshKey('laptop', `${person.employeeId}/laptop`)}\n${testSshKey('desktop', `${person.employeeId}/desktop`)}`
          : testSshKey('new-laptop', `${person.employeeId}/new-laptop`),
    }),
    async dispose() {
      await req.connector.dispose?.();
      await proxy.stop();
      await slapd.stop();
    },
  };
}
