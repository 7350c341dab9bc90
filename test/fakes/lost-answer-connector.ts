import { ConnectorError, type AnyConnector } from '../../connectors/sdk';

/**
 * Wraps a connector so that the first answer of each createAccount (per idempotency key) is lost:
 * the app applies the create (or the adoption), then the call fails as `transient`, as when a worker
 * dies or a connection drops between the app's reply and the activity's completion. The retry then
 * finds the account already anchored and must work out whether that attempt created or adopted it.
 */
export function losingFirstCreateAnswer(inner: AnyConnector, id: string): AnyConnector {
  const answered = new Set<string>();
  const ops = inner.operations as Record<string, (ctx: { idempotencyKey: string }, req: unknown) => Promise<unknown>>;
  return {
    ...inner,
    id,
    operations: {
      ...inner.operations,
      createAccount: async (ctx: { idempotencyKey: string }, req: unknown) => {
        const result = await ops.createAccount?.(ctx, req);
        if (answered.has(ctx.idempotencyKey)) return result;
        answered.add(ctx.idempotencyKey);
        throw new ConnectorError({ code: 'transient', message: 'test: the create applied, and its answer was lost' });
      },
    },
  } as AnyConnector;
}
