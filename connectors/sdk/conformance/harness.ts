import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { PersonSnapshot } from '../../../schemas/jml-event.v1';
import type { AnyConnector, AppAttributes, ConnectorContext } from '../types';
import type { AttributesFor, ConformanceTarget } from './target';

/**
 * Everything a scenario needs: contexts built like the worker's activity builds them, people with
 * fresh keys, and one in-memory log of everything every scenario logged.
 */
export interface Harness {
  connector: AnyConnector;
  target: ConformanceTarget;
  /** The target's config after the connector's schema parsed it. */
  config: unknown;
  /** The target's secrets plus the kit's canary. */
  secrets: Readonly<Record<string, string>>;
  logs: LogCapture;
  /** Counts heartbeats the connector sent (any number is fine; the kit only records them). */
  heartbeats: { count: number };
  /** Every error an operation threw during the run, for the secrets scenario. */
  thrown: unknown[];
  context(req: { operation: string; signal?: AbortSignal }): ConnectorContext;
  newPerson(): TestPerson;
  attributesFor: AttributesFor;
}

export interface TestPerson {
  personKey: string;
  person: PersonSnapshot;
}

/** A pino logger at `trace` writing into memory, without redaction: the kit must see what a connector would leak. */
export interface LogCapture {
  logger: Logger;
  text(): string;
  lineCount(): number;
}

export function createLogCapture(): LogCapture {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  // pino.destination would buffer; a plain Writable is synchronous enough for assertions.
  const logger = pino({ level: 'trace', base: { kit: 'conformance' } }, sink);
  return { logger, text: () => lines.join(''), lineCount: () => lines.length };
}

/** Name of the secret the kit adds to every context, to catch connectors that log `ctx.secrets` wholesale. */
export const CANARY_SECRET = '__conformanceCanary';

/** Builds the harness of one run: a fresh run id keeps people and event ids apart between runs. */
export function createHarness(req: { connector: AnyConnector; target: ConformanceTarget; config: unknown }): Harness {
  const runId = randomBytes(4).toString('hex');
  const secrets = Object.freeze({ ...req.target.secrets, [CANARY_SECRET]: `canary-${randomBytes(12).toString('hex')}` });
  const logs = createLogCapture();
  const heartbeats = { count: 0 };
  let events = 0;
  let people = 0;
  const appId = req.target.appId;

  return {
    connector: req.connector,
    target: req.target,
    config: req.config,
    secrets,
    logs,
    heartbeats,
    thrown: [],
    context({ operation, signal }) {
      events += 1;
      const eventId = `conformance-${runId}-${events}`;
      return {
        idempotencyKey: `${eventId}/${appId}/${operation}`,
        appId,
        signal: signal ?? new AbortController().signal,
        heartbeat: () => {
          heartbeats.count += 1;
        },
        log: logs.logger.child({ eventId, appId, operation }),
        config: req.config,
        secrets,
      };
    },
    newPerson() {
      people += 1;
      const employeeId = `${runId}-${people}`;
      return {
        personKey: `conformance:${employeeId}`,
        person: {
          employeeId,
          workerType: 'employee',
          status: 'active',
          givenName: 'Ada',
          familyName: `Lovelace ${people}`,
          workEmail: `ada.${employeeId}@example.com`,
          jobTitle: 'Engineer',
          department: 'Research',
        },
      };
    },
    attributesFor: req.target.attributesFor ?? defaultAttributesFor,
  };
}

/** The same attribute names the walking skeleton's plan maps (`defaultAttributes` in services/policy/plan.ts). */
export const defaultAttributesFor: AttributesFor = ({ person, variant }): AppAttributes => ({
  userName: person.workEmail ?? `${person.givenName}.${person.familyName}`,
  displayName: `${person.preferredName ?? person.givenName} ${person.familyName}`,
  title: variant === 'joiner' ? 'Engineer' : 'Staff Engineer',
  department: variant === 'joiner' ? 'Research' : 'Platform',
  employeeNumber: person.employeeId,
});
