import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { AppAttributes, OperationName } from '../../connectors/sdk';

/**
 * Plans are data: what the workflow will do to which app, in order. They are computed in an activity
 * (so a policy change never breaks replay) and stay in the workflow history, which answers
 * "why did Ada get this account?" from the Temporal UI.
 */
export interface PlannedStep {
  /** Mutating connector operation. */
  operation: Exclude<OperationName, 'readAccount' | 'listAccounts'>;
  /** Distinguishes two steps of the same operation in one app (e.g. two groups). */
  qualifier?: string;
  /** One line for the UI, e.g. `create account` or `add to team:eng`. */
  summary: string;
  attributes?: AppAttributes;
  entitlement?: string;
  enabled?: boolean;
}

export interface AppPlan {
  appId: string;
  steps: PlannedStep[];
}

export interface EventPlan {
  eventId: string;
  personKey: string;
  kind: string;
  apps: AppPlan[];
  /** The policy rules that granted, and the deny rules that removed, for "why does Ada have this?". */
  why?: { matchedRules: string[]; deniedBy: string[] };
}

/** Attributes every app receives until per-app mappings land. */
export function defaultAttributes(event: JmlEvent): AppAttributes {
  const p = event.data.person;
  return {
    userName: p.workEmail ?? `${p.givenName}.${p.familyName}`.toLowerCase(),
    displayName: `${p.preferredName ?? p.givenName} ${p.familyName}`,
    title: p.jobTitle ?? null,
    department: p.department ?? null,
    employeeNumber: p.employeeId,
  };
}

/**
 * The walking skeleton's plan: every configured app gets the same account lifecycle. The
 * orchestration issue replaces this with declarative policy (birthright rules, leaver policies).
 */
export function planForEveryApp(event: JmlEvent, appIds: readonly string[]): EventPlan {
  const attributes = defaultAttributes(event);
  const steps = ((): PlannedStep[] => {
    switch (event.type) {
      case 'jml.joiner':
        return [{ operation: 'createAccount', summary: 'create account', attributes, enabled: true }];
      case 'jml.rehire':
        return [
          { operation: 'createAccount', summary: 'create account', attributes, enabled: true },
          { operation: 'updateAccount', summary: 'update attributes', attributes },
          { operation: 'restoreAccount', summary: 'enable account' },
        ];
      case 'jml.mover':
      case 'jml.update':
        return [{ operation: 'updateAccount', summary: 'update attributes', attributes }];
      case 'jml.leaver':
      case 'jml.leave.start':
        return [{ operation: 'suspendAccount', summary: 'disable account' }];
      case 'jml.leave.end':
        return [{ operation: 'restoreAccount', summary: 'enable account' }];
    }
  })();
  return {
    eventId: event.id,
    personKey: event.subject,
    kind: event.type.slice('jml.'.length),
    apps: appIds.map((appId) => ({ appId, steps })),
  };
}
