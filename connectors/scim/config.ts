import { z } from 'zod';
import { PROFILE_IDS } from './profiles';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** True for https, and for http on a loopback host; an unparseable URL is z.url()'s to report. */
function httpsOrLoopback(url: string): boolean {
  if (!URL.canParse(url)) return true;
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || LOOPBACK.test(hostname);
}

/** Attributes the connector may filter on to find an existing user (RFC 7644 §3.4.2.2, `eq` only). */
export const LOOKUP_ATTRIBUTES = ['externalId', 'userName'] as const;

/**
 * Settings of one SCIM app instance. Secrets are not here: the bearer token is the `bearerToken`
 * secret (RFC 7644 §2: OAuth bearer tokens, RFC 6750).
 */
export const ScimConfig = z.strictObject({
  /** SCIM base URL, below which /Users, /Groups and /ServiceProviderConfig live (RFC 7644 §3.2). */
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .refine(httpsOrLoopback, 'baseUrl must use https (plain http only on loopback, for test servers): the bearer token travels with every request'),
  /** Quirks of the app, from connectors/scim/profiles.ts. */
  profile: z.enum(PROFILE_IDS).default('generic'),
  /**
   * Filters tried in order to find a user the pipeline did not create (or lost track of):
   * `externalId` (our HR id, set by us) first, then `userName`. Drop `externalId` for apps that
   * do not store it; drop `userName` to never adopt accounts created by hand.
   */
  lookupBy: z
    .array(z.enum(LOOKUP_ATTRIBUTES))
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'lookupBy lists an attribute twice')
    .default(['externalId', 'userName']),
  /**
   * What goes into `externalId`, the anchor by which we find a person's user again: the whole person
   * key `<source>:<tenant>:<employeeId>` (default), or, as an explicit opt-in, the bare HR employee
   * id. The bare id is safe only for an app fed by a single HR tenant: two tenants' employee 4101
   * would share one user, and one tenant's leaver would disable the other's employee.
   */
  externalId: z.enum(['personKey', 'employeeId']).default('personKey'),
  /** Deleting in an app whose profile marks DELETE irreversible needs this explicit opt-in. */
  allowIrreversibleDelete: z.boolean().default(false),
  requestTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
  /** `count` of list requests (RFC 7644 §3.4.2.4); the app may return fewer. */
  pageSize: z.number().int().min(1).max(1_000).default(100),
  /**
   * The User attribute where the app tells when the account was last used, for reconciliation's
   * unused accounts (`apps.<id>.unused`): a top-level or dotted name (`lastLogin`, `meta.lastLogin`)
   * or an extension's attribute as its full URN (`urn:ietf:params:scim:schemas:extension:acme:2.0:User:lastLogin`).
   * Its value is an ISO 8601 time or epoch milliseconds; a user without it was never used. Absent:
   * the app does not tell (no SCIM standard attribute does).
   */
  lastUsedAttribute: z
    .string()
    .regex(/^(?:urn:[A-Za-z0-9:._-]+:[A-Za-z][A-Za-z0-9_-]*|[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z][A-Za-z0-9_-]*)*)$/, 'a SCIM attribute name, a dotted path or an extension URN ending in the attribute')
    .optional(),
});

export type ScimConfig = z.infer<typeof ScimConfig>;
export const SCIM_SECRETS = ['bearerToken'] as const;
