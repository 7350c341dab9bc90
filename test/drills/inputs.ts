import { WorkflowNotFoundError } from '@temporalio/client';
import { eventWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { DEFAULT_CANONICAL_TOLERANCE_SEC } from '../../sources/canonical';
import { startScimServer, type ScimServer } from '../harness/scim-server';
import { startSlapd, type SlapdInstance, slapdAppYaml } from '../harness/slapd';
import { sharedInvariants } from './check';
import { fuzzGateway, FUZZ_CLASSES, type FuzzReport } from './fuzz';
import { HOSTILE_MAPPINGS, hostileNamesReport, readBackHostileNames, sendHostileNames } from './hostile-names';
import { Scenario, sleep } from './lab';
import type { DrillContext, DrillOptions, DrillReport, Invariant } from './types';

/**
 * The webhook fuzzer (./fuzz.ts) against the whole pipeline: malformed, oversized, unsigned, stale,
 * replayed and random deliveries beside valid ones. Every answer must be the specified one with no 5xx
 * and no crash; each delivery the gateway records is a dead letter with its code and reason; and every
 * event it accepted goes through the dispatcher and the worker to an outcome like any other.
 */
export async function fuzzDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  const s = await Scenario.open({ name: 'fuzz', endpoints: ctx.endpoints, entry: ctx.entry });
  try {
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    const config = loadConfig(s.env);
    const started = Date.now();
    const reports: FuzzReport[] = [];
    // A fixed seed (the same cases every run) and a fresh one (new cases; its seed is printed: replay
    // it with JML_FUZZ_SEED=<seed>).
    const replay = process.env.JML_FUZZ_SEED ? Number(process.env.JML_FUZZ_SEED) : undefined;
    for (const [seed, cases] of [
      [1717, opts.short ? 300 : 2_000],
      [replay, opts.short ? 200 : 2_000],
    ] as const) {
      reports.push(
        await fuzzGateway({
          url: s.gatewayUrl,
          secret: s.secret,
          cases,
          ...(seed === undefined ? {} : { seed }),
          limits: { bodyLimitBytes: config.gateway.bodyLimitBytes, maxEventBytes: config.gateway.maxEventBytes, toleranceSec: DEFAULT_CANONICAL_TOLERANCE_SEC },
          say: opts.say,
          accepted: (id, _webhookId, subject) => s.tracked.set(id, { id, subject }),
        }),
      );
    }
    // The fuzz's recurring people (a few employee ids, many events each) are applied one event at a time.
    const converged = await s.converge(opts.short ? 180_000 : 600_000);
    const shared = await sharedInvariants(s);
    const ours = (key: string | undefined) => reports.some((r) => key?.startsWith(`${r.webhookIdPrefix}-`));
    const letters = (await s.deadLetters()).filter((l) => ours(l.key));
    const expectedLetters = reports.reduce((n, r) => n + r.deadLetters, 0);
    const violations = reports.flatMap((r) => r.violations.map((v) => `seed ${r.seed}: ${JSON.stringify(v).slice(0, 300)}`));
    const fiveXx = reports.reduce((n, r) => n + r.fiveXx, 0);
    const unexercised = FUZZ_CLASSES.filter((c) => reports.every((r) => (r.byClass[c]?.sent ?? 0) === 0));
    const invariants: Invariant[] = [
      ...shared.invariants,
      { name: 'every answer the specified one', ok: violations.length === 0, ...(violations.length ? { detail: violations.slice(0, 2).join(' | ') } : {}) },
      { name: 'no 5xx (no transient cause was injected)', ok: fiveXx === 0, detail: `${fiveXx}` },
      { name: 'every class of case exercised', ok: unexercised.length === 0, ...(unexercised.length ? { detail: unexercised.join(', ') } : {}) },
      { name: 'each recorded delivery is one dead letter', ok: letters.length === expectedLetters, detail: `${letters.length}/${expectedLetters}` },
      { name: 'the gateway process is still the one started', ok: s.alive('gateway') },
    ];
    return {
      drill: 'fuzz',
      faults: [`${reports.reduce((n, r) => n + r.cases, 0)} fuzzed deliveries (seeds ${reports.map((r) => r.seed).join(', ')})`],
      ...shared,
      invariants,
      convergeMs: invariants.every((i) => i.ok) && converged !== null ? Date.now() - started : null,
      measured: {
        'by class': FUZZ_CLASSES.map((c) => `${c}×${reports.reduce((n, r) => n + (r.byClass[c]?.sent ?? 0), 0)}`).join(' '),
        'events accepted': s.tracked.size,
        'dead letters': letters.length,
      },
      // What the roles logged, when an answer was not the specified one (no personal values are
      // logged); where events are still pending, what their people are doing.
      notes: [
        ...(violations.length || fiveXx ? [s.output()] : []),
        ...(await s.pendingStory([...(await s.terminals())].filter(([, t]) => t === 'pending').map(([id]) => id))),
      ],
    };
  } finally {
    await s.close();
  }
}

