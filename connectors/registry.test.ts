import { describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from './registry';
import { definitionProblems } from './sdk';

describe('connector registry', () => {
  it('lists > connectors whose ids match their keys and whose definitions are valid', async () => {
    for (const [key, create] of Object.entries(CONNECTOR_FACTORIES)) {
      const connector = create();
      expect(connector.id, key).toBe(key);
      expect(definitionProblems(connector), key).toEqual([]);
      await connector.dispose?.();
    }
    // The built-in connectors stay registered; adding one is still just its registry line.
    expect(Object.keys(CONNECTOR_FACTORIES)).toEqual(expect.arrayContaining(['dev-redis', 'ldap', 'scim']));
  });
});
