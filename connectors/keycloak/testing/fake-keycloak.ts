/**
 * TEST-ONLY. A scripted stand-in for Keycloak's HTTP API, as a `fetch` for unit tests of mapping and
 * error handling: each route answers from a handler; every request is recorded. The real server
 * runs in keycloak.conformance.integration.test.ts.
 */
export interface FakeRequest {
  method: string;
  /** Path below the base URL, without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string | undefined;
}

export type FakeAnswer = { status: number; body?: unknown; headers?: Record<string, string> };
type Handler = (req: FakeRequest) => FakeAnswer | undefined;

export const FAKE_BASE_URL = 'https://sso.example.com';

export function fakeKeycloak() {
  const routes: Array<{ method: string; path: RegExp; handler: Handler }> = [];
  const requests: FakeRequest[] = [];
  let tokens = 0;

  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const req: FakeRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    requests.push(req);
    for (const route of routes) {
      if (route.method !== req.method || !route.path.test(req.path)) continue;
      const answer = route.handler(req);
      if (!answer) continue;
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      return new Response(text === '' ? null : text, { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers } });
    }
    return new Response(JSON.stringify({ error: 'no fake route' }), { status: 404, headers: { 'content-type': 'application/json' } });
  };

  const fake = {
    fetch: fetchImpl,
    requests,
    /** Answers `method` on paths matching `path`; later routes are tried after earlier ones decline (return undefined). */
    on(method: string, path: RegExp, handler: Handler) {
      routes.push({ method, path, handler });
      return fake;
    },
    /** A token endpoint handing out `token-1`, `token-2`, … valid for `expiresIn` seconds. */
    tokenEndpoint(expiresIn = 300) {
      return fake.on('POST', /\/protocol\/openid-connect\/token$/, () => {
        tokens += 1;
        return { status: 200, body: { access_token: `token-${tokens}`, expires_in: expiresIn, token_type: 'Bearer' } };
      });
    },
    /** Requests to the admin API only. */
    adminRequests: () => requests.filter((r) => r.path.startsWith('/admin/')),
    tokenRequests: () => requests.filter((r) => r.path.endsWith('/token')),
  };
  return fake;
}