/**
 * Hostile names (./hostile-names.ts) as joiners, movers and leavers through a real slapd and a real
 * scim2-server, beside the ledger: every account read back holds exactly the mapping of the newest
 * name under a unique value; leavers disabled; the seeded bystanders untouched.
 */
export async function hostileNamesDrill(ctx: DrillContext, opts: DrillOptions): Promise<DrillReport> {
  let scim: ScimServer | undefined;
  let slapd: SlapdInstance | undefined;
  let s: Scenario | undefined;
  try {
    [scim, slapd] = await Promise.all([startScimServer(), startSlapd()]);
    s = await Scenario.open({
      name: 'hostile',
      endpoints: ctx.endpoints,
      entry: ctx.entry,
      // JSON is YAML: the mappings go in as the drill defines them.
      policyExtra: `  wiki:
    connector: scim
    settings: { baseUrl: "${scim.baseUrl}", profile: scim2-server }
    secrets: { bearerToken: { env: DRILL_SCIM_TOKEN } }
    mapping: ${JSON.stringify(HOSTILE_MAPPINGS.scim)}
  directory:
    connector: ldap
${slapdAppYaml(slapd, 'DRILL_LDAP_PASSWORD')}
    mapping: ${JSON.stringify(HOSTILE_MAPPINGS.ldap)}
`,
      grantExtra: 'wiki: [], directory: []',
      env: { DRILL_SCIM_TOKEN: scim.token, DRILL_LDAP_PASSWORD: slapd.bindPassword },
    });
    const scenario = s;
    await Promise.all([s.start('worker'), s.start('dispatcher'), s.start('gateway')]);
    const deliver = async (event: JmlEvent): Promise<{ status: string }> => {
      const status = await scenario.send(event);
      if (status !== 202) throw new Error(`gateway answered ${status} to event ${event.id}`);
      // The dispatcher starts the event's workflow a moment after the 2xx.
      const handle = scenario.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          return { status: ((await handle.result()) as EventOutcome).status };
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline) throw err;
          await sleep(200);
        }
      }
    };
    const targets = {
      ldap: { appId: 'directory', url: slapd.url, bindDn: slapd.bindDn, bindPassword: slapd.bindPassword, baseDn: slapd.baseDn, peopleDn: slapd.peopleDn, disabledDn: slapd.disabledDn },
      scim: { appId: 'wiki', baseUrl: scim.baseUrl, token: scim.token },
    };
    const started = Date.now();
    const sent = await sendHostileNames({ deliver, keyPrefix: `drill:${s.run}`, ...targets, say: opts.say });
    const result = await readBackHostileNames(targets, sent);
    const own = hostileNamesReport(result, Date.now() - started);
    const shared = await sharedInvariants(s);
    const invariants = [...own.invariants, ...shared.invariants];
    return { ...own, invariants, convergeMs: invariants.every((i) => i.ok) ? own.convergeMs : null, duplicated: own.duplicated + shared.duplicated, lost: own.lost + shared.lost };
  } finally {
    await s?.close();
    await Promise.all([scim?.stop(), slapd?.stop()]);
  }
}
