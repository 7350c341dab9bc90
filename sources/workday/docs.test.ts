import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKDAY_BUSINESS_PROCESS_TYPES, WorkdayEvent } from './contract';
import { normalizeWorkday } from './normalize';
import { signWorkday } from './signature';

/** docs/workday-contract.md stays true: its examples parse and become what it says. */
const DOC = readFileSync(new URL('../../docs/workday-contract.md', import.meta.url), 'utf8');
const examples = [...DOC.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => WorkdayEvent.parse(JSON.parse(m[1] as string)));

function normalized(example: WorkdayEvent) {
  const r = normalizeWorkday({ tenant: 'acme', event: example, defaultTimeZone: 'America/Los_Angeles' });
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

describe('docs/workday-contract.md', () => {
  it('shows a hire that becomes the joiner it describes', () => {
    const hire = normalized(examples[0] as WorkdayEvent);
    expect(hire).toMatchObject({ type: 'jml.joiner', subject: 'workday:acme:21001', id: 'workday-acme-3aa5550b7fe348b98d7b5741afc65534', data: { effectiveAt: '2026-03-02T00:00:00Z', enteredAt: '2026-02-10T17:15:00Z', person: { status: 'pre-hire' } } });
    expect(DOC).toContain('`workday-acme-3aa5550b7fe348b98d7b5741afc65534-rescind`');
    expect(normalized({ ...(examples[0] as WorkdayEvent), Is_Rescind: true }).id).toBe('workday-acme-3aa5550b7fe348b98d7b5741afc65534-rescind');
  });

  it('shows a termination that becomes the leaver it describes', () => {
    expect(examples).toHaveLength(2);
    expect(normalized(examples[1] as WorkdayEvent)).toMatchObject({ type: 'jml.leaver', data: { effectiveAt: '2026-06-27T00:00:00+02:00' } });
  });

  it('quotes a signature vector the code reproduces', () => {
    const body = readFileSync(new URL('./signature.test.ts', import.meta.url), 'utf8').match(/const HIRE =\s*'([^']+)'/)?.[1];
    expect(body).toBeDefined();
    const { 'x-jml-signature': signature } = signWorkday({ secret: 'wd_shared_7f3a9c1e5b', body: body as string, timestampSec: 1_770_743_700 });
    expect(DOC).toContain(signature.slice('sha256='.length));
  });

  it('names every business process type the contract accepts', () => {
    for (const bp of WORKDAY_BUSINESS_PROCESS_TYPES) expect(DOC).toContain(`\`${bp}\``);
  });
});
