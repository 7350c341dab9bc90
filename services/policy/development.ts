import type { AppInstance } from './app';
import type { LoadedApp, LoadedPolicy } from './load';

/** The one rule of the development policy; plans name it in `why.matchedRules`. */
export const DEVELOPMENT_RULE = 'development: every configured app';

/**
 * The policy development mode runs when no policy file is configured (`JML_CONFIG_FILE` unset):
 * every configured app grants everyone an account and no entitlements; leavers are disabled and
 * never deleted; no mass-change guard, no pre-start, no retry overrides. It is planned by the one
 * planner (plan.ts) exactly as a policy file would be, so development and production follow the
 * same joiner, rehire, mover and leaver rules.
 */
export function developmentPolicy(apps: ReadonlyMap<string, AppInstance>): LoadedPolicy {
  const loaded = new Map<string, LoadedApp>([...apps].map(([appId, app]) => [appId, { ...app, leaver: {} }]));
  return {
    file: {
      version: 1,
      apps: Object.fromEntries([...apps].map(([appId, app]) => [appId, { connector: app.connector.id, settings: app.config, secrets: {}, leaver: {} }])),
      rules: [{ name: DEVELOPMENT_RULE, when: {}, grant: Object.fromEntries([...apps.keys()].map((appId) => [appId, []])) }],
      deny: [],
      overrides: {},
    },
    apps: loaded,
  };
}
