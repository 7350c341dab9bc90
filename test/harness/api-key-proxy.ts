import { connect, constants, createSecureServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { IssuedCert } from './test-ca';

export interface ApiKeyProxy {
  /** `127.0.0.1:<port>` to connect to with TLS. */
  address: string;
  /** gRPC calls let through, and refused for a missing or wrong key. */
  readonly stats: { authorized: number; refused: number };
  stop(): Promise<void>;
}

/**
 * What Temporal Cloud does with an API key, in front of the dev server (which ignores the header):
 * terminates TLS and HTTP/2, answers every gRPC call whose `authorization` is not `Bearer <apiKey()>`
 * with UNAUTHENTICATED (status 16), and forwards the others, headers, body and trailers, to the
 * plaintext server. `apiKey` is asked per call, so a test can rotate the key the "server" accepts.
 */
export async function startApiKeyProxy(opts: { target: string; cert: IssuedCert; apiKey: () => string }): Promise<ApiKeyProxy> {
  const stats = { authorized: 0, refused: 0 };
  const upstream = connect(`http://${opts.target}`);
  upstream.on('error', () => undefined);
  const server = createSecureServer({ cert: opts.cert.certPem, key: opts.cert.keyPem, allowHTTP1: false });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    if (headers.authorization !== `Bearer ${opts.apiKey()}`) {
      stats.refused += 1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'API key refused by the test proxy' }, { endStream: true });
      return;
    }
    stats.authorized += 1;
    const call = upstream.request(withoutPseudo(headers, [':method', ':path']));
    let trailers: IncomingHttpHeaders = {};
    call.on('trailers', (t) => (trailers = t));
    call.on('response', (response) => {
      if (call.endAfterHeaders) {
        // A trailers-only answer (an error, typically): grpc-status is in these headers.
        stream.respond(withoutPseudo(response, [':status']), { endStream: true });
        return;
      }
      stream.respond(withoutPseudo(response, [':status']), { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers(withoutPseudo(trailers, [])));
      call.pipe(stream);
    });
    stream.pipe(call);
    // Either side going away cancels the other (worker long polls are cut when the test stops).
    call.on('error', () => stream.close(constants.NGHTTP2_CANCEL));
    stream.on('error', () => call.close(constants.NGHTTP2_CANCEL));
    stream.on('close', () => {
      if (!call.closed) call.close(constants.NGHTTP2_CANCEL);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the API key proxy has no address');
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  return {
    address: `127.0.0.1:${address.port}`,
    stats,
    async stop() {
      for (const s of sessions) s.destroy();
      upstream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Headers without HTTP/2 pseudo-headers, except those named in `keep`. */
function withoutPseudo(headers: IncomingHttpHeaders, keep: readonly string[]): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith(':') || keep.includes(k)));
}
