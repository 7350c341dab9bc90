import { AndFilter, Client, EqualityFilter, type Entry } from 'ldapts';
import { parseDn } from '../../connectors/ldap/dn';
import type { ScimUser } from '../../connectors/scim/schema';
import { scimAdmin, type ScimAdmin } from '../../connectors/scim/testing/scim-admin';
import type { JmlEvent, PersonSnapshot } from '../../schemas/jml-event.v1';
import { compileAppMapping, mapPerson, resolveUnique, type AppMapping, type AppMappingConfig } from '../../services/mapping';
import { makeEvent } from '../support/events';
import type { DrillReport } from './types';

/**
 * The hostile-names drill: people whose names carry every character that means something to LDAP
 * (RFC 4514 DNs, RFC 4515 filters), to SCIM (RFC 7644 filters, JSON) or to a log line, sent through
 * the pipeline as joiners, movers and leavers, and read back from the real slapd and scim2-server.
 *
 * What the servers are expected to hold, and why:
 * - Every written value is exactly the mapping's value of the newest name, byte for byte. The
 *   mapping NFC-normalizes person fields (services/mapping/value.ts), so a decomposed `Zoe\u0308`
 *   arrives as `Zoë`; nothing else is changed on the way. slapd stores directoryString values
 *   verbatim (leading and trailing spaces, tabs and line breaks included: only its *matching* rules
 *   fold case and insignificant spaces), and scim2-server stores JSON strings as sent. A server that
 *   trimmed or folded a stored value would show up here as a mismatch.
 * - The unique value (LDAP `uid`, SCIM `userName`) is resolved once, at the joiner, from the
 *   joiner's name, and is never renamed by a mover (services/worker/unique.ts: create time only).
 *   It is the first candidate of the mapping that no person joined before holds under the server's
 *   own equality (uid: caseIgnoreMatch, read back with a BER-encoded filter that no string escaping
 *   touches; userName: caseExact false, RFC 7643 §4.1.1). Two names that differ only in case must
 *   get two values; a name shaped like a filter or a DN that matched other entries would have been
 *   pushed to a later candidate, and shows up as a mismatch.
 * - A leaver's account is disabled: in LDAP the entry sits under the disabled OU (move-to-ou), in
 *   SCIM `active` is false. Everyone else's is enabled.
 * - One seeded entry in each app, that no person maps to, reads back unchanged at the end.
 *
 * Mismatches name the hostile entry's label and what differed, never a value: the values are the
 * personal data of this drill.
 */

export interface HostileName {
  /** Says what is hostile about the name; safe to print. */
  label: string;
  givenName: string;
  familyName: string;
}

/** 200+ characters of a name HR could send (the schema allows 512): Polish and Norwegian letters are two bytes each. */
const LONG = `${'Łukasiewicz-Wąsowska '.repeat(10)}Ødegård`;

/** Names chosen to break escaping, matching and length limits; none contains NUL. */
export const HOSTILE_NAMES: readonly HostileName[] = Object.freeze([
  { label: 'apostrophe', givenName: "D'Arcy", familyName: "O'Brien" },
  { label: 'double-quote', givenName: 'Ana "Nan"', familyName: 'Quote"' },
  { label: 'parentheses', givenName: 'Jo (Jr)', familyName: '(Smith)' },
  { label: 'asterisk', givenName: '*', familyName: 'Star*' },
  { label: 'backslash', givenName: 'Back\\', familyName: '\\\\server\\share' },
  { label: 'comma', givenName: 'Lee, Jr.', familyName: 'Smith,' },
  { label: 'plus', givenName: 'Ana+Bob', familyName: 'C++' },
  { label: 'semicolon', givenName: 'Ana;', familyName: 'Drop; Table' },
  { label: 'equals', givenName: 'a=b', familyName: '=Equal' },
  { label: 'angle-brackets', givenName: '<script>', familyName: '<b>Bold</b>' },
  { label: 'hash', givenName: '#1', familyName: '#Hash' },
  { label: 'leading-trailing-spaces', givenName: '  Ana', familyName: 'Lee  ' },
  { label: 'control-characters', givenName: 'Tab\tName', familyName: 'Line\nBreak\u0007' },
  { label: 'cjk', givenName: '太郎', familyName: '山田' },
  { label: 'emoji', givenName: '😀 Ana', familyName: 'Dev 👩‍💻' },
  { label: 'combining-accents', givenName: 'Zoe\u0308', familyName: 'q\u0307\u0323uinn' },
  { label: 'rtl', givenName: 'محمد', familyName: '\u200Fעברית' },
  { label: 'very-long', givenName: `Ana ${LONG}`, familyName: LONG },
  { label: 'ldap-filter', givenName: '*)(uid=*', familyName: '*)(|(objectClass=*)' },
  { label: 'dn-parts', givenName: 'cn=admin,dc=x', familyName: 'ou=people,dc=example,dc=org' },
  { label: 'scim-filter', givenName: '" or userName pr "', familyName: 'x" or "1" eq "1' },
  // Where the unique templates cut (truncate(60) in SCIM, truncateBytes(60) in LDAP): inside 👩‍💻.
  { label: 'emoji-at-the-cut', givenName: `${'y'.repeat(58)}👩\u200D💻`, familyName: `${'z'.repeat(53)}👩\u200D💻` },
  { label: 'case-twin-upper', givenName: 'ÉMILE', familyName: 'TWIN' },
  { label: 'case-twin-lower', givenName: 'émile', familyName: 'twin' },
]);

