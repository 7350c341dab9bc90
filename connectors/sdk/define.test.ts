import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineConnector, definitionProblems } from './define';
import type { ConnectorDefinition } from './types';

const applied = async () => ({ outcome: 'applied' as const });

describe('defineConnector', () => {
  it('accepts > a connector whose operations match its capabilities', () => {
    const c = defineConnector({
      id: 'tiny',
      version: '1.0.0',
      description: 'test',
      config: z.object({}),
      secrets: [],
      capabilities: ['account.create', 'account.suspend'],
      operations: { createAccount: applied, suspendAccount: applied },
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('rejects > listing every mismatch: missing operations, undeclared ones, unknown capabilities, bad ids', () => {
    const def = {
      id: 'Bad Id',
      version: '1',
      description: 'test',
      config: z.object({}),
      secrets: [],
      capabilities: ['account.create', 'account.delete', 'account.teleport'],
      operations: { createAccount: applied, grantAccess: applied },
    } as unknown as ConnectorDefinition;
    expect(definitionProblems(def)).toEqual([
      "id 'Bad Id' must be lowercase letters, digits and dashes",
      "capability 'account.delete' needs operation deleteAccount()",
      "unknown capability 'account.teleport'",
      'operation grantAccess() is implemented but its capability is not declared',
    ]);
    expect(() => defineConnector(def)).toThrow(/Bad Id[\s\S]*grantAccess/);
  });

  it('rejects > credentials.revoke without revokeCredentials, and revokeCredentials without its capability', () => {
    const base = { id: 'creds', version: '1', description: 'test', config: z.object({}), secrets: [] };
    expect(definitionProblems({ ...base, capabilities: ['credentials.revoke'], operations: {} } as unknown as ConnectorDefinition)).toEqual([
      "capability 'credentials.revoke' needs operation revokeCredentials()",
    ]);
    expect(definitionProblems({ ...base, capabilities: [], operations: { revokeCredentials: applied } } as unknown as ConnectorDefinition)).toEqual([
      'operation revokeCredentials() is implemented but its capability is not declared',
    ]);
  });
});
