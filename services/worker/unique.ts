import {
  ConnectorError,
  isConnectorError,
  type AccountRef,
  type AnyConnector,
  type AppAttributes,
  type ConnectorContext,
  type OperationsByCapability,
} from '../../connectors/sdk';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { resolveUnique, type AppMapping } from '../mapping';

/** The part of a connector request unique values are resolved for. */
export interface CreateLikeRequest {
  account: AccountRef;
  person: PersonSnapshot;
  attributes: AppAttributes;
}

export interface UniqueValuesRequest<R extends CreateLikeRequest> {
  app: { appId: string; connector: AnyConnector; mapping?: AppMapping };
  /** The step's context: the checks run with its signal, log and secrets. */
  ctx: ConnectorContext;
  /** The step's operation; only `createAccount` resolves anything. */
  operation: string;
  request: R;
}

/**
 * Fills the unique attributes of the app's mapping (user names, mail addresses) into a
 * `createAccount` request: each gets the first candidate value no other person holds in the app,
 * asked through the connector's `unique.check` (services/mapping `resolveUnique`, in config order).
 * Every other operation, and an app without unique attributes, gets the request back unchanged.
 *
 * Guarantees:
 * - Deterministic: the same person, mapping and app contents give the same value.
 * - Idempotent: a value this person's account already holds counts as free (`this-person`), so a
 *   retried or repeated create resolves to the value it chose the first time and the connector
 *   reports `already-in-state`.
 * - A hand-made account holding a candidate (`adoptable`) does not make it taken: the create adopts
 *   that account and answers `adopted`, a success like `applied` (its inverse is a release).
 * - Create time only: updates never resolve (the plan's update attributes carry no unique ones), so
 *   a collision that appears later never renames an existing account.
 * - A value the request already carries is kept (a compensation re-creating a deleted account
 *   restores its old user name).
 *
 * @throws ConnectorError `not-supported` when the connector cannot check values, `conflict` when
 *   every candidate is taken, `invalid-request` when no candidate has a value for this person; a
 *   check's own error (e.g. `transient`) propagates unchanged. All of them are step failures that
 *   `runStep` audits and types like any connector error.
 */
export async function withUniqueValues<R extends CreateLikeRequest>(req: UniqueValuesRequest<R>): Promise<R> {
  const { app, ctx, request } = req;
  const unique = app.mapping?.unique ?? [];
  if (req.operation !== 'createAccount' || !app.mapping || unique.length === 0) return request;
  const mapping = app.mapping;
  const check = checkerOf(app.connector);
  if (!check) {
    throw new ConnectorError({
      code: 'not-supported',
      message: `app '${app.appId}' maps unique attributes (${unique.map((u) => u.name).join(', ')}) but connector '${app.connector.id}' cannot check values (capability 'unique.check')`,
      context: { appId: app.appId, connector: app.connector.id },
    });
  }

  const attributes: AppAttributes = { ...request.attributes };
  for (const { name } of unique) {
    if (!isUnset(attributes[name])) continue;
    const resolved = await resolveUnique({
      appId: app.appId,
      mapping,
      person: request.person,
      attribute: name,
      isTaken: async ({ attribute, value }) => {
        ctx.heartbeat();
        const { holder } = await check(ctx, { account: request.account, attribute, value });
        return holder === 'other';
      },
    });
    if (resolved.value === null) {
      const problem = resolved.problems.find((p) => p.code === 'unique-exhausted' || p.code === 'unique-no-candidate');
      const exhausted = problem?.code === 'unique-exhausted';
      throw new ConnectorError({
        code: exhausted ? 'conflict' : 'invalid-request',
        message: `app '${app.appId}': ${problem?.message ?? `no value for unique attribute '${name}'`}${exhausted ? '; add a candidate or widen uniqueCounter' : ''}`,
        context: { appId: app.appId, attribute: name, attempts: resolved.attempts, problem: problem?.code ?? 'unique-no-candidate' },
      });
    }
    attributes[name] = resolved.value;
    // The value is person data: log which candidate won, not the value.
    ctx.log.info(
      { attribute: name, candidate: resolved.candidate, ...(resolved.counter === undefined ? {} : { counter: resolved.counter }), attempts: resolved.attempts },
      'unique value resolved',
    );
  }
  return { ...request, attributes };
}

/** How often a create whose unique value was taken in the meantime resolves again before it fails. */
const RACE_ATTEMPTS = 3;

/**
 * Runs a step with its unique values resolved ({@link withUniqueValues}), and resolves again when
 * the app answers `conflict` for a create whose values this step chose: another joiner took the
 * value between our check and our create (two John Smiths hired in the same second). The next
 * resolution sees the value held by the other person and takes the next candidate. A conflict on
 * values the step carried itself, or a third lost race, fails the step as before.
 */
export async function runWithUniqueValues<R extends CreateLikeRequest, T>(req: UniqueValuesRequest<R>, run: (request: R) => Promise<T>): Promise<T> {
  const chosenHere = req.operation === 'createAccount' && (req.app.mapping?.unique ?? []).some(({ name }) => isUnset(req.request.attributes[name]));
  for (let attempt = 1; ; attempt++) {
    const resolved = await withUniqueValues(req);
    try {
      return await run(resolved);
    } catch (err) {
      if (!chosenHere || attempt >= RACE_ATTEMPTS || !isConnectorError(err) || err.code !== 'conflict') throw err;
      req.ctx.log.warn({ attempt, attributes: (req.app.mapping?.unique ?? []).map((u) => u.name) }, 'a unique value was taken between check and create; resolving again');
    }
  }
}

const isUnset = (value: unknown) => value === undefined || value === null || value === '';

type CheckUnique = OperationsByCapability<unknown>['unique.check']['checkUnique'];

/** The connector's `checkUnique`, when it declares `unique.check`. */
function checkerOf(connector: AnyConnector): CheckUnique | undefined {
  if (!(connector.capabilities as readonly string[]).includes('unique.check')) return undefined;
  const op = (connector.operations as Partial<OperationsByCapability<unknown>['unique.check']>).checkUnique;
  return typeof op === 'function' ? op : undefined;
}