/**
 * The mappings the drill expects its two apps to run (the policy's `mapping` block of each): every
 * name attribute, and a unique login built from the names, kept hostile on purpose (lower case and
 * bounded in bytes, nothing removed) so that the escaping of unique checks and DNs is what is
 * tested. `truncateBytes(60)` keeps a uid within slapd's naming limit (about 240 bytes); the `{n}`
 * candidate separates the case twins.
 */
export const HOSTILE_MAPPINGS: Readonly<{ ldap: AppMappingConfig; scim: AppMappingConfig }> = Object.freeze({
  ldap: {
    attributes: { cn: '{givenName} {familyName}', sn: '{familyName}', givenName: '{givenName}', displayName: '{familyName}, {givenName}' },
    unique: { uid: ['{givenName|lower|truncateBytes(60)}.{familyName|lower|truncateBytes(60)}', '{givenName|lower|truncateBytes(60)}.{familyName|lower|truncateBytes(60)}{n}'] },
  },
  scim: {
    attributes: { givenName: '{givenName}', familyName: '{familyName}', displayName: '{givenName} {familyName}' },
    unique: { userName: ['{givenName|lower|truncate(60)}.{familyName|lower|truncate(60)}', '{givenName|lower|truncate(60)}.{familyName|lower|truncate(60)}{n}'] },
  },
});

export interface HostileLdapTarget {
  appId: string;
  url: string;
  bindDn: string;
  bindPassword: string;
  /** The subtree holding `peopleDn` and `disabledDn` (searched for every check). */
  baseDn: string;
  peopleDn: string;
  disabledDn: string;
}

export interface HostileScimTarget {
  appId: string;
  baseUrl: string;
  token: string;
}

export interface HostileNamesOptions {
  /**
   * Sends one event through the gateway and resolves once it reached its terminal outcome, with
   * that outcome's status (`completed`, `needs-attention`, `rejected`). Throws when the gateway
   * does not answer 2xx.
   */
  deliver: (event: JmlEvent) => Promise<{ status: string }>;
  /** Person keys of this run: `${keyPrefix}-${index}` (e.g. `test:k3x9-4`); unique per run. */
  keyPrefix: string;
  ldap: HostileLdapTarget;
  scim: HostileScimTarget;
  /** Defaults to {@link HOSTILE_MAPPINGS}; must be what the policy gives the two apps. */
  mappings?: { ldap: AppMappingConfig; scim: AppMappingConfig };
  say?: (line: string) => void;
}

export interface HostileNamesResult {
  /** Hostile names sent (joiners' and movers' names together). */
  names: number;
  people: number;
  /** Events delivered (answered 2xx): joiners, movers and leavers. */
  events: number;
  /** Accounts read back and compared (two apps per person, plus the two seeds). */
  accountsChecked: number;
  /** `<label>: <what differed>`; labels and attribute names only, never a value. */
  mismatches: string[];
  /** Event outcomes by status. */
  outcomes: Record<string, number>;
  /**
   * People whose unique value is not their first candidate, by app: names that collide under the
   * server's matching rule (the case twins, and nothing else, unless an injection matched).
   */
  collisions: { ldap: number; scim: number };
  /** Accounts beyond one a person and app (an account created twice). */
  duplicated: number;
  /** People without an account in an app (counted once per app). */
  missing: number;
  /**
   * Every event changes both apps (create, rename, disable): one effect per event and app. An
   * account that reads back exactly as expected shows the effects of all its person's events.
   */
  effectsExpected: number;
  effectsSeen: number;
}

