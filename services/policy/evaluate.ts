import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import type { PolicyFile } from './schema';

/** What a person should hold: app → entitlements. An app with an empty set means an account only. */
export type Entitlements = Map<string, Set<string>>;

/** Which rules decided it, for "why did Ada get GitHub?". */
export interface Decision {
  entitlements: Entitlements;
  matchedRules: string[];
  deniedBy: string[];
}

/**
 * Evaluates the policy for one person: every rule whose `when` matches grants; then deny rules and
 * per-person overrides remove apps; overrides add grants last. Pure and deterministic.
 */
export function decide(policy: Pick<PolicyFile, 'rules' | 'deny' | 'overrides'>, personKey: string, person: Partial<PersonSnapshot>): Decision {
  const entitlements: Entitlements = new Map();
  const matchedRules: string[] = [];
  const deniedBy: string[] = [];
  const add = (grant: Record<string, string[]>) => {
    for (const [app, list] of Object.entries(grant)) {
      const set = entitlements.get(app) ?? new Set<string>();
      for (const e of list) set.add(e);
      entitlements.set(app, set);
    }
  };
  for (const rule of policy.rules) {
    if (matches(rule.when, person)) {
      add(rule.grant);
      matchedRules.push(rule.name);
    }
  }
  for (const rule of policy.deny) {
    if (matches(rule.when, person)) {
      for (const app of rule.apps) entitlements.delete(app);
      deniedBy.push(rule.name);
    }
  }
  const override = Object.hasOwn(policy.overrides, personKey) ? policy.overrides[personKey] : undefined;
  if (override) {
    add(override.grant);
    for (const app of override.deny) entitlements.delete(app);
    if (Object.keys(override.grant).length > 0 || override.deny.length > 0) matchedRules.push(`override:${personKey}`);
  }
  return { entitlements, matchedRules, deniedBy };
}

/** True when every matcher matches the person's attribute (an absent attribute never matches). */
export function matches(when: Record<string, string | string[]>, person: Partial<PersonSnapshot>): boolean {
  return Object.entries(when).every(([field, matcher]) => {
    const value = attributeOf(person, field);
    if (value === undefined) return false;
    const patterns = Array.isArray(matcher) ? matcher : [matcher];
    return patterns.some((p) => globMatch(p, value));
  });
}

function attributeOf(person: Partial<PersonSnapshot>, field: string): string | undefined {
  const raw = field.startsWith('custom.') ? person.custom?.[field.slice('custom.'.length)] : (person as Record<string, unknown>)[field];
  if (raw === null || raw === undefined) return undefined;
  return String(raw);
}

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal; case-insensitive. */
export function globMatch(pattern: string, value: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'is');
    globCache.set(pattern, re);
  }
  return re.test(value);
}
