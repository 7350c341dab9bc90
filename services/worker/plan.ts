import type { EventPlan, HeldApp, PlanEventInput, PlannedStep } from '../../schemas/contracts';
import { defaultAttributes, deleteStep } from '../policy/plan';

/**
 * The development plan (no policy file): every configured app gets the same account lifecycle and
 * no entitlements. Leavers are disabled only; nothing is ever deleted.
 */
export function planForEveryApp(input: PlanEventInput, appIds: readonly string[]): EventPlan {
  const { event } = input;
  const attributes = defaultAttributes(event);
  const kind = event.type.slice('jml.'.length);
  const base = { eventId: event.id, personKey: event.subject, kind };
  if (input.mode === 'prestart') return { ...base, kind: 'prestart', apps: [] };
  if (input.mode === 'retention-delete') {
    return { ...base, kind: 'delete', apps: (input.appIds ?? []).map((appId) => ({ appId, steps: [deleteStep], target: { status: 'deleted', entitlements: [] } })) };
  }
  const [steps, status] = ((): [PlannedStep[], HeldApp['status']] => {
    switch (event.type) {
      case 'jml.joiner':
        return [[{ operation: 'createAccount', summary: 'create account', attributes, enabled: true }], 'active'];
      case 'jml.rehire':
        return [
          [
            { operation: 'createAccount', summary: 'create account', attributes, enabled: true },
            { operation: 'updateAccount', summary: 'update attributes', attributes },
            { operation: 'restoreAccount', summary: 'enable account' },
          ],
          'active',
        ];
      case 'jml.mover':
      case 'jml.update':
        return [[{ operation: 'updateAccount', summary: 'update attributes', attributes }], 'active'];
      case 'jml.leaver':
      case 'jml.leave.start':
        return [[{ operation: 'suspendAccount', summary: 'disable account' }], 'disabled'];
      case 'jml.leave.end':
        return [[{ operation: 'restoreAccount', summary: 'enable account' }], 'active'];
    }
  })();
  return { ...base, apps: appIds.map((appId) => ({ appId, steps, target: { status, entitlements: [] } })) };
}