/** One person of the drill: the name they join with, the name they end with, whether they leave. */
export interface HostilePerson {
  index: number;
  personKey: string;
  label: string;
  joined: PersonSnapshot;
  /** The newest HR truth. */
  final: PersonSnapshot;
  moved: boolean;
  left: boolean;
}

const LDAP_ATTRIBUTES = ['cn', 'sn', 'givenName', 'displayName', 'uid', 'employeeNumber'];
/** Every third person is renamed to the name of another hostile entry. */
const MOVES = (i: number) => i % 3 === 0;
/** Every fourth (from the second) leaves; some of them were renamed first. */
const LEAVES = (i: number) => i % 4 === 1 || i === 9;

type Tally = Pick<HostileNamesResult, 'collisions' | 'duplicated' | 'missing' | 'effectsSeen'>;

/** What {@link sendHostileNames} did, for {@link readBackHostileNames}. */
export interface HostileRun {
  readonly people: readonly HostilePerson[];
  readonly seeds: HostileSeeds;
  readonly events: number;
  readonly outcomes: Readonly<Record<string, number>>;
  /** Events that did not complete, as mismatches (`<label>: mover ended needs-attention`). */
  readonly unfinished: readonly string[];
}

/** The drill end to end: {@link sendHostileNames}, then {@link readBackHostileNames}. */
export async function checkHostileNames(opts: HostileNamesOptions): Promise<HostileNamesResult> {
  return readBackHostileNames(opts, await sendHostileNames(opts));
}

const connectLdap = async (target: HostileLdapTarget): Promise<Client> => {
  const ldap = new Client({ url: target.url, timeout: 10_000, connectTimeout: 5_000 });
  await ldap.bind(target.bindDn, target.bindPassword);
  return ldap;
};

/**
 * Seeds one unrelated entry in each app, then sends a joiner per hostile name (one at a time, so
 * that the order of unique values is known), a mover for every third person (renamed to another
 * hostile name) and a leaver for every fourth; resolves once every event has ended. Removes
 * nothing afterwards (the caller owns the servers).
 */
export async function sendHostileNames(opts: HostileNamesOptions): Promise<HostileRun> {
  const say = opts.say ?? (() => undefined);
  const people = plan(opts.keyPrefix);
  const unfinished: string[] = [];
  const outcomes: Record<string, number> = {};
  let events = 0;
  const ldap = await connectLdap(opts.ldap);
  let seeds: HostileSeeds;
  try {
    seeds = await seed(ldap, scimAdmin(opts.scim), opts);
  } finally {
    await ldap.unbind().catch(() => undefined);
  }
  const send = async (p: HostilePerson, event: JmlEvent, step: string) => {
    const { status } = await opts.deliver(event);
    events += 1;
    outcomes[status] = (outcomes[status] ?? 0) + 1;
    if (status !== 'completed') unfinished.push(`${p.label}: ${step} ended ${status}`);
  };
  for (const p of people) {
    await send(p, makeEvent({ personKey: p.personKey, type: 'jml.joiner', enteredAt: '2026-11-20T09:00:00Z', person: p.joined, changedFields: ['status'] }), 'joiner');
  }
  say(`hostile names: ${people.length} joiners done`);
  await Promise.all(
    people
      .filter((p) => p.moved)
      .map((p) => send(p, makeEvent({ personKey: p.personKey, type: 'jml.mover', enteredAt: '2026-11-21T09:00:00Z', person: p.final, changedFields: ['givenName', 'familyName'] }), 'mover')),
  );
  await Promise.all(
    people
      .filter((p) => p.left)
      .map((p) => send(p, makeEvent({ personKey: p.personKey, type: 'jml.leaver', enteredAt: '2026-11-22T09:00:00Z', person: p.final, changedFields: ['status'] }), 'leaver')),
  );
  say(`hostile names: ${people.filter((p) => p.moved).length} movers, ${people.filter((p) => p.left).length} leavers done`);
  return { people, seeds, events, outcomes, unfinished };
}

/**
 * Reads every account of `run` back from both servers and compares it with what `mappings`
 * (default {@link HOSTILE_MAPPINGS}, or `opts.mappings`) make of each person's names. Read-only.
 */
