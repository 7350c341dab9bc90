import type { JmlEvent } from '../../schemas/jml-event.v1';
import type { AppAttributes, OperationName } from '../../connectors/sdk';

/**
 * Plans are data: what the workflow will do to which app, in order. They are computed in an activity
 * (so a policy change never breaks replay) and stay in the workflow history, which answers
 * "why did Ada get this account?" from the Temporal UI.
 */
export interface PlannedStep {
  /** Mutating connector operation. */
  operation: Exclude<OperationName, 'readAccount' | 'listAccounts' | 'checkUnique'>;
  /** Distinguishes two steps of the same operation in one app (e.g. two groups). */
  qualifier?: string;
  /** One line for the UI, e.g. `create account` or `add to team:eng`. */
  summary: string;
  attributes?: AppAttributes;
  entitlement?: string;
  enabled?: boolean;
  /**
   * What a release or an undo restores: the `before` of the step it reverses, passed back to the
   * connector unchanged (e.g. releaseAccount gets the adopting create's `before`).
   */
  before?: unknown;
}

/** What one app holds for the person once an event's steps there succeeded. */
export interface HeldApp {
  status: 'active' | 'disabled' | 'deleted';
  /** Entitlements the pipeline granted there and has not revoked, sorted. */
  entitlements: string[];
  /**
   * The app's own id of the person's account, as a step last reported it. Every later step gets it
   * (`AccountRef.externalRef`): apps that cannot search for an account find it only this way.
   */
  externalRef?: string;
  /**
   * The account was adopted (made by someone else, claimed by a joiner), with what the adoption
   * changed: it is released, never deleted, when the person's retention ends.
   */
  adopted?: { before?: unknown };
}

/** App id → what the person holds there, as the person workflow remembers it. */
export type HeldApps = Readonly<Record<string, HeldApp>>;

/** An app's retry policy for its steps (from the policy file); unset fields keep the defaults. */
export interface StepRetry {
  maximumAttempts?: number;
  initialIntervalMs?: number;
  maximumIntervalMs?: number;
}

export interface AppPlan {
  appId: string;
  steps: PlannedStep[];
  /** How this app's steps are retried; the workflow's defaults when absent. */
  retry?: StepRetry;
  /** The app's state once every step succeeded; the person workflow records it. */
  target?: HeldApp;
  /** Leavers: delete the account this long after the disable (the app's retention). */
  deleteAfterMs?: number;
}

/**
 * What the workflow plans:
 * - `apply`: the event itself (the default);
 * - `retention-delete`: the deletes a leaver scheduled, once the app's retention has passed;
 * - `prestart`: disabled accounts (with their groups) ahead of a future hire's start, in `appIds`.
 */
export type PlanMode = 'apply' | 'retention-delete' | 'prestart';

export interface PlanEventInput {
  event: JmlEvent;
  mode?: PlanMode;
  /** What the person holds today (from the person workflow); absent for the first event. */
  held?: HeldApps;
  /** `retention-delete`: the apps whose retention has passed; `prestart`: the apps to prepare. */
  appIds?: string[];
}

/** When to prepare which apps ahead of a future hire (epoch ms), from the apps' `preStart`. */
export interface PreStartSchedule {
  groups: Array<{ at: number; appIds: string[] }>;
}

/** Mass-change guard: more than `max` leaver/delete events inside `windowMs` are held for approval. */
export interface GuardPlan {
  max: number;
  windowMs: number;
}

export interface EventPlan {
  eventId: string;
  personKey: string;
  kind: string;
  apps: AppPlan[];
  /** The policy rules that granted, and the deny rules that removed, for "why does Ada have this?". */
  why?: { matchedRules: string[]; deniedBy: string[] };
  /** Present when the event counts against the mass-change guard (leavers and deletes). */
  guard?: GuardPlan;
  /**
   * Leavers: flag the event NeedsAttention when an app has still not accepted the disable after this
   * long (it keeps retrying). The workflow's default when absent.
   */
  attentionAfterMs?: number;
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

/** The step of a retention delete. */
export const deleteStep: PlannedStep = Object.freeze({ operation: 'deleteAccount', summary: 'delete account (retention ended)' });
