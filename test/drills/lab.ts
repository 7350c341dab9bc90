import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino } from 'pino';
import { accountKey, effectsKey } from '../../connectors/dev-redis';
import { freePort } from '../../infra/stack/process';
import type { StackEndpoints } from '../../infra/stack/stack';
import { eventWorkflowId, personStateQuery, personWorkflowId, type EventOutcome } from '../../schemas/contracts';
import type { JmlEvent } from '../../schemas/jml-event.v1';
import { loadConfig } from '../../services/config';
import { openDlq, type LetterLine } from '../../services/dlq';
import { ensureTopics, TOPICS } from '../../services/kafka/topics';
import { temporalDataConverter } from '../../services/temporal/data-converter';
import { postSigned } from '../support/canonical-client';
import { runCli } from '../support/cli-process';
import { positionDispatcherAtEnd } from '../support/kafka';
import { startRoleProcess, type RoleProcess } from '../support/role-process';
import type { Invariant } from './types';

export type Role = 'gateway' | 'dispatcher' | 'worker';

/** The hand-made ledger account every drill seeds (not a person key, so reconciliation calls it unmanaged). */
const UNMANAGED_REF = 'hand made';
const UNMANAGED_FIELDS: Record<string, string> = { enabled: '1', attributes: '{"note":"made by hand, not by the pipeline"}' };

/** What became of an event answered 2xx, as the person workflow and its event workflow tell. */
export type Terminal = 'applied' | 'needs-attention' | 'superseded' | 'duplicate' | 'handled' | 'pending';

/**
 * One drill's corner of the stack: the built roles as separate processes with explicit production
 * configuration, its own task queue, dispatcher group (positioned at the topics' end), person keys
 * and a dev-redis app (`ledger`) whose effects log records every real change with the event id that
 * made it, which is how drills count effects and duplicates.
 */
export class Scenario {
  readonly accepted = new Map<string, JmlEvent>();
  /** Events accepted by senders other than {@link send} (the fuzzer): followed to their outcome too. */
  readonly tracked = new Map<string, { id: string; subject: string }>();
  /** Answers the gateway gave, by status (connection errors under 0). */
  readonly answers = new Map<number, number>();
  /** Every answer in order: when it came and its status (connection errors as -1). */
  readonly timeline: Array<{ at: number; status: number }> = [];
  /** When the scenario opened (dead letters and answers after it are the drill's). */
  readonly openedAt = Date.now();
  private readonly processes = new Map<Role, RoleProcess>();
  private seq = 0;

  private constructor(
    readonly name: string,
    readonly run: string,
    readonly env: Record<string, string>,
    private readonly entry: string,
    readonly temporal: Client,
    private readonly redis: Redis,
    private readonly admin: Admin,
    private readonly prefix: string,
    private readonly dir: string,
    readonly secret: string,
  ) {}

  /** The drill's temporary folder (policy, keys; removed on close). */
  get folder(): string {
    return this.dir;
  }

