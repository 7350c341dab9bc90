import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAppMapping, mapPerson } from '../../services/mapping';
import { startSlapd, type SlapdInstance } from '../harness/slapd';
import { isConnectorError, type ConnectorError } from '../../connectors/sdk';
import { createLdapConnector } from '../../connectors/ldap/index';
import { recordingContext, snapshot } from '../../connectors/ldap/testing/test-support';

/**
 * Names HR really sends, against a real slapd (back-mdb): a naming value longer than the DN index
 * accepts is refused with result 80 and no diagnostic. That must be a non-retryable
 * `invalid-request` that says why (a retried joiner would only be rolled back minutes later with no
 * hint), and a mapping can bound the value so that the same person is created.
 */
let slapd: SlapdInstance;
const connector = createLdapConnector();

beforeAll(async () => {
  slapd = await startSlapd();
});
afterAll(async () => {
  await connector.dispose?.();
  await slapd?.stop();
});

const app = (rdnAttribute: 'uid' | 'cn') =>
  recordingContext({
    appId: `ldap-names-${rdnAttribute}`,
    bindPassword: slapd.bindPassword,
    config: { url: slapd.url, bindDn: slapd.bindDn, baseDn: slapd.peopleDn, groupsDn: slapd.groupsDn, rdnAttribute, disable: { kind: 'move-to-ou', disabledDn: slapd.disabledDn } },
  });

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (err) {
    if (isConnectorError(err)) return err;
    throw err;
  }
  throw new Error('expected the operation to fail');
}

// 270 characters, 327 bytes of UTF-8: Polish and Norwegian letters are two bytes each.
const LONG_FAMILY_NAME = `${'Łukasiewicz-Wąsowska-Źdźbło-'.repeat(9)}Ødegård-${'é'.repeat(10)}`;

describe('ldap > naming values over the server limit', () => {
  it('a uid over the limit fails as invalid-request with the reason, not as transient', async () => {
    const { ctx } = app('uid');
    const err = await failure(
      connector.operations.createAccount(ctx, { account: { personKey: 'test:names-1' }, person: snapshot('names-1', 'Ada', 'Lovelace'), attributes: { uid: `u${'x'.repeat(300)}` }, enabled: true }),
    );
    expect(err).toMatchObject({ code: 'invalid-request', retryable: false, status: 80 });
    expect(err.message).toMatch(/naming value/);
  });

  it('a cn-named entry with a very long name fails the same way; bounded by the mapping (truncateBytes) it is created', async () => {
    const { ctx } = app('cn');
    const person = snapshot('names-2', 'Zoë', LONG_FAMILY_NAME);
    expect(Buffer.byteLength(`Zoë ${LONG_FAMILY_NAME}`)).toBeGreaterThan(300);
    const err = await failure(connector.operations.createAccount(ctx, { account: { personKey: 'test:names-2' }, person, attributes: {}, enabled: true }));
    expect(err).toMatchObject({ code: 'invalid-request', retryable: false });

    const mapping = compileAppMapping({ appId: 'ldap-names-cn', config: { attributes: { cn: '{join(" ", givenName, familyName)|truncateBytes(200)}' } } });
    const { attributes } = mapPerson({ appId: 'ldap-names-cn', mapping, person });
    const cn = attributes.cn as string;
    expect(Buffer.byteLength(cn)).toBeLessThanOrEqual(200);
    expect(`Zoë ${LONG_FAMILY_NAME}`.startsWith(cn)).toBe(true);
    const created = await connector.operations.createAccount(ctx, { account: { personKey: 'test:names-2' }, person, attributes, enabled: true });
    expect(created.outcome).toBe('applied');
    const read = await connector.operations.readAccount(ctx, { account: { personKey: 'test:names-2' } });
    expect(read.attributes?.cn).toBe(cn);
  });
});
