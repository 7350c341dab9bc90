import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { AnyConnector } from '../../connectors/sdk';
import { definitionProblems } from '../../connectors/sdk';
import { compileAppMapping, formatMappingIssue, MappingConfigError, type AppMapping } from '../mapping';
import { resolveSecret } from '../secrets';
import type { AppInstance } from './app';
import type { StepRetry } from '../../schemas/contracts';
import { durationMs } from './duration';
import { PolicyFile } from './schema';

/** An app ready to run: its connector, parsed settings, resolved secrets, compiled mapping. */
export interface LoadedApp extends AppInstance {
  mapping?: AppMapping;
  leaver: PolicyFile['apps'][string]['leaver'];
  /** `leaver.deleteAfter` in milliseconds; absent means disable only. */
  deleteAfterMs?: number;
  /** `preStart` in milliseconds; absent means the account is created at the start. */
  preStartMs?: number;
  /** Interval of the app's reconciliation schedule (`reconcile.every`); absent means on demand only. */
  reconcileEveryMs?: number;
  /** `reconcile.fix`: scheduled runs fix what they find. */
  reconcileFix?: boolean;
  /** `reconcile.adopt`: a fix may claim an existing account the pipeline did not make. */
  reconcileAdopt?: boolean;
  /** `unused.after` in milliseconds: reconciliation reports accounts not used for this long. */
  unusedAfterMs?: number;
  /** `unused.disable`: a reconciliation fix disables unused accounts. */
  unusedDisable?: boolean;
  /** The app's step retry policy, durations in milliseconds. */
  retry?: StepRetry;
}

export interface LoadedPolicy {
  file: PolicyFile;
  apps: ReadonlyMap<string, LoadedApp>;
  /** `massChangeGuard` with its window in milliseconds. */
  guard?: { max: number; windowMs: number };
}

export class PolicyError extends Error {
  readonly code = 'POLICY_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid policy:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PolicyError';
  }
}

/**
 * Parses and checks a policy: schema, then every cross-reference (unknown connectors, settings the
 * connector rejects, missing or undeclared secrets, mappings that do not compile, rules naming apps
 * that do not exist). Throws one {@link PolicyError} listing every problem; never returns half a policy.
 */