  /**
   * - `policyExtra`: more `apps:` entries (indented two spaces), e.g. a SCIM app behind a fault proxy;
   * - `grantExtra`: more grants of the `everyone` rule beside the ledger, e.g. `scim: []`;
   * - `policyTail`: top-level policy keys after the rules (e.g. `massChangeGuard: …`);
   * - `ledgerRedisUrl`: where the ledger app keeps its state (default: the pipeline's Redis), so a
   *   drill that stops the pipeline's Redis still has an app to count effects in;
   * - `env`: more (or overridden) environment for every role.
   */
  static async open(opts: {
    name: string;
    endpoints: StackEndpoints;
    entry: string;
    policyExtra?: string;
    grantExtra?: string;
    policyTail?: string;
    /** More keys of the ledger app's entry, after its settings (e.g. `, leaver: { deleteAfter: PT10S }`). */
    ledgerExtra?: string;
    ledgerRedisUrl?: string;
    env?: Record<string, string>;
  }): Promise<Scenario> {
    const run = `${opts.name}-${Date.now().toString(36)}`;
    const dir = await mkdtemp(join(tmpdir(), `jml-drill-${opts.name}-`));
    const prefix = `jml:drill:${run}`;
    const policy = join(dir, 'policy.yaml');
    const ledgerRedisUrl = opts.ledgerRedisUrl ?? opts.endpoints.redisUrl;
    await writeFile(
      policy,
      `version: 1
apps:
  ledger: { connector: dev-redis, settings: { url: "${ledgerRedisUrl}", keyPrefix: "${prefix}" }${opts.ledgerExtra ?? ''} }
${opts.policyExtra ?? ''}rules:
  - { name: everyone, when: { workerType: employee }, grant: { ledger: []${opts.grantExtra ? `, ${opts.grantExtra}` : ''} } }
${opts.policyTail ?? ''}`,
    );
    const codecKeyFile = join(dir, 'codec-key');
    await writeFile(codecKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const group = `drill-${run}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      KAFKA_BROKERS: opts.endpoints.kafkaBrokers,
      TEMPORAL_ADDRESS: opts.endpoints.temporalAddress,
      REDIS_URL: opts.endpoints.redisUrl,
      KAFKA_REPLICATION_FACTOR: '1',
      KAFKA_MIN_INSYNC_REPLICAS: '1',
      TEMPORAL_TASK_QUEUE: `drill-${run}`,
      JML_DISPATCHER_GROUP: group,
      JML_CANONICAL_SECRET: secret,
      JML_CODEC_KEYS: JSON.stringify([{ id: `drill-${run}`, key: { file: codecKeyFile } }]),
      JML_CONFIG_FILE: policy,
      GATEWAY_PORT: String(await freePort()),
      JML_OPS_HOST: '127.0.0.1',
      JML_OPS_PORT: '0',
      JML_TEMPORAL_METRICS_PORT: '0',
      JML_SHUTDOWN_DEADLINE_MS: '10000',
      // Info: each role logs `running` when it has started (what start() waits for).
      LOG_LEVEL: 'info',
      ...opts.env,
    };
    const admin = new Kafka({ clientId: `drill-${run}`, brokers: opts.endpoints.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    // A fresh stack has no topics yet (the roles create them as they start); the group must start at their end.
    await ensureTopics(admin, loadConfig(env).kafka.topics);
    await positionDispatcherAtEnd(admin, group, TOPICS);
    // An account the pipeline did not make (no person key: `hand made`), seeded before anything runs:
    // every drill checks that it is still there, as it was.
    const ledger = new Redis(ledgerRedisUrl);
    // A drill may stop this Redis on purpose; commands then fail and are retried by the caller.
    ledger.on('error', () => undefined);
    await ledger.hset(accountKey({ keyPrefix: prefix }, 'ledger', UNMANAGED_REF), UNMANAGED_FIELDS);
    const connection = await Connection.connect({ address: opts.endpoints.temporalAddress });
    const temporal = new Client({ connection, dataConverter: temporalDataConverter(loadConfig(env).codec) });
    return new Scenario(opts.name, run, env, opts.entry, temporal, ledger, admin, prefix, dir, secret);
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.env.GATEWAY_PORT}`;
  }

  async start(role: Role): Promise<RoleProcess> {
    const p = startRoleProcess({ entry: this.entry, role, env: this.env });
    this.processes.set(role, p);
    await p.ready;
    return p;
  }

  /** kill -9 (or another signal) of a role's process; resolves once it is gone. */
  async kill(role: Role, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.processes.get(role);
    if (!p) throw new Error(`${role} is not running`);
    p.child.kill(signal);
    await p.exited;
  }

  /** The last lines each role wrote, for failure messages. */
  output(): string {
    return [...this.processes].map(([role, p]) => `--- ${role}\n${p.output().split('\n').slice(-15).join('\n')}`).join('\n');
  }

  /** Whether the role's process (as last started) is still running. */
  alive(role: Role): boolean {
    const p = this.processes.get(role);
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  pid(role: Role): number | undefined {
    return this.processes.get(role)?.child.pid;
  }

  /** A person key of this drill (business-like ids; no random UUIDs). */
  person(): string {
    return `drill:${this.run}-${++this.seq}`;
  }

  /**
   * Posts a signed delivery as an HR system does: a 5xx or a connection error is retried with the
   * same webhook id (up to `attempts`); a 2xx marks the event accepted.
   */
  async send(event: JmlEvent, opts: { attempts?: number; webhookId?: string } = {}): Promise<number> {
    const attempts = opts.attempts ?? 30;
    for (let i = 1; ; i += 1) {
      let status: number;
      try {
        status = (await postSigned({ url: this.gatewayUrl, secret: this.secret, body: event, webhookId: opts.webhookId ?? `wh-${event.id}` })).status;
      } catch {
        status = -1;
      }
      this.answers.set(status, (this.answers.get(status) ?? 0) + 1);
      this.timeline.push({ at: Date.now(), status });
      if (status >= 200 && status < 300) {
        this.accepted.set(event.id, event);
        return status;
      }
      if ((status >= 0 && status < 500) || i >= attempts) return status;
      await sleep(Math.min(2_000, 100 * i));
    }
  }

  /**
   * Sends at a steady rate, as a queue of HR deliveries would arrive: each delivery starts on its
   * slot and retries on its own, so deliveries are in flight whenever a fault strikes.
   */
  async sendPaced(events: readonly JmlEvent[], perSecond: number): Promise<void> {
    const started = Date.now();
    await Promise.all(
      events.map(async (e, i) => {
        await sleep(Math.max(0, started + (i * 1000) / perSecond - Date.now()));
        await this.send(e);
      }),
    );
  }

  /** Waits until the ledger shows at least `count` effects (the moment to strike a fault). */
  async waitForEffects(count: number, timeoutMs = 90_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      const seen = (await this.effects()).size;
      if (seen >= count) return seen;
      if (Date.now() - started > timeoutMs) throw new Error(`no progress before the fault: ${seen}/${count} effects, answers ${JSON.stringify([...this.answers])}\n${this.output()}`);
      await sleep(50);
    }
  }

  /** Answers the sender got, as a short figure ("202×40 503×3 refused×2"). */
  answerSummary(): string {
    return [...this.answers].sort(([a], [b]) => a - b).map(([k, n]) => `${k < 0 ? 'refused' : k}×${n}`).join(' ');
  }

  /** Where each accepted event stands. */
  async terminals(): Promise<Map<string, Terminal>> {
    const out = new Map<string, Terminal>();
    const states = new Map<string, Awaited<ReturnType<typeof this.personState>>>();
    let delivered: boolean | undefined;
    for (const event of [...this.accepted.values(), ...this.tracked.values()]) {
      const handle = this.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
      let terminal: Terminal = 'pending';
      try {
        const d = await handle.describe();
        if (d.status.name === 'COMPLETED') terminal = d.searchAttributes?.NeedsAttention?.[0] === true ? 'needs-attention' : 'applied';
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        if (!states.has(event.subject)) states.set(event.subject, await this.personState(event.subject));
        const state = states.get(event.subject);
        const seen = state?.recent.find((r) => r.eventId === event.id);
        if (seen?.status === 'superseded' || seen?.status === 'duplicate') terminal = seen.status;
        else if (state && !seen && state.currentEventId !== event.id && !state.pendingEventIds.includes(event.id)) {
          // Not in the person's bounded window of recent outcomes, not waiting, no child of its own:
          // taken without one (superseded or a duplicate) long enough ago to have left the window,
          // provided the dispatcher handed over everything it read (otherwise it is still coming) and
          // the person counts at least as many events handled as were accepted for them.
          delivered ??= (await this.dispatcherLag()) === 0;
          const accepted = [...this.accepted.values(), ...this.tracked.values()].filter((e) => e.subject === event.subject).length;
          // Applied or failed (processed), superseded, waiting or running: counters the person carries across runs.
          const accountedFor = state.processed + (state.superseded ?? 0) + state.pendingEventIds.length + (state.currentEventId ? 1 : 0);
          if (delivered && accountedFor >= accepted) terminal = 'handled';
        }
      }
      out.set(event.id, terminal);
    }
    return out;
  }

  /**
   * Why events are still pending, per person (for failure notes): how many the person workflow holds
   * pending, which one it is applying and how that child stands (status, attempts of its pending
   * activities, last failure). Ids and counts only.
   */
  async pendingStory(pending: readonly string[], limit = 4): Promise<string[]> {
    const bySubject = new Map<string, string[]>();
    for (const id of pending) {
      const e = this.accepted.get(id) ?? this.tracked.get(id);
      if (e) bySubject.set(e.subject, [...(bySubject.get(e.subject) ?? []), id]);
    }
    const lines: string[] = [];
    for (const [subject, ids] of [...bySubject].slice(0, limit)) {
      const state = await this.personState(subject);
      let child = '';
      if (state?.currentEventId) {
        try {
          const d = await this.temporal.workflow.getHandle(eventWorkflowId(subject, state.currentEventId)).describe();
          const raw = d.raw.pendingActivities ?? [];
          child = ` current ${state.currentEventId}: ${d.status.name}, ${raw.length} pending activities${raw.map((a) => ` [${a.activityType?.name} attempt ${a.attempt} ${a.lastFailure?.message?.slice(0, 120) ?? ''}]`).join('')}`;
        } catch (err) {
          child = ` current ${state.currentEventId}: ${(err as Error).message.slice(0, 80)}`;
        }
      }
      lines.push(`${subject}: ${ids.length} pending here; person holds ${state ? `${state.pendingEventIds.length} pending, processed ${state.processed}, superseded ${state.superseded ?? 0}` : 'no state (query failed)'}${child}`);
    }
    return lines;
  }

  /** Records of the events topics (both lanes) the drill's dispatcher group has not committed yet. */
  async dispatcherLag(): Promise<number> {
    let lag = 0;
    for (const [groupId, topic] of [
      [this.env.JML_DISPATCHER_GROUP as string, TOPICS.events],
      [`${this.env.JML_DISPATCHER_GROUP as string}.priority`, TOPICS.priority],
    ] as const) {
      const [ends, [committed]] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
      const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      lag += ends.reduce((sum, e) => sum + Math.max(0, Number(e.high) - Math.max(0, at.get(e.partition) ?? 0)), 0);
    }
    return lag;
  }

  private async personState(personKey: string) {
    try {
      return await this.temporal.workflow.getHandle(personWorkflowId(personKey)).query(personStateQuery);
    } catch {
      return undefined;
    }
  }

  /**
   * The results of the accepted events whose workflow completed (what each app's steps did). A step
   * the ledger `applied` must show in its effects log under the step's idempotency key; a step found
   * `already-in-state` changed nothing (another event, or an earlier attempt of this one, had).
   */
  async outcomes(): Promise<Map<string, EventOutcome>> {
    const out = new Map<string, EventOutcome>();
    for (const event of [...this.accepted.values(), ...this.tracked.values()]) {
      const handle = this.temporal.workflow.getHandle(eventWorkflowId(event.subject, event.id));
      try {
        if ((await handle.describe()).status.name === 'COMPLETED') out.set(event.id, (await handle.result()) as EventOutcome);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return out;
  }

  /** Waits until every accepted event is terminal; the time it took, or null at the deadline. */
  async converge(deadlineMs: number): Promise<number | null> {
    const started = Date.now();
    while (Date.now() - started < deadlineMs) {
      const t = await this.terminals();
      if ([...t.values()].every((s) => s !== 'pending')) return Date.now() - started;
      await sleep(500);
    }
    return null;
  }

  /** The ledger app's effects: idempotency key (`<eventId>/<app>/<operation>…`) → times applied. */
  async effects(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const line of await this.redis.lrange(effectsKey({ keyPrefix: this.prefix }, 'ledger'), 0, -1)) {
      const key = line.slice(0, line.lastIndexOf(' '));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** A person's account at the ledger app as stored (`enabled`, `attributes`); empty when there is none. */
  async ledgerAccount(personKey: string): Promise<Record<string, string>> {
    return this.redis.hgetall(accountKey({ keyPrefix: this.prefix }, 'ledger', personKey));
  }

  /** The hand-made account seeded at open, as it is now (an empty record when it was deleted). */
  async unmanagedAccount(): Promise<{ expected: Record<string, string>; now: Record<string, string> }> {
    return { expected: UNMANAGED_FIELDS, now: await this.redis.hgetall(accountKey({ keyPrefix: this.prefix }, 'ledger', UNMANAGED_REF)) };
  }

  /** The dead letters written since the scenario opened (on a private stack: the drill's), without bodies. */
  async deadLetters(): Promise<LetterLine[]> {
    const dlq = await openDlq({ config: loadConfig(this.env), endpoints: { kafkaBrokers: this.env.KAFKA_BROKERS as string, redisUrl: this.env.REDIS_URL as string }, log: pino({ level: 'silent' }) });
    try {
      return (await dlq.list({ sinceMs: this.openedAt })).letters;
    } finally {
      await dlq.close();
    }
  }

  /** `jml reconcile --check` as ops run it, with this drill's configuration: the convergence oracle. */
  async reconcileCheck(): Promise<Invariant> {
    const r = await runCli(['reconcile', '--check'], { env: { ...process.env, ...this.env, LOG_LEVEL: 'silent' }, cwd: process.cwd() });
    if (r.code === 0) return { name: 'jml reconcile --check passes', ok: true };
    // What the pipeline did with the events of the people it names (kinds and outcomes, no personal values).
    const named = new Set([...this.accepted.values(), ...this.tracked.values()].map((e) => e.subject).filter((subject) => r.stdout.includes(subject)));
    const outcomes = await this.outcomes();
    const terminals = await this.terminals();
    const story = [...named].slice(0, 4).map(
      (subject) =>
        `${subject}: ${[...this.accepted.values(), ...this.tracked.values()]
          .filter((e) => e.subject === subject)
          .map((e) => {
            const o = outcomes.get(e.id);
            return `${terminals.get(e.id)}${o ? ` ${o.kind} ${o.status} [${o.apps.map((a) => `${a.appId}:${a.status}${a.steps.length ? ` ${a.steps.map((st) => `${st.operation}=${st.outcome}`).join(',')}` : ''}`).join('; ')}]` : ''}`;
          })
          .join(' → ')}`,
    );
    return { name: 'jml reconcile --check passes', ok: false, detail: `exit ${r.code}: ${(r.stdout + r.stderr).trim().split('\n').slice(-4).join(' | ')}${story.length ? `\n      events: ${story.join('\n      ')}` : ''}` };
  }

  async close(): Promise<void> {
    for (const p of this.processes.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    this.redis.disconnect();
    await this.admin.disconnect().catch(() => undefined);
    await this.temporal.connection.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
