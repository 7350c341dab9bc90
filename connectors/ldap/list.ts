import { PersonKey } from '../../schemas/jml-event.v1';
import { keyOfCursor, keysetPage, mapConcurrently, pageSizeOf, type ListAccountsRequest, type ListAccountsResult, type ListedAccount } from '../sdk';
import type { LdapConfig } from './config';
import type { Directory } from './directory';
import { isEnabled } from './disable';
import { readAttributes } from './entry';
import { groupsOf } from './groups';
import { searchPeople, type PersonEntry } from './people';
import { readSshKeys } from './ssh-keys';

/** Entries per page of the paged search (RFC 2696) that reads the people; below slapd's default size limit. */
const SEARCH_PAGE_SIZE = 200;
/** Group lookups of one page in flight at once, on the shared connection. */
const GROUP_LOOKUPS = 8;

/**
 * accounts.list: the inetOrgPerson entries under `baseDn` (and, with `move-to-ou`, `disabledDn`),
 * each as readAccount reports it. An LDAP paged-results cookie belongs to one connection and one
 * search, so it cannot be a cursor across activity attempts or workers; instead every page reads
 * the people with a paged search, orders them by entryUUID and continues after the cursor's
 * entryUUID (keyset paging, `keysetPage`). An entry added or removed during a listing therefore
 * shifts nothing else, and every entry present throughout is listed exactly once. The cost is one
 * read of every person entry per page: ask for large pages in a large directory.
 */
export async function listPeople(dir: Directory, config: LdapConfig, req: ListAccountsRequest): Promise<ListAccountsResult> {
  // A bad request is refused before the directory is read.
  pageSizeOf(req);
  if (req.cursor !== undefined) keyOfCursor(req.cursor);
  const people = await searchPeople(dir, config, undefined, { pageSize: SEARCH_PAGE_SIZE });
  const { page, nextCursor } = keysetPage(people, (p) => p.uuid, req);
  const accounts = await mapConcurrently(page, GROUP_LOOKUPS, async (person) =>
    listedPerson(config, person, (await groupsOf(dir, config, person.dn)).map((g) => g.name)),
  );
  return { accounts, ...(nextCursor ? { nextCursor } : {}) };
}

/**
 * One listed entry. Its person key is its employeeNumber when that is a whole person key (the anchor
 * createAccount writes or an adoption adds); an entry with no such value, or with several (which
 * no person's lookup could resolve either), is reported without one: not managed by the pipeline.
 */
export function listedPerson(config: LdapConfig, person: PersonEntry, entitlements: readonly string[]): ListedAccount {
  const enabled = isEnabled(config, person);
  const anchors = person.current.employeeNumber.filter((value) => PersonKey.safeParse(value).success);
  return {
    externalRef: person.dn,
    ...(anchors.length === 1 ? { personKey: anchors[0] } : {}),
    ...(enabled === undefined ? {} : { enabled }),
    attributes: { ...readAttributes(person.current), ...readSshKeys(person.entry) },
    entitlements: [...entitlements].sort(),
    ...(person.createdAt ? { createdAt: person.createdAt } : {}),
  };
}
