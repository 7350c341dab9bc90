import { describe, expect, it } from 'vitest';
import { MappingConfigError, type MappingIssue } from './errors';
import { compileAppMapping, compileMappings } from './load';

function issuesOf(config: unknown): readonly MappingIssue[] {
  try {
    compileMappings({ config });
  } catch (err) {
    if (err instanceof MappingConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

const valid = {
  directory: {
    attributes: { mail: '{givenName|lower}.{familyName|lower}@example.com', o: '{department|lookup(orgs)}' },
    unique: { uid: ['{familyName|lower}', '{familyName|lower}{n}'] },
    lookups: { orgs: { Research: 'R&D' } },
    uniqueCounter: { from: 1, to: 5 },
  },
  chat: { attributes: { displayName: '{join(" ", givenName, familyName)}' } },
};

describe('compileMappings', () => {
  it('compiles every app into a frozen mapping that keeps config order', () => {
    const mappings = compileMappings({ config: valid });
    expect([...mappings.keys()]).toEqual(['directory', 'chat']);
    const directory = mappings.get('directory')!;
    expect(directory.attributes.map((a) => a.name)).toEqual(['mail', 'o']);
    expect(directory.unique.map((u) => [u.name, u.candidates.map((c) => c.usesCounter)])).toEqual([['uid', [false, true]]]);
    expect(directory.counter).toEqual({ from: 1, to: 5 });
    expect(Object.isFrozen(directory) && Object.isFrozen(directory.attributes) && Object.isFrozen(directory.attributes[0])).toBe(true);
    expect(mappings.get('chat')!.counter).toEqual({ from: 2, to: 99 });
  });

  it('lists every problem of every app at once, naming app, attribute, expression and column', () => {
    const issues = issuesOf({
      directory: {
        attributes: { mail: '{givenName|lowr}@example.com', cn: '{givenName} {familyname}', empty: '' },
        unique: { uid: ['{familyName|lower}', '{familyName|truncate(x)}{n}'] },
      },
      chat: { attributes: { title: '{jobTitle|lookup(titles)}' }, extra: true },
      Wiki: { attributes: {} },
    });
    expect(issues).toEqual([
      { appId: 'directory', path: 'attributes.empty', attribute: 'empty', message: 'expression is empty' },
      {
        appId: 'directory',
        path: 'attributes.mail',
        attribute: 'mail',
        expression: '{givenName|lowr}@example.com',
        column: 12,
        message: "unknown function 'lowr' (did you mean 'lower'?)",
      },
      {
        appId: 'directory',
        path: 'attributes.cn',
        attribute: 'cn',
        expression: '{givenName} {familyname}',
        column: 14,
        message: "unknown field 'familyname' (did you mean 'familyName'?)",
      },
      {
        appId: 'directory',
        path: 'unique.uid[1]',
        attribute: 'uid',
        candidate: 1,
        expression: '{familyName|truncate(x)}{n}',
        column: 22,
        message: "argument 'n' of truncate must be an integer literal",
      },
      { appId: 'chat', message: 'Unrecognized key: "extra"' },
      {
        appId: 'chat',
        path: 'attributes.title',
        attribute: 'title',
        expression: '{jobTitle|lookup(titles)}',
        column: 18,
        message: "unknown lookup table 'titles'; this app defines no lookups",
      },
      { appId: 'Wiki', message: 'app ids are lowercase letters, digits and dashes (at most 63)' },
    ]);
  });

  it('says all of it in the error message, one line per problem', () => {
    expect(() => compileMappings({ config: { directory: { attributes: { mail: '{givenName|lowr}' } } } })).toThrow(
      'invalid attribute mapping:\n  - app \'directory\', attributes.mail: unknown function \'lowr\' (did you mean \'lower\'?) at column 12 of "{givenName|lowr}"',
    );
  });

  it('carries a stable code and is not retryable', () => {
    try {
      compileMappings({ config: [] });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'MAPPING_CONFIG_INVALID', retryable: false, issues: [{ message: 'mappings must be an object of app id → mapping' }] });
    }
  });

  it('refuses an attribute that is both mapped and unique', () => {
    expect(issuesOf({ directory: { attributes: { uid: '{employeeId}' }, unique: { uid: ['{familyName}'] } } })).toEqual([
      { appId: 'directory', path: 'unique.uid', attribute: 'uid', message: "'uid' is in both attributes and unique; keep it in one" },
    ]);
  });

  it('refuses structural mistakes: empty candidate lists, bad table names, lookup values of other types, a reversed counter', () => {
    const issues = issuesOf({
      directory: {
        attributes: {},
        unique: { uid: [] },
        lookups: { 'bad name': {}, orgs: { a: ['x'] } },
        uniqueCounter: { from: 9, to: 2 },
      },
    });
    expect(issues.map((i) => i.path)).toEqual(['unique.uid', 'lookups.bad name', 'lookups.orgs.a', 'uniqueCounter']);
  });

  it('refuses __proto__ as an attribute or lookup key, which zod would silently drop', () => {
    const config = JSON.parse('{"directory":{"attributes":{"__proto__":"{givenName}"},"lookups":{"t":{"__proto__":"x"}}}}') as unknown;
    expect(issuesOf(config).map((i) => i.path)).toEqual(['attributes.__proto__', 'lookups.t.__proto__']);
  });

  it('names the problem with a constructor key, which zod reports as "not a record"', () => {
    const issues = issuesOf({ directory: { attributes: { constructor: '{givenName}' } } });
    expect(issues[0]).toEqual({ appId: 'directory', path: 'attributes.constructor', message: "'constructor' is reserved and cannot be used as a name" });
  });

  it('still checks expressions when the app\'s lookups are invalid, without blaming table names', () => {
    const issues = issuesOf({ directory: { attributes: { o: '{department|lookup(orgs)}', x: '{nope}' }, lookups: { orgs: 'not a table' } } });
    expect(issues.map((i) => i.path)).toEqual(['lookups.orgs', 'attributes.x']);
  });
});

describe('compileAppMapping', () => {
  it('compiles one app', () => {
    expect(compileAppMapping({ appId: 'chat', config: valid.chat }).attributes.map((a) => a.name)).toEqual(['displayName']);
  });

  it('throws with the app named', () => {
    expect(() => compileAppMapping({ appId: 'chat', config: { attributes: { x: '{n}' } } })).toThrow(
      "app 'chat', attributes.x: the counter {n} is only available in unique candidates at column 2 of \"{n}\"",
    );
  });
});
