import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JmlEvent } from '../../schemas/jml-event.v1';
import { WORKDAY_BUSINESS_PROCESS_TYPES } from './contract';
import { normalizeWorkday } from './normalize';
import { parseWorkdayBody } from './payload';

/**
 * Golden fixtures: every `<name>.context.json` in golden/ has a sibling
 * `<name>.body.json` (the exact bytes the integration posts) and `<name>.expected.json` (the
 * JmlEvents it must produce), compared exactly. See the fixtures' README for what each shows.
 */
const DIR = join(import.meta.dirname, 'golden');
const files = readdirSync(DIR);
const names = (suffix: string) =>
  files
    .filter((f) => f.endsWith(suffix))
    .map((f) => f.slice(0, -suffix.length))
    .sort();
const cases = names('.context.json');

interface FixtureContext {
  contentType: string;
  tenant: string;
  defaultTimeZone: string;
}

function run(name: string) {
  const context = JSON.parse(readFileSync(join(DIR, `${name}.context.json`), 'utf8')) as FixtureContext;
  const parsed = parseWorkdayBody({ body: readFileSync(join(DIR, `${name}.body.json`)), contentType: context.contentType });
  if (!parsed.ok) throw new Error(`fixture ${name} does not parse: ${parsed.reason}`);
  const result = normalizeWorkday({ tenant: context.tenant, event: parsed.event, defaultTimeZone: context.defaultTimeZone });
  if (!result.ok) throw new Error(`fixture ${name}: ${result.reason}`);
  return { payload: parsed.event, event: result.event, warnings: result.warnings };
}

describe('workday golden fixtures', () => {
  it('has a body and an expected file for every context, and nothing else', () => {
    expect(cases.length).toBeGreaterThanOrEqual(17);
    expect(names('.body.json')).toEqual(cases);
    expect(names('.expected.json')).toEqual(cases);
    expect(files.filter((f) => !/\.(body|context|expected)\.json$/.test(f))).toEqual(['README.md']);
  });

  it.each(cases)('%s > normalizes to exactly the expected JmlEvents, without warnings', (name) => {
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as unknown[];
    const { event, warnings } = run(name);
    expect(expected.map((e) => JmlEvent.parse(e))).toStrictEqual(expected);
    expect([event]).toStrictEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('covers every business process type, rescinds, and every JML type a post can produce', () => {
    const all = cases.map(run);
    const processes = new Set(all.filter((c) => !c.payload.Is_Rescind).map((c) => c.payload.Business_Process_Type));
    expect([...processes].sort()).toEqual([...WORKDAY_BUSINESS_PROCESS_TYPES].sort());
    const rescinded = new Set(all.filter((c) => c.payload.Is_Rescind).map((c) => c.payload.Business_Process_Type));
    expect([...rescinded].sort()).toEqual(['Change Job', 'Hire Employee', 'Request Leave of Absence', 'Terminate Employee']);
    expect([...new Set(all.map((c) => c.event.type))].sort()).toEqual(['jml.joiner', 'jml.leave.end', 'jml.leave.start', 'jml.leaver', 'jml.mover', 'jml.rehire']);
    expect(all.some((c) => c.event.data.involuntary === true)).toBe(true);
    expect(all.some((c) => c.event.data.person.workerType === 'contractor')).toBe(true);
  });

  it('gives every fixture a distinct id, and the same id on every run', () => {
    const ids = cases.map((name) => run(name).event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(cases.map((name) => run(name).event.id)).toEqual(ids);
  });
});
