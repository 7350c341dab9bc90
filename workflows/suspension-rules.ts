import type { AppHoldings, SecurityActionRefusal, SecurityActionRequest, SuspensionScope } from '../schemas/contracts';

/**
 * The person workflow's rules for emergency suspensions (pure, sandbox-safe, unit-tested): what a
 * suspension takes, and which suspend or restore requests it refuses.
 */

/**
 * What a suspension takes, from what the person holds when its turn comes: the apps active then
 * (`took`) and the apps held without access (`inactive`: disabled, not deleted), each sorted.
 */
export function suspensionScope(apps: AppHoldings): SuspensionScope {
  const ids = Object.keys(apps).sort();
  return {
    took: ids.filter((id) => apps[id]?.status === 'active'),
    inactive: ids.filter((id) => apps[id]?.status === 'disabled'),
  };
}

/** Whether the person is suspended once the actions already queued have run. */
export function willBeSuspended(suspension: unknown, queued: ReadonlyArray<Pick<SecurityActionRequest, 'action'>>): boolean {
  const last = queued[queued.length - 1];
  return last ? last.action === 'suspend' : suspension !== undefined;
}

/** Why a suspend or restore request is refused, or undefined when it is accepted. */
export function securityActionRefusal(
  req: SecurityActionRequest,
  state: { known: boolean; suspended: boolean },
): { type: SecurityActionRefusal; message: string } | undefined {
  if ((req.action !== 'suspend' && req.action !== 'restore') || !req.by?.trim() || !req.reason?.trim()) {
    return { type: 'invalid-request', message: 'a suspend or restore needs action suspend|restore, by and a reason' };
  }
  if (!state.known) return { type: 'unknown-person', message: 'no HR event was applied to this person yet: nothing to suspend or restore' };
  if (req.action === 'suspend' && state.suspended) return { type: 'already-suspended', message: 'already suspended (or its suspension is queued)' };
  if (req.action === 'restore' && !state.suspended) return { type: 'not-suspended', message: 'not suspended (or its restore is queued)' };
  return undefined;
}