export async function readBackHostileNames(opts: Pick<HostileNamesOptions, 'ldap' | 'scim' | 'mappings'>, run: HostileRun): Promise<HostileNamesResult> {
  const configs = opts.mappings ?? HOSTILE_MAPPINGS;
  const mappings = {
    ldap: compileAppMapping({ appId: opts.ldap.appId, config: configs.ldap }),
    scim: compileAppMapping({ appId: opts.scim.appId, config: configs.scim }),
  };
  const { people } = run;
  const mismatches = [...run.unfinished];
  const ldap = await connectLdap(opts.ldap);
  const scim = scimAdmin(opts.scim);
  try {
    let accountsChecked = 0;
    const tally: Tally = { collisions: { ldap: 0, scim: 0 }, duplicated: 0, missing: 0, effectsSeen: 0 };
    const scimUsers = await scim.list<ScimUser & { id: string }>('Users');
    for (const [i, p] of people.entries()) {
      const earlier = people.slice(0, i).map((e) => e.personKey);
      // An account shows the effect of each of the person's events in its app when it reads back right.
      const personEvents = 1 + (p.moved ? 1 : 0) + (p.left ? 1 : 0);
      for (const check of [() => checkLdap(ldap, opts.ldap, mappings.ldap, p, earlier, mismatches, tally), () => checkScim(scimUsers, opts.scim, mappings.scim, p, earlier, mismatches, tally)]) {
        const before = mismatches.length;
        accountsChecked += await check();
        if (mismatches.length === before) tally.effectsSeen += personEvents;
      }
    }
    accountsChecked += await checkSeeds(ldap, scim, run.seeds, mismatches);
    const names = new Set(people.flatMap((p) => [`${p.joined.givenName}\u0000${p.joined.familyName}`, `${p.final.givenName}\u0000${p.final.familyName}`])).size;
    return { names, people: people.length, events: run.events, accountsChecked, mismatches, outcomes: { ...run.outcomes }, effectsExpected: 2 * run.events, ...tally };
  } finally {
    await ldap.unbind().catch(() => undefined);
  }
}

function plan(keyPrefix: string): HostilePerson[] {
  return HOSTILE_NAMES.map((name, index) => {
    const personKey = `${keyPrefix}-${index}`;
    const employeeId = personKey.slice(personKey.lastIndexOf(':') + 1);
    const snapshot = (n: HostileName, status: PersonSnapshot['status']): PersonSnapshot => ({
      employeeId,
      workerType: 'employee',
      status,
      givenName: n.givenName,
      familyName: n.familyName,
    });
    const moved = MOVES(index);
    const left = LEAVES(index);
    const newest = moved ? (HOSTILE_NAMES[(index + 7) % HOSTILE_NAMES.length] as HostileName) : name;
    return {
      index,
      personKey,
      label: moved ? `${name.label}→${newest.label}` : name.label,
      joined: snapshot(name, 'active'),
      final: snapshot(newest, left ? 'terminated' : 'active'),
      moved,
      left,
    };
  });
}

/**
 * The unique value `attribute` should hold: the mapping's own resolution (candidate order, counter)
 * with "taken" answered by `holds` (is it held by a person who joined earlier?) instead of the
 * connector, and whether a candidate was passed over.
 */
async function expectedUnique(appId: string, mapping: AppMapping, attribute: string, person: PersonSnapshot, holds: (value: string) => Promise<boolean>): Promise<{ value: string; collided: boolean } | undefined> {
  const resolved = await resolveUnique({ appId, mapping, person, attribute, isTaken: ({ value }) => holds(value) });
  return resolved.value === null ? undefined : { value: resolved.value, collided: resolved.attempts > 1 };
}

const bytesOf = (values: Entry[string] | undefined): Buffer[] => (Array.isArray(values) ? values : values === undefined ? [] : [values]).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')));
const sameBytes = (seen: Buffer[], expected: string | null | undefined): boolean =>
  expected === null || expected === undefined ? seen.length === 0 : seen.length === 1 && (seen[0] as Buffer).equals(Buffer.from(expected, 'utf8'));

function personFilter(attribute: string, value: string): AndFilter {
  return new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'inetOrgPerson' }), new EqualityFilter({ attribute, value })] });
}

