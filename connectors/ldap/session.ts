import { createHash } from 'node:crypto';
import { Client, ResultCodeError } from 'ldapts';

/** Where and as whom to connect. */
export interface BindTarget {
  url: string;
  bindDn: string;
  bindPassword: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

interface Session {
  client: Client;
  /** Settles when the simple bind on this connection is done. */
  bound: Promise<void>;
}

/**
 * Long-lived, bound LDAP connections, one per (url, bind DN, password), shared by concurrent
 * operations (LDAP multiplexes requests on one connection by message id, RFC 4511 §4.1.1.1).
 *
 * Why not just keep an ldapts Client: after its socket drops, ldapts reconnects silently on the
 * next request WITHOUT binding again, so that request would run anonymously. {@link client} never
 * hands out a client whose socket is gone; it replaces the session (new socket, new bind) instead.
 * A caller must issue its request right after the returned promise settles (no other await in
 * between), so that a socket close (an I/O event) cannot slip between the check and the request.
 */
export class LdapSessions {
  private readonly sessions = new Map<string, Session>();

  /** A connected client, bound as `target.bindDn`. Rejects with the bind's error (e.g. invalidCredentials). */
  async client(target: BindTarget): Promise<Client> {
    const key = sessionKey(target);
    for (let attempt = 0; ; attempt += 1) {
      const session = this.sessions.get(key) ?? this.open(key, target);
      try {
        await session.bound;
      } catch (err) {
        this.drop(key, session);
        // A connection that died during the bind (server restart, dropped socket) gets one fresh
        // try; a bind the server refused (a result code, e.g. invalidCredentials) does not.
        if (attempt === 0 && !(err instanceof ResultCodeError)) continue;
        throw err;
      }
      if (session.client.isConnected) return session.client;
      this.drop(key, session);
      if (attempt >= 1) throw new Error('Connection closed right after bind');
    }
  }

  /** Unbinds every connection; later calls open new ones. */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.client.unbind().catch(() => undefined)));
  }

  private open(key: string, target: BindTarget): Session {
    const client = new Client({ url: target.url, timeout: target.timeoutMs, connectTimeout: target.connectTimeoutMs });
    const session: Session = { client, bound: client.bind(target.bindDn, target.bindPassword) };
    // A failed bind is reported to the caller awaiting it; never leave it unhandled.
    session.bound.catch(() => undefined);
    this.sessions.set(key, session);
    return session;
  }

  private drop(key: string, session: Session): void {
    if (this.sessions.get(key) === session) this.sessions.delete(key);
    session.client.unbind().catch(() => undefined);
  }
}

/**
 * Everything the client was built with is in the key (apps with other time limits get their own
 * connection). The password enters it only as a hash, so that a rotated secret opens a new session.
 */
function sessionKey(target: BindTarget): string {
  const secret = createHash('sha256').update(target.bindPassword).digest('hex');
  return [target.url, target.bindDn, secret, target.timeoutMs, target.connectTimeoutMs].join('\n');
}
