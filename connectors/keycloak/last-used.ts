import type { KeycloakSession } from './session';

/**
 * When a Keycloak user last logged in. Keycloak keeps no last-login field on the user: it is known
 * only from the realm's event store, which records `LOGIN` events when the realm saves events
 * (`eventsEnabled`, with `LOGIN` among `enabledEventTypes`, kept for `eventsExpiration` seconds).
 * The service account needs `realm-management` `view-events` to read them and the realm's events
 * config (which says whether LOGIN events are saved at all).
 *
 * A user with no LOGIN event has not logged in since it was created, or since its newest event
 * expired: the realm's expiration must be longer than the policy's `unused.after`.
 */

/** Whether the realm's event store can answer, read once per page: `undefined` when it can. */
export async function lastLoginUnreadable(s: KeycloakSession): Promise<string | undefined> {
  const res = await s.request<{ eventsEnabled?: boolean; enabledEventTypes?: string[] }>({ method: 'GET', path: 'events/config', accept: [403] });
  if (res.status === 403) return "the service account may not read the realm's events config (it needs realm-management view-events)";
  const config = res.body ?? {};
  if (config.eventsEnabled !== true) return 'the realm does not save login events (eventsEnabled is off)';
  // An empty list saves every type.
  const types = config.enabledEventTypes ?? [];
  if (types.length > 0 && !types.includes('LOGIN')) return 'the realm does not save LOGIN events (enabledEventTypes)';
  return undefined;
}

/** Marker of a page whose event store refused: the page then carries no last use at all. */
export class EventsForbidden extends Error {
  constructor() {
    super('the service account may not read the realm events (it needs realm-management view-events)');
  }
}

/**
 * The newest LOGIN of one user (`GET events?type=LOGIN&user=<id>&max=1`, newest first), as ISO 8601;
 * `undefined` when there is none. Throws {@link EventsForbidden} on 403.
 */
export async function lastLoginOf(s: KeycloakSession, userId: string): Promise<string | undefined> {
  const res = await s.request<Array<{ time?: number }>>({
    method: 'GET',
    path: 'events',
    query: { type: 'LOGIN', user: userId, first: 0, max: 1, direction: 'desc' },
    accept: [403],
  });
  if (res.status === 403) throw new EventsForbidden();
  const time = res.body?.[0]?.time;
  return typeof time === 'number' && Number.isFinite(time) ? new Date(time).toISOString() : undefined;
}
