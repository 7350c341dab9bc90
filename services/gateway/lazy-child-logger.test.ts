import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { lazyChildLoggerFactory } from './lazy-child-logger';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('lazy child logger', () => {
  it('defers > a request that never logs never builds its child logger', async () => {
    const { log } = capturingLogger();
    const app = Fastify({ loggerInstance: log as FastifyBaseLogger, disableRequestLogging: true }).setChildLoggerFactory(lazyChildLoggerFactory);
    app.get('/quiet', async () => ({ ok: true }));
    await app.ready();
    // Fastify derives loggers of its own at boot; count only what requests cause.
    const child = vi.spyOn(app.log, 'child');
    expect((await app.inject({ method: 'GET', url: '/quiet' })).statusCode).toBe(200);
    expect(child).not.toHaveBeenCalled();
    await app.close();
  });

  it('binds > a request that logs writes its line with the request id, as the eager child would', async () => {
    const { log, lines } = capturingLogger();
    const app = Fastify({ loggerInstance: log as FastifyBaseLogger, disableRequestLogging: true }).setChildLoggerFactory(lazyChildLoggerFactory);
    app.get('/loud', async (req) => {
      req.log.info({ step: 1 }, 'first');
      req.log.debug('not at info');
      req.log.warn('second');
      return { ok: true };
    });
    await app.inject({ method: 'GET', url: '/loud' });
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.msg, l.reqId, l.step])).toEqual([
      ['first', 'req-1', 1],
      ['second', 'req-1', undefined],
    ]);
    await app.close();
  });

  it('reports the level of the logger it stands for, and sets it on the child', () => {
    const { log } = capturingLogger();
    const lazy = lazyChildLoggerFactory.call(undefined as never, log as FastifyBaseLogger, { reqId: 'r' }, {}, undefined as never);
    expect(lazy.level).toBe('info');
    lazy.level = 'debug';
    expect(lazy.level).toBe('debug');
    expect(log.level).toBe('info');
  });
});
