import { Attribute, Change, type Client } from 'ldapts';
import { isConnectorError } from '../sdk';
import { isLdapResult, resultCodeOf, toConnectorError } from './errors';
import type { BindTarget, LdapSessions } from './session';

/** A search result entry with attribute names lower-cased and every value as a string array. */
export interface LdapEntry {
  dn: string;
  attributes: ReadonlyMap<string, string[]>;
}

/** Values of `name` (case-insensitive) in an entry; `[]` when absent. */
export function valuesOf(entry: LdapEntry, name: string): string[] {
  return entry.attributes.get(name.toLowerCase()) ?? [];
}

/** One modification of an LDAP modify (RFC 4511 §4.6). */
export interface Modification {
  operation: 'add' | 'delete' | 'replace';
  attribute: string;
  values: string[];
}

export interface SearchRequest {
  base: string;
  scope: 'base' | 'one' | 'sub';
  filter: string;
  attributes: string[];
  sizeLimit?: number;
  /**
   * Asks for the results in pages of this size (RFC 2696 simple paged results) and returns them all:
   * a server's size limit for one search (slapd: 500 by default) then does not cut a large listing
   * short. The paging cookie lives only as long as this one call.
   */
  pageSize?: number;
}

/**
 * The LDAP operations of one connector call: every request runs on a bound session, honours the
 * call's AbortSignal (the request may still complete on the server, which "ensure state"
 * semantics make harmless), and fails with a ConnectorError carrying the LDAP result code.
 */
export class Directory {
  constructor(
    private readonly sessions: LdapSessions,
    private readonly target: BindTarget,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * Searches are retried once on a fresh connection after a transport failure: a pooled connection
   * the server or a load balancer closed while idle fails its next request, and a search has no
   * side effect to repeat. Writes are not retried here; the whole operation is, by Temporal, and
   * "ensure state" makes that safe.
   */
  async search(req: SearchRequest): Promise<LdapEntry[]> {
    const call = (c: Client) =>
      c.search(req.base, {
        scope: req.scope,
        filter: req.filter,
        attributes: req.attributes,
        sizeLimit: req.sizeLimit ?? 0,
        ...(req.pageSize === undefined ? {} : { paged: { pageSize: req.pageSize } }),
      });
    let result;
    try {
      result = await this.run('search', call);
    } catch (err) {
      if (this.signal.aborted || resultCodeOf(err) !== undefined || !isConnectorError(err) || err.code !== 'transient') throw err;
      result = await this.run('search', call);
    }
    return result.searchEntries.map((e) => {
      const attributes = new Map<string, string[]>();
      for (const [name, value] of Object.entries(e)) {
        if (name === 'dn') continue;
        const list = Array.isArray(value) ? value : [value];
        attributes.set(
          name.toLowerCase(),
          list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)),
        );
      }
      return { dn: e.dn, attributes };
    });
  }

  /** Reads one entry by DN; `undefined` when it does not exist. */
  async read(dn: string, attributes: string[]): Promise<LdapEntry | undefined> {
    try {
      const [entry] = await this.search({ base: dn, scope: 'base', filter: '(objectClass=*)', attributes });
      return entry;
    } catch (err) {
      if (isLdapResult(err, 'noSuchObject')) return undefined;
      throw err;
    }
  }

  add(dn: string, attributes: Record<string, string | string[]>): Promise<void> {
    return this.run('add', (c) => c.add(dn, attributes));
  }

  modify(dn: string, modifications: Modification[]): Promise<void> {
    const changes = modifications.map(
      (m) => new Change({ operation: m.operation, modification: new Attribute({ type: m.attribute, values: m.values }) }),
    );
    return this.run('modify', (c) => c.modify(dn, changes));
  }

  del(dn: string): Promise<void> {
    return this.run('delete', (c) => c.del(dn));
  }

  /**
   * Renames and/or moves an entry (RFC 4511 §4.9, deleteoldrdn=TRUE). `newRdn` must be built by
   * {@link formatRdn}: ldapts splits `newRdn,newSuperior` at the first comma not preceded by a
   * backslash, which our escaping guarantees is the separator.
   */
  modifyDn(dn: string, newRdn: string, newSuperior?: string): Promise<void> {
    const target = newSuperior === undefined ? newRdn : `${newRdn},${newSuperior}`;
    return this.run('modifyDN', (c) => c.modifyDN(dn, target));
  }

  private async run<T>(operation: string, call: (client: Client) => Promise<T>): Promise<T> {
    const { signal } = this;
    try {
      signal.throwIfAborted();
      const client = await abortable(this.sessions.client(this.target), signal);
      // No await between getting the bound client and starting the request (see LdapSessions).
      return await abortable(call(client), signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw toConnectorError(err, operation);
    }
  }
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined); // the outcome may arrive after an abort; never leave it unhandled
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
