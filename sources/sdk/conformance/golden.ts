import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnySource, GoldenContext } from '../define';

/** One golden delivery: the exact bytes, how they arrived, and the events they must become. */
export interface GoldenFixture {
  name: string;
  body: Buffer;
  context: GoldenContext;
  expected: unknown[];
}

/**
 * The source's golden fixtures: every `<name>.context.json` in `golden.dir` with its
 * `<name>.body.json` (or `.body.txt`, for form posts) and `<name>.expected.json`. Throws when a
 * fixture lacks a file: a half fixture proves nothing.
 */
export function goldenFixtures(source: AnySource): GoldenFixture[] {
  const dir = source.golden.dir;
  const files = readdirSync(dir);
  return files
    .filter((f) => f.endsWith('.context.json'))
    .map((f) => f.slice(0, -'.context.json'.length))
    .sort()
    .map((name) => {
      const bodyFile = files.find((f) => f === `${name}.body.json` || f === `${name}.body.txt`);
      if (!bodyFile) throw new Error(`golden fixture ${name} of ${source.id} has no body file`);
      if (!files.includes(`${name}.expected.json`)) throw new Error(`golden fixture ${name} of ${source.id} has no expected file`);
      return {
        name,
        body: readFileSync(join(dir, bodyFile)),
        context: JSON.parse(readFileSync(join(dir, `${name}.context.json`), 'utf8')) as GoldenContext,
        expected: JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as unknown[],
      };
    });
}
