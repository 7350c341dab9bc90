import { z } from 'zod';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** True for https, and for http on a loopback host; an unparseable URL is z.url()'s to report. */
function httpsOrLoopback(url: string): boolean {
  if (!URL.canParse(url)) return true;
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || LOOPBACK.test(hostname);
}

/** The user fields of Keycloak's UserRepresentation the connector maps, besides `attributes`. */
export const CORE_FIELDS = ['username', 'email', 'firstName', 'lastName'] as const;
export type CoreField = (typeof CORE_FIELDS)[number];

/** A Keycloak user attribute name: the user profile's rule (letters, digits, `.`, `_`, `-`). */
const ATTRIBUTE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Settings of one Keycloak realm the connector provisions. The client secret is not here: it is the
 * `clientSecret` secret. The client must be confidential, with service accounts enabled and the
 * realm-management roles listed in connectors/keycloak/README.md.
 */
export const KeycloakConfig = z
  .strictObject({
    /** Keycloak's root URL, below which /realms and /admin/realms live (e.g. `https://sso.example.com`). */
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .refine(httpsOrLoopback, 'baseUrl must use https (plain http only on loopback, for test servers): the client secret and tokens travel with requests'),
    /** The realm whose users the connector manages; its service-account client lives there too. */
    realm: z.string().min(1).max(255),
    /** clientId of the confidential client whose service account acts for the pipeline. */
    clientId: z.string().min(1).max(255),
    /**
     * The user attribute holding our anchor (the whole person key). The realm's user profile must
     * declare it, editable by admins only, or allow unmanaged attributes for admins ("Admin can edit").
     */
    anchorAttribute: z.string().regex(ATTRIBUTE_NAME).default('jmlPersonKey'),
    /**
     * User-profile attributes (single-valued) the policy may map besides the core fields
     * (`username`, `email`, `firstName`, `lastName`), e.g. `["title", "department"]`.
     */
    attributes: z
      .array(z.string().regex(ATTRIBUTE_NAME))
      .refine((list) => new Set(list).size === list.length, 'attributes lists a name twice')
      .default([]),
    /** `username`: a create adopts a hand-made user holding the username (unless the request says adopt: false); `none`: never adopt, a taken username is a conflict. */
    adoptBy: z.enum(['username', 'none']).default('username'),
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
  })
  .superRefine((config, ctx) => {
    for (const name of config.attributes) {
      if ((CORE_FIELDS as readonly string[]).includes(name) || name === config.anchorAttribute) {
        ctx.addIssue({ code: 'custom', path: ['attributes'], message: `'${name}' is a core field or the anchor, not a mappable attribute` });
      }
    }
  });

export type KeycloakConfig = z.infer<typeof KeycloakConfig>;
export const KEYCLOAK_SECRETS = ['clientSecret'] as const;
