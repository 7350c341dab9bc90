import { Redis } from 'ioredis';
import { createDevRedisConnector } from '../../connectors/dev-redis';
import { ConnectorError, type AnyConnector, type ConnectorContext } from '../../connectors/sdk';

type Ctx = ConnectorContext<{ url: string; keyPrefix: string }>;

/**
 * A dev-redis app for the crash-gap test (test/integration/crash-gap.test.ts). It refuses the
 * entitlement `refused` for good. With `hangAfterCreate`, a create applies its effect, writes
 * `<keyPrefix>:gap:<idempotencyKey>` and then never answers: the process is killed right there,
 * between the app's change and the activity's completion.
 */
export function gapConnector(opts: { hangAfterCreate: boolean }): AnyConnector {
  const inner = createDevRedisConnector() as AnyConnector;
  const ops = inner.operations as Record<string, (ctx: Ctx, req: unknown) => Promise<unknown>>;
  let redis: Redis | undefined;
  return {
    ...inner,
    id: 'gap',
    operations: {
      ...inner.operations,
      createAccount: async (ctx: Ctx, req: unknown) => {
        const result = await ops.createAccount?.(ctx, req);
        if (!opts.hangAfterCreate) return result;
        redis ??= new Redis(ctx.config.url);
        await redis.set(`${ctx.config.keyPrefix}:gap:${ctx.idempotencyKey}`, process.pid.toString());
        return new Promise(() => undefined);
      },
      grantAccess: async (ctx: Ctx, req: { entitlement: string }) => {
        if (req.entitlement === 'refused') throw new ConnectorError({ code: 'invalid-request', message: "the app has no group 'refused'", status: 400 });
        return ops.grantAccess?.(ctx, req);
      },
    },
    async dispose() {
      await inner.dispose?.();
      redis?.disconnect();
    },
  };
}