async function checkLdap(ldap: Client, target: HostileLdapTarget, mapping: AppMapping, p: HostilePerson, earlier: string[], mismatches: string[], tally: Tally): Promise<number> {
  const find = async (attribute: string, value: string) =>
    (await ldap.search(target.baseDn, { scope: 'sub', filter: personFilter(attribute, value), attributes: LDAP_ATTRIBUTES, explicitBufferAttributes: LDAP_ATTRIBUTES })).searchEntries;
  const entries = await find('employeeNumber', p.personKey);
  if (entries.length !== 1) {
    if (entries.length === 0) tally.missing += 1;
    else tally.duplicated += entries.length - 1;
    mismatches.push(`${p.label}: ldap has ${entries.length} entries for the person`);
    return 0;
  }
  const entry = entries[0] as Entry;
  const { attributes } = mapPerson({ appId: target.appId, mapping, person: p.final });
  for (const [name, value] of Object.entries(attributes)) {
    if (!sameBytes(bytesOf(entry[name]), value === null ? null : String(value))) mismatches.push(`${p.label}: ldap ${name} differs from the mapping of the newest name`);
  }
  const uid = await expectedUnique(target.appId, mapping, 'uid', p.joined, async (value) => (await find('uid', value)).some((e) => bytesOf(e.employeeNumber).some((b) => earlier.includes(b.toString('utf8')))));
  if (uid?.collided) tally.collisions.ldap += 1;
  if (uid === undefined) mismatches.push(`${p.label}: ldap uid has no free candidate`);
  else if (!sameBytes(bytesOf(entry.uid), uid.value)) mismatches.push(`${p.label}: ldap uid is not the first free candidate of the joiner's name`);
  else {
    // The uid names this entry and no other, by the server's own matching.
    const holders = await find('uid', uid.value);
    if (holders.length !== 1) mismatches.push(`${p.label}: ldap uid is held by ${holders.length} entries`);
  }
  // Disabled is "under the disabled OU": search there, by the anchor, rather than trust the DN.
  const underDisabled = (await ldap.search(target.disabledDn, { scope: 'sub', filter: personFilter('employeeNumber', p.personKey), attributes: ['1.1'] })).searchEntries.length;
  if (underDisabled !== (p.left ? 1 : 0)) mismatches.push(`${p.label}: ldap entry is ${underDisabled ? 'disabled' : 'enabled'}, expected ${p.left ? 'disabled' : 'enabled'}`);
  // The DN, in the server's spelling, is one RDN `uid=<the uid>` right under its OU: a name with
  // `,` `=` `+` in it added no RDN and no attribute to the DN.
  const rdns = parseDn(entry.dn);
  const parent = parseDn(p.left ? target.disabledDn : target.peopleDn);
  const [rdn] = rdns;
  const inPlace = rdns.length === parent.length + 1 && JSON.stringify(rdns.slice(1)).toLowerCase() === JSON.stringify(parent).toLowerCase();
  if (!inPlace || rdn?.length !== 1 || rdn[0]?.type.toLowerCase() !== 'uid' || !sameBytes(bytesOf(entry.uid), rdn[0].value)) mismatches.push(`${p.label}: ldap DN is not uid=<uid> under its OU`);
  return 1;
}

async function checkScim(users: Array<ScimUser & { id: string }>, target: HostileScimTarget, mapping: AppMapping, p: HostilePerson, earlier: string[], mismatches: string[], tally: Tally): Promise<number> {
  const mine = users.filter((u) => u.externalId === p.personKey);
  if (mine.length !== 1) {
    if (mine.length === 0) tally.missing += 1;
    else tally.duplicated += mine.length - 1;
    mismatches.push(`${p.label}: scim has ${mine.length} users for the person`);
    return 0;
  }
  const user = mine[0] as ScimUser;
  const { attributes } = mapPerson({ appId: target.appId, mapping, person: p.final });
  const held: Record<string, string | undefined> = { givenName: user.name?.givenName, familyName: user.name?.familyName, displayName: user.displayName };
  for (const [name, value] of Object.entries(attributes)) {
    if (held[name] !== (value === null ? undefined : String(value))) mismatches.push(`${p.label}: scim ${name} differs from the mapping of the newest name`);
  }
  // userName is caseExact false (RFC 7643 §4.1.1): a value in another case is the same value.
  // Compared here rather than by the server's filter, whose parsing of quotes is under test.
  const holders = (value: string) => users.filter((u) => u.userName?.toLowerCase() === value.toLowerCase());
  const expected = await expectedUnique(target.appId, mapping, 'userName', p.joined, (value) => Promise.resolve(holders(value).some((u) => u.externalId !== undefined && earlier.includes(u.externalId))));
  if (expected?.collided) tally.collisions.scim += 1;
  if (expected === undefined) mismatches.push(`${p.label}: scim userName has no free candidate`);
  else if (user.userName !== expected.value) mismatches.push(`${p.label}: scim userName is not the first free candidate of the joiner's name`);
  else if (holders(expected.value).length !== 1) mismatches.push(`${p.label}: scim userName is held by ${holders(expected.value).length} users`);
  const active = user.active !== false;
  if (active === p.left) mismatches.push(`${p.label}: scim user is ${active ? 'active' : 'inactive'}, expected ${p.left ? 'inactive' : 'active'}`);
  return 1;
}

