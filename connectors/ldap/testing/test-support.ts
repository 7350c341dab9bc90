import { pino } from 'pino';
import type { ConnectorContext } from '../../sdk';
import type { PersonSnapshot } from '../../../schemas/jml-event.v1';
import { LdapConfig } from '../config';

/**
 * Test-only helpers for the LDAP connector's integration tests: contexts with a logger that
 * records every line (to prove what is and is not logged), and HR snapshots.
 */

export interface RecordingContext {
  ctx: ConnectorContext<LdapConfig>;
  /** Every log line written through ctx.log, as JSON text. */
  lines: string[];
  abort: AbortController;
}

export function recordingContext(input: { appId: string; config: unknown; bindPassword: string; operation?: string }): RecordingContext {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const abort = new AbortController();
  const config = LdapConfig.parse(input.config);
  return {
    lines,
    abort,
    ctx: {
      idempotencyKey: `test-event/${input.appId}/${input.operation ?? 'op'}`,
      appId: input.appId,
      signal: abort.signal,
      heartbeat: () => undefined,
      log,
      config,
      secrets: { bindPassword: input.bindPassword },
    },
  };
}

/** An active employee with the given names; other fields filled plausibly. */
export function snapshot(employeeId: string, givenName: string, familyName: string, extra: Partial<PersonSnapshot> = {}): PersonSnapshot {
  return {
    employeeId,
    workerType: 'employee',
    status: 'active',
    givenName,
    familyName,
    workEmail: `e${employeeId}@example.org`,
    jobTitle: 'Engineer',
    department: 'R&D',
    ...extra,
  };
}
