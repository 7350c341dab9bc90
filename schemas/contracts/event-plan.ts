import type { JmlEvent } from '../jml-event.v1';
import type { AppAttributes, MutatingOperationName } from './operations';
import type { ReconcileFixRequest } from './reconcile';

/**
 * Plans are data: what the workflow will do to which app, in order. They are computed in an activity
 * (so a policy change never breaks replay) and stay in the workflow history, which answers
 * "why did Ada get this account?" from the Temporal UI.
 */
export interface PlannedStep {
  /** Mutating connector operation. */
  operation: MutatingOperationName;
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
  /**
   * Compensating deletes only: when the create it undoes was first scheduled (epoch ms, workflow
   * time). An account the app says is older than that (less a clock margin), or that cannot say,
   * was there before the create ran, adopted by an attempt whose answer was lost: it is released,
   * never deleted (services/worker/origin.ts).
   */
  createdAfter?: number;
  /**
   * createAccount only: `false` forbids claiming an account the pipeline did not make (the create
   * fails as a conflict instead). Reconciliation fixes set it unless the app's `reconcile.adopt`
   * allows adoption; absent means the connector may adopt (joiners).
   */
  adopt?: boolean;
}

/** What one app holds for the person once an event's steps there succeeded. */
export interface AppHolding {
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
export type AppHoldings = Readonly<Record<string, AppHolding>>;

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
  target?: AppHolding;
  /** Leavers: delete the account this long after the disable (the app's retention). */
  deleteAfterMs?: number;
}

/**
 * What the workflow plans:
 * - `apply`: the event itself (the default);
 * - `retention-delete`: the deletes a leaver scheduled, once the app's retention has passed;
 * - `prestart`: disabled accounts (with their groups) ahead of a future hire's start, in `appIds`;
 * - `reconcile`: the fix of a reconciliation finding (`fix`) in one app, planned from the person's newest truth;
 * - `suspend`: an emergency suspension (`jml suspend`): disable in every app and end sessions, as a leaver does;
 * - `restore`: the end of one (`jml restore`): back what the suspension took ({@link SuspensionScope}), as HR now grants it.
 */
export type PlanMode = 'apply' | 'retention-delete' | 'prestart' | 'reconcile' | 'suspend' | 'restore';

/**
 * What a suspension found when it began, from the person workflow's holdings: the apps it took
 * (active before it) and the apps the person held without access (disabled: prepared ahead of a
 * start, on leave). While it lasts, plans only remove access; a restore gives back `took` and what
 * HR granted meanwhile, never an app of `inactive`.
 */
export interface SuspensionScope {
  took: string[];
  inactive: string[];
}

export interface PlanEventInput {
  event: JmlEvent;
  mode?: PlanMode;
  /** What the person holds today (from the person workflow); absent for the first event. */
  holdings?: AppHoldings;
  /** `retention-delete`: the apps whose retention has passed; `prestart`: the apps to prepare. */
  appIds?: string[];
  /** `reconcile`: the finding to fix. */
  fix?: ReconcileFixRequest;
  /** Set while the person is suspended (and for `restore`): what the suspension took. */
  suspended?: SuspensionScope;
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
  /** Why the plan does nothing, when a fix no longer applies (newer HR truth decided). */
  nothingBecause?: string;
}
