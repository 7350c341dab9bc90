import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { listWorkflowIds } from '../temporal/visibility';
import { personStateQuery, personWorkflowId, type AppHoldings } from '../../schemas/contracts';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { AnyConnector, ListAccountsRequest, ListAccountsResult, ListedAccount as SdkListedAccount } from '../../connectors/sdk';
import type { AppInstance } from '../policy/app';
import type { KnownPerson, LastUse, ListedAccount } from './compare';

/**
 * What reconciliation reads: the people the pipeline knows (from their person workflows, where the
 * newest applied HR snapshot and the holdings live) and an app's accounts (through the connector's
 * `accounts.list`). Both only read.
 */

/** A person as their workflow holds them: the newest applied snapshot and the holdings in every app. */
export interface PersonRecord {
  personKey: string;
  person: PersonSnapshot;
  holdings: AppHoldings;
}

/** Person workflows read at once: each is a query, answered by a worker. */
const QUERY_CONCURRENCY = 8;
const LIST_PAGE_SIZE = 200;
/** A guard against an app that never stops paging. */
const MAX_PAGES = 100_000;

/**
 * Every person of this deployment (its task queue) whose workflow runs and has applied an event, with
 * what it holds. A person workflow that cannot answer (no worker, or one that cannot open its
 * history) is counted in `unreadable`: reconciliation must then not call the person's accounts
 * orphans, so callers treat a non-zero count as an incomplete truth.
 */
export async function knownPeople(req: { client: Client; taskQueue: string; log?: Logger }): Promise<{ people: PersonRecord[]; unreadable: string[] }> {
  const keys: string[] = [];
  const query = `WorkflowType = 'personWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${req.taskQueue.replace(/'/g, "\\'")}'`;
  // Raw: a person whose memo is sealed with a key this process lacks is still a person (answered or unreadable).
  for await (const workflowId of listWorkflowIds(req.client, query)) {
    if (workflowId.startsWith('person/')) keys.push(workflowId.slice('person/'.length));
  }
  const people: PersonRecord[] = [];
  const unreadable: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      try {
        const state = await req.client.workflow.getHandle(personWorkflowId(key)).query(personStateQuery);
        if (state.person) people.push({ personKey: key, person: state.person, holdings: state.apps });
      } catch (err) {
        req.log?.warn({ personKey: key, err: (err as Error).message }, 'person workflow did not answer; reconciliation will not call its accounts orphans');
        unreadable.push(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, keys.length) }, worker));
  people.sort((a, b) => (a.personKey < b.personKey ? -1 : a.personKey > b.personKey ? 1 : 0));
  unreadable.sort();
  return { people, unreadable };
}

/** The people of {@link knownPeople} with the holding of one app picked out. */
export function peopleForApp(people: readonly PersonRecord[], appId: string): KnownPerson[] {
  return people.map((p) => {
    const holding = p.holdings[appId];
    return { personKey: p.personKey, person: p.person, ...(holding ? { holding } : {}) };
  });
}

/** Whether the app's connector can list its accounts. */
export function canList(connector: AnyConnector): boolean {
  return (connector.capabilities as readonly string[]).includes('accounts.list');
}

/** What {@link listAppAccounts} takes: with `lastUsed`, the listing also asks when each account was last used. */
export interface ListAppRequest {
  app: AppInstance;
  runId: string;
  log: Logger;
  signal?: AbortSignal;
  heartbeat?: (details?: unknown) => void;
  lastUsed?: boolean;
}

/**
 * Every account of an app, page by page, through the connector's `listAccounts`. The connector's
 * answer is mapped onto {@link ListedAccount}: the person key when the account carries our anchor,
 * attributes and entitlements when the connector reads them.
 */
export async function listAppAccounts(req: ListAppRequest): Promise<ListedAccount[]> {
  return (await listApp(req)).accounts;
}

/**
 * {@link listAppAccounts} with what the listing told of last use (asked with `lastUsed`): `read`
 * only when every page read it; the first page's reason otherwise; absent when the connector
 * answered nothing about it (it cannot tell).
 */
export async function listApp(req: ListAppRequest): Promise<{ accounts: ListedAccount[]; lastUse?: LastUse }> {
  const { app } = req;
  if (!canList(app.connector)) throw new Error(`connector '${app.connector.id}' of app '${app.appId}' cannot list accounts (capability accounts.list)`);
  const list = (app.connector.operations as Record<string, unknown>).listAccounts as (ctx: unknown, r: ListAccountsRequest) => Promise<ListAccountsResult>;
  const out: ListedAccount[] = [];
  let lastUse: LastUse | undefined;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const ctx = {
      idempotencyKey: `reconcile/${req.runId}/${app.appId}/list/${page}`,
      appId: app.appId,
      signal: req.signal ?? new AbortController().signal,
      heartbeat: req.heartbeat ?? (() => undefined),
      log: req.log,
      config: app.config,
      secrets: app.secrets,
    };
    const res = await list(ctx, { ...(cursor !== undefined ? { cursor } : {}), pageSize: LIST_PAGE_SIZE, ...(req.lastUsed ? { lastUsed: true } : {}) });
    for (const a of res.accounts) out.push(toListed(a));
    if (req.lastUsed && res.lastUsed) {
      // One page that could not tell makes the whole listing unknown: half an app must not look unused.
      const page: LastUse = res.lastUsed.read ? { read: true } : { read: false, reason: res.lastUsed.reason ?? 'the app would not tell when accounts were used' };
      if (lastUse === undefined || (lastUse.read && !page.read)) lastUse = page;
    }
    req.heartbeat?.({ listed: out.length });
    // Only the absence of a cursor ends a listing (a short or empty page does not: docs/accounts-list.md).
    if (res.nextCursor === undefined) return { accounts: dedupe(out), ...(lastUse ? { lastUse } : {}) };
    cursor = res.nextCursor;
  }
  throw new Error(`app '${app.appId}' listed more than ${MAX_PAGES} pages; stopped`);
}

function toListed(a: SdkListedAccount): ListedAccount {
  return {
    externalRef: a.externalRef,
    ...(a.personKey ? { personKey: a.personKey } : {}),
    ...(a.enabled !== undefined ? { enabled: a.enabled } : {}),
    attributes: a.attributes,
    entitlements: a.entitlements,
    ...(a.createdAt ? { createdAt: a.createdAt } : {}),
    ...(a.lastUsedAt ? { lastUsedAt: a.lastUsedAt } : {}),
  };
}

/**
 * Apps that page by position (SCIM's startIndex) may list an account twice when others are added or
 * removed meanwhile; one account is judged once.
 */
function dedupe(accounts: ListedAccount[]): ListedAccount[] {
  const seen = new Set<string>();
  return accounts.filter((a) => !seen.has(a.externalRef) && seen.add(a.externalRef));
}