export function loadPolicy(req: {
  text: string;
  /** For messages, and to pick YAML or JSON by extension. */
  source: string;
  env: NodeJS.ProcessEnv;
  connectors: Readonly<Record<string, () => AnyConnector>>;
}): LoadedPolicy {
  let raw: unknown;
  try {
    raw = req.source.endsWith('.json') ? JSON.parse(req.text) : parseYaml(req.text);
  } catch (err) {
    throw new PolicyError([`${req.source}: not valid ${req.source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
  const parsed = PolicyFile.safeParse(raw);
  if (!parsed.success) throw new PolicyError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const file = parsed.data;
  const problems: string[] = [];
  const apps = new Map<string, LoadedApp>();
  const connectorInstances = new Map<string, AnyConnector>();

  for (const [appId, app] of Object.entries(file.apps)) {
    const create = Object.hasOwn(req.connectors, app.connector) ? req.connectors[app.connector] : undefined;
    if (!create) {
      problems.push(`apps.${appId}.connector: unknown connector '${app.connector}' (known: ${Object.keys(req.connectors).join(', ')})`);
      continue;
    }
    let connector = connectorInstances.get(app.connector);
    if (!connector) {
      connector = create();
      connectorInstances.set(app.connector, connector);
      for (const p of definitionProblems(connector)) problems.push(`connector ${app.connector}: ${p}`);
    }
    const settings = connector.config.safeParse(app.settings ?? {});
    if (!settings.success) for (const i of settings.error.issues) problems.push(`apps.${appId}.settings.${i.path.join('.')}: ${i.message}`);
    const secrets: Record<string, string> = {};
    for (const name of connector.secrets) {
      const ref = app.secrets[name];
      if (!ref) {
        problems.push(`apps.${appId}.secrets.${name}: required by connector ${app.connector}`);
        continue;
      }
      const resolved = resolveSecret(ref, req.env);
      if ('error' in resolved) problems.push(`apps.${appId}.secrets.${name}: ${resolved.error}`);
      else secrets[name] = resolved.value;
    }
    for (const name of Object.keys(app.secrets)) {
      if (!connector.secrets.includes(name)) problems.push(`apps.${appId}.secrets.${name}: connector ${app.connector} has no such secret`);
    }
    let mapping: AppMapping | undefined;
    if (app.mapping) {
      try {
        mapping = compileAppMapping({ appId, config: app.mapping });
        if (mapping.unique.length > 0 && !(connector.capabilities as readonly string[]).includes('unique.check')) {
          problems.push(
            `apps.${appId}.mapping: unique attributes (${mapping.unique.map((u) => u.name).join(', ')}) need a connector that can check values; ${app.connector} lacks 'unique.check'`,
          );
        }
      } catch (err) {
        if (err instanceof MappingConfigError) for (const issue of err.issues) problems.push(`apps.${appId}.mapping: ${formatMappingIssue(issue)}`);
        else throw err;
      }
    }
    const deleteAfterMs = app.leaver.deleteAfter === undefined ? undefined : durationOrProblem(app.leaver.deleteAfter, `apps.${appId}.leaver.deleteAfter`, problems);
    const preStartMs = app.preStart === undefined ? undefined : durationOrProblem(app.preStart, `apps.${appId}.preStart`, problems);
    const reconcileEveryMs = app.reconcile?.every === undefined ? undefined : durationOrProblem(app.reconcile.every, `apps.${appId}.reconcile.every`, problems);
    if (app.reconcile?.fix === true && app.reconcile.every === undefined) problems.push(`apps.${appId}.reconcile.fix: needs reconcile.every (the schedule whose runs fix); on demand, use jml reconcile --fix`);
    if (reconcileEveryMs !== undefined && reconcileEveryMs < 60_000) problems.push(`apps.${appId}.reconcile.every: ${app.reconcile?.every} is less than a minute; reconciling lists every account of the app`);
    if (app.reconcile && !(connector.capabilities as readonly string[]).includes('accounts.list')) {
      problems.push(`apps.${appId}.reconcile: the ${app.connector} connector cannot list accounts (capability accounts.list)`);
    }
    const before = problems.length;
    const unusedAfterMs = app.unused === undefined ? undefined : durationOrProblem(app.unused.after, `apps.${appId}.unused.after`, problems);
    if (unusedAfterMs === 0 && problems.length === before) problems.push(`apps.${appId}.unused.after: must be longer than zero`);
    if (app.unused && !(connector.capabilities as readonly string[]).includes('accounts.list')) {
      problems.push(`apps.${appId}.unused: the ${app.connector} connector cannot list accounts (capability accounts.list)`);
    }
    if (app.leaver.revokeCredentials === true && !(connector.capabilities as readonly string[]).includes('credentials.revoke')) {
      problems.push(`apps.${appId}.leaver.revokeCredentials: the ${app.connector} connector cannot revoke credentials (capability credentials.revoke)`);
    }
    const retry = app.retry
      ? {
          ...(app.retry.maximumAttempts !== undefined ? { maximumAttempts: app.retry.maximumAttempts } : {}),
          ...(app.retry.initialInterval ? { initialIntervalMs: durationOrProblem(app.retry.initialInterval, `apps.${appId}.retry.initialInterval`, problems) } : {}),
          ...(app.retry.maximumInterval ? { maximumIntervalMs: durationOrProblem(app.retry.maximumInterval, `apps.${appId}.retry.maximumInterval`, problems) } : {}),
        }
      : undefined;
    if (settings.success) {
      const unreachable = unreachableProblem(connector, settings.data);
      if (unreachable) problems.push(`apps.${appId}: ${unreachable}`);
    }
    if (settings.success) {
      apps.set(appId, {
        appId,
        connector,
        config: settings.data,
        secrets,
        ...(mapping ? { mapping } : {}),
        leaver: app.leaver,
        ...(deleteAfterMs !== undefined ? { deleteAfterMs } : {}),
        ...(preStartMs !== undefined ? { preStartMs } : {}),
        ...(reconcileEveryMs !== undefined ? { reconcileEveryMs } : {}),
        ...(app.reconcile?.fix === true ? { reconcileFix: true } : {}),
        ...(app.reconcile?.adopt === true ? { reconcileAdopt: true } : {}),
        ...(unusedAfterMs !== undefined ? { unusedAfterMs } : {}),
        ...(app.unused?.disable === true ? { unusedDisable: true } : {}),
        ...(retry ? { retry } : {}),
        ...rateLimitOf(app.rateLimit ?? connector.rateLimitFor?.(settings.data)),
      });
    }
  }

  const known = new Set(Object.keys(file.apps));
  file.rules.forEach((rule, i) => {
    for (const app of Object.keys(rule.grant)) if (!known.has(app)) problems.push(`rules[${i}] (${rule.name}): grants unknown app '${app}'`);
  });
  file.deny.forEach((rule, i) => {
    for (const app of rule.apps) if (!known.has(app)) problems.push(`deny[${i}] (${rule.name}): names unknown app '${app}'`);
  });
  for (const [personKey, o] of Object.entries(file.overrides)) {
    for (const app of [...Object.keys(o.grant), ...o.deny]) if (!known.has(app)) problems.push(`overrides.${personKey}: names unknown app '${app}'`);
  }
  const guard = file.massChangeGuard ? { max: file.massChangeGuard.max, windowMs: durationOrProblem(file.massChangeGuard.window, 'massChangeGuard.window', problems) } : undefined;
  if (problems.length > 0) throw new PolicyError(problems);
  return { file, apps, ...(guard ? { guard } : {}) };
}

/** Reads and loads the policy file at `path`. */
export function loadPolicyFile(req: { path: string; env: NodeJS.ProcessEnv; connectors: Readonly<Record<string, () => AnyConnector>> }): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(req.path, 'utf8');
  } catch (err) {
    throw new PolicyError([`${req.path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return loadPolicy({ text, source: req.path, env: req.env, connectors: req.connectors });
}

/**
 * Why no step could ever find an account in an app, or undefined when it can: every step (a leaver's
 * disable above all) must locate the person's account from what the workflow holds, the person key
 * and the externalRef a step returned. Refused: a connector that under these settings finds nothing
 * (`none`), or one that finds accounts only by the ref createAccount returns (`created-ref`) but
 * cannot create, so no step ever yields that ref.
 */
function unreachableProblem(connector: AnyConnector, config: unknown): string | undefined {
  const location = connector.locateBy?.(config) ?? 'person-key';
  if (location === 'none') {
    return `connector ${connector.id} cannot find accounts with these settings (no lookup by person, no externalRef from createAccount): a leaver could never reach this app`;
  }
  if (location === 'created-ref' && !(connector.capabilities as readonly string[]).includes('account.create')) {
    return `connector ${connector.id} finds accounts only by the externalRef createAccount returns, but cannot create accounts ('account.create'): a leaver could never reach this app`;
  }
  return undefined;
}

function durationOrProblem(iso: string, path: string, problems: string[]): number {
  try {
    return durationMs(iso);
  } catch (err) {
    problems.push(`${path}: ${(err as Error).message}`);
    return 0;
  }
}

const rateLimitOf = (limit: { perSecond: number; burst: number } | undefined) => (limit ? { rateLimit: limit } : {});
