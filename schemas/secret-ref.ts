import { z } from 'zod';

/**
 * Secrets are configured by reference only: the name of an environment variable or the path of a
 * file (a mounted Kubernetes secret, say), never the value itself. Resolved by services/secrets.ts.
 */
export const SecretRef = z.union([z.strictObject({ env: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })]);
export type SecretRef = z.infer<typeof SecretRef>;
