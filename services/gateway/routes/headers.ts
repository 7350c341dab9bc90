import type { FastifyRequest } from 'fastify';

/** A request header as one string (the first one when repeated). */
export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
