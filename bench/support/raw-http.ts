import { connect, type Socket } from 'node:net';

/**
 * A deliberately small HTTP/1.1 keep-alive client for load generation: one socket per client, one
 * request in flight per socket, requests written as one buffer and responses read by
 * `Content-Length`. node:http costs the load generator about as much CPU per request as the gateway
 * spends serving it; when generator, gateway and broker share two cores, that cost would be
 * measured as the gateway's. It understands only what the gateway sends (a status line, headers,
 * a Content-Length body); anything else fails the request loudly.
 */
export interface RawResponse {
  status: number;
  body: string;
}

export interface RawHttpClient {
  /** POSTs `body` to `path` with `headers` (lowercase names; content-length is added). */
  post(path: string, headers: Readonly<Record<string, string>>, body: string): Promise<RawResponse>;
  close(): void;
}

const CRLF2 = Buffer.from('\r\n\r\n');

class Connection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve(r: RawResponse): void; reject(err: Error): void } | undefined;
  private failed: Error | undefined;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  request(head: string, body: string): Promise<RawResponse> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiting) return Promise.reject(new Error('one request at a time per connection'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(head + body);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(CRLF2);
    if (end < 0) return;
    const head = this.buffered.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const match = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!match) return this.fail(new Error(`response without content-length: ${head.slice(0, 200)}`));
    const total = end + 4 + Number(match[1]);
    if (this.buffered.length < total) return;
    const body = this.buffered.toString('utf8', end + 4, total);
    this.buffered = this.buffered.subarray(total);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ status, body });
  }

  private fail(err: Error): void {
    this.failed ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(err);
  }
}

/** `connections` sockets to `baseUrl`; callers beyond that many wait for a free one. */
export function createRawHttpClient(baseUrl: string, connections: number): RawHttpClient {
  const url = new URL(baseUrl);
  const host = url.hostname;
  const port = Number(url.port || 80);
  const idle: Connection[] = Array.from({ length: connections }, () => new Connection(host, port));
  const all = [...idle];
  const queue: Array<(c: Connection) => void> = [];
  const acquire = () => (idle.length > 0 ? Promise.resolve(idle.pop() as Connection) : new Promise<Connection>((resolve) => queue.push(resolve)));
  const release = (c: Connection) => {
    const next = queue.shift();
    if (next) next(c);
    else idle.push(c);
  };
  return {
    async post(path, headers, body) {
      let head = `POST ${path} HTTP/1.1\r\nhost: ${url.host}\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      const connection = await acquire();
      try {
        return await connection.request(head, body);
      } finally {
        release(connection);
      }
    },
    close() {
      for (const c of all) c.close();
    },
  };
}
