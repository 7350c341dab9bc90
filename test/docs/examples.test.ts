import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { desiredEntry } from '../../connectors/ldap/entry';
import { desiredSshKeys } from '../../connectors/ldap/ssh-keys';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { desiredValues } from '../../connectors/scim/mapping';
import { JmlEvent, type PersonSnapshot } from '../../schemas/jml-event.v1';
import { parseWorkdayBody } from '../../sources/workday/payload';
import { mapPerson } from '../../services/mapping';
import { planWithPolicy } from '../../services/policy/plan';
import { loadPolicy, loadPolicyFile, type LoadedApp } from '../../services/policy/load';

/**
 * Every example in docs/ goes through the loader the pipeline uses for it, and every mapped
 * attribute name through the connector that would receive it: an example that a reader copies
 * must work as shown.
 */
const doc = (path: string) => readFileSync(new URL(`../../docs/${path}`, import.meta.url), 'utf8');
const blocks = (text: string, lang: string) => [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);

const PERSON: PersonSnapshot = {
  employeeId: '1815',
  workerType: 'employee',
  status: 'active',
  givenName: 'José',
  familyName: 'Müller-Łukasiewicz',
  preferredName: 'Pepe',
  workEmail: 'jose.muller@example.com',
  jobTitle: 'Engineer',
  department: 'Engineering',
  division: 'Research',
  costCenter: 'CC-100',
};

/** Connector and settings an attribute-mapping.md example is written for, by its app id. */
const SETTINGS: Record<string, { connector: 'scim' | 'ldap'; settings: Record<string, unknown>; secret: string }> = {
  wiki: { connector: 'scim', settings: { baseUrl: 'https://wiki.example.com/scim/v2' }, secret: 'bearerToken' },
  directory: {
    connector: 'ldap',
    settings: { url: 'ldaps://ldap.example.com', bindDn: 'cn=jml,dc=example,dc=org', baseDn: 'ou=people,dc=example,dc=org', groupsDn: 'ou=groups,dc=example,dc=org', disable: { kind: 'remove-from-groups' } },
    secret: 'bindPassword',
  },
  bastion: {
    connector: 'ldap',
    settings: { url: 'ldaps://bastion.example.com', bindDn: 'cn=jml,dc=example,dc=org', baseDn: 'ou=people,dc=example,dc=org', groupsDn: 'ou=groups,dc=example,dc=org', disable: { kind: 'remove-from-groups' } },
    secret: 'bindPassword',
  },
  'people-by-name': {
    connector: 'ldap',
    settings: { url: 'ldaps://ldap.example.com', bindDn: 'cn=jml,dc=example,dc=org', baseDn: 'ou=people,dc=example,dc=org', groupsDn: 'ou=groups,dc=example,dc=org', rdnAttribute: 'cn', disable: { kind: 'remove-from-groups' } },
    secret: 'bindPassword',
  },
};

/** The attribute names `app`'s connector would not use. */
function refusedNames(app: LoadedApp, attributes: Record<string, string | number | boolean | null>): string[] {
  if (app.connector.id === 'scim') {
    try {
      desiredValues({ person: PERSON, attributes, for: 'create' });
      return [];
    } catch (err) {
      return [(err as Error).message];
    }
  }
  if (app.connector.id === 'ldap') {
    // A name the LDAP connector uses changes the entry when its value does.
    return Object.keys(attributes).filter((name) => {
      const marked = desiredEntry({ personKey: 'test:1815', person: PERSON, attributes: { ...attributes, [name]: 'marker-value' } });
      return !Object.values(marked).includes('marker-value') && !desiredSshKeys({ [name]: 'marker-value' })?.includes('marker-value');
    });
  }
  return [];
}

describe('docs examples', () => {
  it('docs/examples/policy.yaml loads, and the example joiner is a valid event it plans', () => {
    const policy = loadPolicyFile({ path: 'docs/examples/policy.yaml', env: {}, connectors: CONNECTOR_FACTORIES });
    const joiner = JmlEvent.parse(JSON.parse(doc('examples/joiner.json')));
    const plan = planWithPolicy({ policy, event: joiner });
    expect(plan.apps.map((a) => a.appId)).toEqual(['chat', 'code', 'directory']);
  });

  it('docs/attribute-mapping.md: every mapping example loads in a policy for its connector, and the connector takes every attribute it maps', () => {
    const examples = blocks(doc('attribute-mapping.md'), 'yaml').map((b) => parseYaml(b) as Record<string, Record<string, unknown>>);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const [appId, mapping] = Object.entries(example)[0] as [string, Record<string, unknown>];
      const target = SETTINGS[appId];
      expect(target, `an example for app '${appId}'`).toBeDefined();
      if (!target) continue;
      const policy = loadPolicy({
        text: JSON.stringify({ version: 1, apps: { [appId]: { connector: target.connector, settings: target.settings, secrets: { [target.secret]: { env: 'DOC_SECRET' } }, mapping } }, rules: [] }),
        source: `${appId}.json`,
        env: { DOC_SECRET: 'not-a-real-secret' },
        connectors: CONNECTOR_FACTORIES,
      });
      const app = policy.apps.get(appId) as LoadedApp;
      const { attributes, problems } = mapPerson({ appId, mapping: app.mapping!, person: PERSON });
      expect(problems, appId).toEqual([]);
      const uniqueNames = app.mapping!.unique.map((u) => u.name);
      const all = { ...attributes, ...Object.fromEntries(uniqueNames.map((n) => [n, 'unique-value'])) };
      expect(refusedNames(app, all), appId).toEqual([]);
    }
  });

  it('docs/workday-contract.md: every JSON example is a payload the Workday route accepts', () => {
    const examples = blocks(doc('workday-contract.md'), 'json');
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const body of examples) {
      const parsed = parseWorkdayBody({ body: Buffer.from(body), contentType: 'application/json' });
      expect(parsed.ok ? [] : parsed.reason).toEqual([]);
    }
  });
});
