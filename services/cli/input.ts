import { readFile } from 'node:fs/promises';
import { JmlEvent } from '../../schemas/jml-event.v1';
import { usageError } from './exit-codes';

/** A file named on the command line; a missing or unreadable one is a usage error (exit 2). */
export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw usageError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The JSON in a file named on the command line; not JSON is a usage error. */
export async function readJsonFile(path: string): Promise<{ raw: Buffer; value: unknown }> {
  const raw = await readInputFile(path);
  try {
    return { raw, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (err) {
    throw usageError(`${path} is not JSON: ${(err as Error).message}`);
  }
}

/** A JmlEvent v1 from a file; every schema issue is listed in the usage error. */
export async function readEventFile(path: string): Promise<JmlEvent> {
  const { value } = await readJsonFile(path);
  const parsed = JmlEvent.safeParse(value);
  if (!parsed.success) throw usageError(`${path} is not a valid JmlEvent v1: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
