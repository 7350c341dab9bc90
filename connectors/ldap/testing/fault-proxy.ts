import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * TEST-ONLY. A loopback TCP proxy in front of a real LDAP server that can answer the next matching
 * request itself, with any LDAP result code, or swallow it (stall). It understands just enough of
 * the wire format to do that: the LDAPMessage envelope of RFC 4511 §4.1.1 in BER (X.690 §8.1).
 * Everything else passes through byte for byte, so the connector talks to the real slapd.
 *
 * Why: slapd cannot be made to answer busy, unavailable or insufficientAccessRights on demand, and
 * the error mapping deserves a test against real protocol responses, not mocked exceptions.
 */

/** Which requests a fault applies to: any request, or only writes (add, modify, delete, modifyDN). */
export type FaultTarget = 'any' | 'write';

export type LdapFault =
  /** Answer with this LDAP result code (RFC 4511 §4.1.9) instead of forwarding. */
  | { kind: 'result'; resultCode: number; diagnostic?: string; on: FaultTarget }
  /** Never answer; the connection is closed by `clear()` or `stop()`. */
  | { kind: 'stall'; on: FaultTarget };

export interface LdapFaultProxy {
  /** `ldap://127.0.0.1:<port>` to give the connector. */
  url: string;
  /** Arms a fault for the next matching request (faults apply one each, in order). */
  next(fault: LdapFault): void;
  /** Drops armed faults and closes connections with stalled requests. */
  clear(): void;
  stop(): Promise<void>;
}

// Request protocolOp tags (RFC 4511 §4.2-4.12, APPLICATION class) and the tag of their response.
const RESPONSE_TAG: ReadonlyMap<number, number> = new Map([
  [0x60, 0x61], // bindRequest → bindResponse
  [0x63, 0x65], // searchRequest → searchResDone
  [0x66, 0x67], // modifyRequest → modifyResponse
  [0x68, 0x69], // addRequest → addResponse
  [0x4a, 0x6b], // delRequest (primitive) → delResponse
  [0x6c, 0x6d], // modDNRequest → modDNResponse
  [0x6e, 0x6f], // compareRequest → compareResponse
  [0x77, 0x78], // extendedReq → extendedResp
]);
const WRITE_TAGS = new Set([0x66, 0x68, 0x4a, 0x6c]);

export async function startLdapFaultProxy(req: { upstream: string }): Promise<LdapFaultProxy> {
  const upstream = new URL(req.upstream);
  const pending: LdapFault[] = [];
  const connections = new Set<Socket>();
  const stalled = new Set<Socket>();

  /** The armed fault for a request with this protocolOp tag, removed from the queue. */
  const take = (opTag: number): LdapFault | undefined => {
    const fault = pending[0];
    if (!fault || !RESPONSE_TAG.has(opTag)) return undefined;
    if (fault.on === 'write' && !WRITE_TAGS.has(opTag)) return undefined;
    return pending.shift();
  };

  const server: Server = createServer((client) => {
    const backend = connect({ host: upstream.hostname, port: Number(upstream.port || 389) });
    connections.add(client);
    const close = () => {
      connections.delete(client);
      stalled.delete(client);
      client.destroy();
      backend.destroy();
    };
    client.on('error', close).on('close', close);
    backend.on('error', close).on('close', close);
    backend.pipe(client);

    let buffered = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const frame = readFrame(buffered);
        if (!frame) return;
        buffered = buffered.subarray(frame.length);
        const message = frame.message;
        const fault = take(frame.opTag);
        if (!fault) backend.write(message);
        else if (fault.kind === 'stall') stalled.add(client);
        else client.write(ldapResult({ messageId: frame.messageId, tag: RESPONSE_TAG.get(frame.opTag) as number, resultCode: fault.resultCode, diagnostic: fault.diagnostic ?? 'injected by the test fault proxy' }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `ldap://127.0.0.1:${port}`,
    next: (fault) => void pending.push(fault),
    clear() {
      pending.length = 0;
      for (const socket of stalled) socket.destroy();
      stalled.clear();
    },
    async stop() {
      pending.length = 0;
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One complete LDAPMessage at the start of `buf`, or undefined when more bytes are needed. */
function readFrame(buf: Buffer): { message: Buffer; length: number; messageId: number; opTag: number } | undefined {
  const outer = readHeader(buf, 0);
  if (!outer || buf.length < outer.contentStart + outer.length) return undefined;
  if (buf[0] !== 0x30) throw new Error(`not an LDAPMessage (tag 0x${buf[0]?.toString(16)})`);
  const idHeader = readHeader(buf, outer.contentStart) as { contentStart: number; length: number };
  let messageId = 0;
  for (let i = 0; i < idHeader.length; i += 1) messageId = messageId * 256 + (buf[idHeader.contentStart + i] as number);
  const opTag = buf[idHeader.contentStart + idHeader.length] as number;
  const total = outer.contentStart + outer.length;
  return { message: buf.subarray(0, total), length: total, messageId, opTag };
}

/** BER tag + length at `at` (X.690 §8.1.3: short form, or long form with up to 4 length octets). */
function readHeader(buf: Buffer, at: number): { contentStart: number; length: number } | undefined {
  if (buf.length < at + 2) return undefined;
  const first = buf[at + 1] as number;
  if (first < 0x80) return { contentStart: at + 2, length: first };
  const octets = first & 0x7f;
  if (octets > 4) throw new Error('BER length too long for a test proxy');
  if (buf.length < at + 2 + octets) return undefined;
  let length = 0;
  for (let i = 0; i < octets; i += 1) length = length * 256 + (buf[at + 2 + i] as number);
  return { contentStart: at + 2 + octets, length };
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

/** A positive INTEGER's minimal two's-complement octets (X.690 §8.3). */
function integer(value: number): Buffer {
  const octets: number[] = [];
  let v = value;
  do {
    octets.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if ((octets[0] as number) & 0x80) octets.unshift(0);
  return Buffer.from(octets);
}

/** LDAPMessage { messageID, <response> LDAPResult { resultCode, matchedDN "", diagnosticMessage } }. */
function ldapResult(p: { messageId: number; tag: number; resultCode: number; diagnostic: string }): Buffer {
  const result = Buffer.concat([tlv(0x0a, integer(p.resultCode)), tlv(0x04, Buffer.alloc(0)), tlv(0x04, Buffer.from(p.diagnostic, 'utf8'))]);
  return tlv(0x30, Buffer.concat([tlv(0x02, integer(p.messageId)), tlv(p.tag, result)]));
}