export interface HostileSeeds {
  ldapDn: string;
  ldapBefore: string;
  scimId: string;
  scimBefore: string;
}

/** Every stored and operational attribute of the LDAP seed, in a stable form: any write changes entryCSN. */
async function ldapSeedState(ldap: Client, dn: string): Promise<string> {
  const { searchEntries } = await ldap.search(dn, { scope: 'base', attributes: ['*', '+'] });
  return JSON.stringify(searchEntries.map((e) => Object.entries(e).sort(([a], [b]) => a.localeCompare(b))));
}

/**
 * One entry in each app that no person maps to, with a name that every injection of the drill
 * would match if it reached a filter unescaped (it is a person, has a uid, and says `admin`). They
 * carry no anchor (employeeNumber, externalId): hand-made entries, which reconciliation reports as
 * unmanaged and leaves alone.
 */
async function seed(ldap: Client, scim: ScimAdmin, opts: Pick<HostileNamesOptions, 'keyPrefix' | 'ldap'>): Promise<HostileSeeds> {
  const id = opts.keyPrefix.slice(opts.keyPrefix.lastIndexOf(':') + 1);
  const ldapDn = `uid=seed-${id},${opts.ldap.peopleDn}`;
  await ldap.add(ldapDn, { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: `seed-${id}`, cn: 'admin', sn: 'Seed' });
  const user = await scim.createUser({ userName: `seed-${id}`, displayName: 'admin', name: { givenName: 'admin', familyName: 'Seed' }, active: true });
  return { ldapDn, ldapBefore: await ldapSeedState(ldap, ldapDn), scimId: user.id, scimBefore: JSON.stringify((await scim.request({ method: 'GET', path: `Users/${user.id}` })).body) };
}

async function checkSeeds(ldap: Client, scim: ScimAdmin, seeds: HostileSeeds, mismatches: string[]): Promise<number> {
  if ((await ldapSeedState(ldap, seeds.ldapDn)) !== seeds.ldapBefore) mismatches.push('seed: the unrelated ldap entry changed');
  const after = await scim.request({ method: 'GET', path: `Users/${seeds.scimId}` });
  if (JSON.stringify(after.body) !== seeds.scimBefore) mismatches.push('seed: the unrelated scim user changed');
  return 2;
}

/**
 * The drill's row for the runner's table. Lost: events that did not complete, and accounts that
 * never appeared; duplicated: accounts beyond one a person and app. `convergeMs` is the caller's:
 * from the first event to the end of the read-back.
 */
export function hostileNamesReport(result: HostileNamesResult, convergeMs: number | null): DrillReport {
  const unfinished = result.events - (result.outcomes.completed ?? 0);
  return {
    drill: 'hostile-names',
    faults: [`${result.names} hostile names (quotes, parentheses, asterisks, backslashes, commas, controls, CJK, emoji, RTL, 200+ characters, LDAP and SCIM filter and DN look-alikes) as joiners, movers and leavers`],
    events: result.events,
    effectsExpected: result.effectsExpected,
    effectsSeen: result.effectsSeen,
    lost: unfinished + result.missing,
    duplicated: result.duplicated,
    convergeMs,
    invariants: [
      { name: 'every event completed', ok: unfinished === 0, ...(unfinished > 0 ? { detail: `${unfinished} of ${result.events} did not` } : {}) },
      {
        name: 'each account holds exactly the mapping of the newest name, under a unique value; leavers disabled; bystanders untouched',
        ok: result.mismatches.length === 0,
        ...(result.mismatches.length > 0 ? { detail: `${result.mismatches.length} mismatches` } : {}),
      },
    ],
    measured: { people: result.people, accountsChecked: result.accountsChecked, ldapCollisions: result.collisions.ldap, scimCollisions: result.collisions.scim },
    notes: result.mismatches,
  };
}
