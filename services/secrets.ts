import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Secrets are configured by reference only: the name of an environment variable or the path of a
 * file (a mounted Kubernetes secret, say), never the value itself.
 */
export const SecretRef = z.union([z.strictObject({ env: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })]);
export type SecretRef = z.infer<typeof SecretRef>;

/** Resolves a reference; returns an error message instead of throwing so config can list every problem. */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv): { value: string } | { error: string } {
  if ('env' in ref) {
    const value = env[ref.env];
    return value && value.length > 0 ? { value } : { error: `environment variable ${ref.env} is not set` };
  }
  try {
    const value = readFileSync(ref.file, 'utf8').trim();
    return value.length > 0 ? { value } : { error: `secret file ${ref.file} is empty` };
  } catch (err) {
    return { error: `secret file ${ref.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
}
