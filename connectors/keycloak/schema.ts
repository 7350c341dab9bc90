/**
 * The parts of Keycloak's admin REST API representations the connector reads and writes
 * (https://www.keycloak.org/docs-api/latest/rest-api/). Writes of a user send back the whole
 * representation it read, changed: Keycloak's PUT replaces the user's attributes with the ones sent.
 */

export interface KeycloakUser {
  id?: string;
  username?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled?: boolean;
  emailVerified?: boolean;
  /** Milliseconds since the epoch. */
  createdTimestamp?: number;
  /** Multi-valued user attributes; the connector reads and writes the first value only. */
  attributes?: Record<string, string[]>;
  [other: string]: unknown;
}

export interface KeycloakGroup {
  id: string;
  name?: string;
  /** `/parent/child`. */
  path?: string;
}

export interface KeycloakRole {
  id: string;
  name: string;
  clientRole?: boolean;
  containerId?: string;
}

export interface KeycloakClient {
  id: string;
  clientId: string;
}

/** GET /users/{id}/role-mappings: direct mappings only (not composites). */
export interface RoleMappings {
  realmMappings?: KeycloakRole[];
  clientMappings?: Record<string, { id?: string; client?: string; mappings?: KeycloakRole[] }>;
}

/** GET /users/{id}/sessions (UserSessionRepresentation). */
export interface KeycloakUserSession {
  id: string;
  /** Milliseconds since the epoch. */
  start?: number;
  lastAccess?: number;
}

/** GET /users/{id}/consents: clients the user consented to or holds offline tokens of. */
export interface KeycloakConsent {
  /** The client's clientId (not its id). */
  clientId: string;
  grantedClientScopes?: string[];
  /** `{ key: 'Offline Token' }` for a client holding one of the user's offline tokens. */
  additionalGrants?: Array<{ client?: string; key?: string }>;
}

/** GET /users/{id}/credentials (CredentialRepresentation): ids and types; the secret data is never returned. */
export interface KeycloakCredential {
  id: string;
  /** `password`, `otp`, `webauthn`, `recovery-authn-codes`, … */
  type?: string;
  /** Set by the person (a device name): never logged. */
  userLabel?: string;
}
