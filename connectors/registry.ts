import { createDevRedisConnector } from './dev-redis';
import { createKeycloakConnector } from './keycloak';
import { createLdapConnector } from './ldap';
import { createScimConnector } from './scim';
import type { AnyConnector } from './sdk';

/**
 * Every connector the worker can run, by id. Adding an app type is one folder under connectors/
 * and one line here.
 */
export const CONNECTOR_FACTORIES = {
  'dev-redis': createDevRedisConnector,
  keycloak: createKeycloakConnector,
  ldap: createLdapConnector,
  scim: createScimConnector,
} as const satisfies Record<string, () => AnyConnector>;

export type ConnectorId = keyof typeof CONNECTOR_FACTORIES;
