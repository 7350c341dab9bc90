import { describe, expect, it } from 'vitest';
import { compileAppMapping } from './load';
import { mapPerson } from './map-person';
import { person } from './testing';

const scim = compileAppMapping({
  appId: 'wiki',
  config: {
    attributes: {
      userName: '{coalesce(workEmail, concat(givenName|ascii|lower, ".", familyName|ascii|lower, "@example.com"))}',
      'name.givenName': '{coalesce(preferredName, givenName)}',
      'name.familyName': '{familyName}',
      displayName: '{join(" ", coalesce(preferredName, givenName), familyName)}',
      title: '{jobTitle}',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': '{employeeId}',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': '{department|lookup(departments)}',
      costCenter: '{custom.costCenterCode|ascii}',
    },
    unique: { nickName: ['{givenName|lower}'] },
    lookups: { departments: { Research: 'R&D' } },
  },
});

describe('mapPerson', () => {
  it('maps every attribute in config order, with null where the person has no value', () => {
    const result = mapPerson({
      appId: 'wiki',
      mapping: scim,
      person: person({ givenName: 'Zoë', familyName: 'Ødegård', preferredName: 'Zo', department: 'Research' }),
    });
    expect(result).toEqual({
      attributes: {
        userName: 'zoe.odegard@example.com',
        'name.givenName': 'Zo',
        'name.familyName': 'Ødegård',
        displayName: 'Zo Ødegård',
        title: null,
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': '1815',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'R&D',
        costCenter: null,
      },
      problems: [],
    });
    expect(Object.keys(result.attributes)[0]).toBe('userName');
  });

  it('leaves unique attributes to resolveUnique', () => {
    expect(mapPerson({ appId: 'wiki', mapping: scim, person: person() }).attributes).not.toHaveProperty('nickName');
  });

  it('explains a null attribute by a lookup miss or unrepresentable text, without person data', () => {
    const result = mapPerson({
      appId: 'wiki',
      mapping: scim,
      person: person({ department: 'Secret Projects', custom: { costCenterCode: '研究' } }),
    });
    expect(result.problems).toEqual([
      {
        appId: 'wiki',
        attribute: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
        code: 'lookup-miss',
        message: "lookup table 'departments' has no entry for the value",
        column: 13,
        expression: '{department|lookup(departments)}',
      },
      {
        appId: 'wiki',
        attribute: 'costCenter',
        code: 'ascii-unrepresentable',
        message: 'ascii dropped characters that have no ASCII reading',
        column: 24,
        expression: '{custom.costCenterCode|ascii}',
      },
    ]);
    expect(JSON.stringify(result.problems)).not.toContain('Secret');
  });

  it('does not report notes of an attribute that still got a value', () => {
    const mapping = compileAppMapping({ appId: 'wiki', config: { attributes: { sn: '{coalesce(familyName|ascii, custom.latinName)}' } } });
    const result = mapPerson({ appId: 'wiki', mapping, person: person({ familyName: '山田', custom: { latinName: 'Yamada' } }) });
    expect(result).toEqual({ attributes: { sn: 'Yamada' }, problems: [] });
  });

  it('keeps attributes named like Object.prototype members as plain data', () => {
    const mapping = compileAppMapping({ appId: 'wiki', config: { attributes: { toString: '{givenName}', hasOwnProperty: 'x' } } });
    const { attributes } = mapPerson({ appId: 'wiki', mapping, person: person() });
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(attributes).toEqual({ toString: 'Ada', hasOwnProperty: 'x' });
    expect(Object.hasOwn(attributes, 'toString')).toBe(true);
  });

  it('is deterministic: the same person maps to the same attributes every time', () => {
    const p = person({ givenName: 'José', familyName: 'Müller-Łukasiewicz' });
    const first = mapPerson({ appId: 'wiki', mapping: scim, person: p });
    for (let i = 0; i < 5; i += 1) expect(mapPerson({ appId: 'wiki', mapping: scim, person: structuredClone(p) })).toEqual(first);
  });
});
