import { Agent, request } from 'node:http';

/**
 * A lean keep-alive HTTP POST for load generation: node:http with a pooled agent costs the load
 * generator far less CPU per request than fetch, which matters when generator, gateway and broker
 * share two cores.
 */
export function createPoster(baseUrl: string, maxSockets: number) {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = request(
          { host: url.hostname, port: url.port, path, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
