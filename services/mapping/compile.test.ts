import { describe, expect, it } from 'vitest';
import { compileExpression } from './compile';
import { PERSON_FIELDS } from './fields';
import { FUNCTIONS } from './functions';
import { evaluate, issuesOf, person } from './testing';

describe('templates', () => {
  it('join literal text and fields', () => {
    expect(evaluate('{givenName}.{familyName}@example.com')).toBe('Ada.Lovelace@example.com');
  });

  it('are null when any placeholder is absent, so no half-built address reaches an app', () => {
    expect(evaluate('{preferredName}.{familyName}@example.com')).toBeNull();
  });

  it('are null when a placeholder folds to the empty string', () => {
    expect(evaluate('{givenName|ascii|lower}.{familyName|ascii|lower}@example.com', { person: person({ givenName: '太郎', familyName: '山田' }) })).toBeNull();
  });

  it('of text only are constants', () => {
    expect(evaluate('Analytical Engines Ltd')).toBe('Analytical Engines Ltd');
  });

  it('of one placeholder keep the value\'s type', () => {
    const p = person({ custom: { fte: 0.8, manager: true } });
    expect(evaluate('{custom.fte}', { person: p })).toBe(0.8);
    expect(evaluate('{custom.manager}', { person: p })).toBe(true);
    expect(evaluate('{42}')).toBe(42);
  });

  it('with text around a number print the number', () => {
    expect(evaluate('fte={custom.fte}', { person: person({ custom: { fte: 0.8 } }) })).toBe('fte=0.8');
  });

  it('give null, never the empty string', () => {
    expect(evaluate('{custom.nickname}', { person: person({ custom: { nickname: '' } }) })).toBeNull();
    expect(evaluate('{givenName|remove("Ad")}')).toBe('a');
    expect(evaluate('{givenName|remove("Ada")}')).toBeNull();
  });

  it('print escaped braces literally', () => {
    expect(evaluate('\\{{givenName}\\}')).toBe('{Ada}');
  });
});

describe('references', () => {
  it('read every PersonSnapshot field by name', () => {
    const p = person({ jobTitle: 'Analyst', hireDate: '1843-07-01', managerEmployeeId: '1791', timeZone: 'Europe/London' });
    expect(evaluate('{jobTitle}|{hireDate}|{managerEmployeeId}|{timeZone}|{status}|{workerType}', { person: p })).toBe(
      'Analyst|1843-07-01|1791|Europe/London|active|employee',
    );
  });

  it('read a missing or null field as null', () => {
    expect(evaluate('{workEmail}')).toBeNull();
    expect(evaluate('{workEmail}', { person: person({ workEmail: null }) })).toBeNull();
  });

  it('read custom attributes by dotted or bracketed name', () => {
    const p = person({ custom: { costCode: 'CC-7', 'Badge No.': 'B12' } });
    expect(evaluate('{custom.costCode}/{custom["Badge No."]}', { person: p })).toBe('CC-7/B12');
  });

  it('read a custom attribute that is missing, or a person without custom attributes, as null', () => {
    expect(evaluate('{custom.costCode}')).toBeNull();
    expect(evaluate('{custom.costCode}', { person: person({ custom: {} }) })).toBeNull();
  });

  it('never read Object.prototype members as custom attributes', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(evaluate(`{custom["${key}"]}`, { person: person({ custom: {} }) }), key).toBeNull();
    }
  });

  it('read only own custom attributes, never inherited ones (a polluted prototype stays out)', () => {
    const custom = Object.assign(Object.create({ inherited: 'from the prototype' }) as Record<string, string>, { own: 'mine' });
    expect(evaluate('{custom.own}|{custom.inherited|default("none")}', { person: person({ custom }) })).toBe('mine|none');
  });

  it('normalize text to NFC, so decomposed input maps like composed input', () => {
    expect(evaluate('{givenName|lower}', { person: person({ givenName: 'Jose\u0301' }) })).toBe('jos\u00e9');
  });
});

describe('person values that look like syntax', () => {
  it('are data: braces, pipes, quotes and backslashes are copied, never parsed', () => {
    const p = person({ givenName: '{familyName|upper}', familyName: 'a|b}"\\{' });
    expect(evaluate('{givenName}.{familyName}', { person: p })).toBe('{familyName|upper}.a|b}"\\{');
  });

  it('are data when used as lookup keys and replace input', () => {
    const p = person({ department: '{x}' });
    expect(evaluate('{department|replace("{", "(")|replace("}", ")")}', { person: p })).toBe('(x)');
    expect(evaluate('{department|lookup(t)|default("none")}', { person: p, tables: { t: { x: 'hit' } } })).toBe('none');
  });
});

describe('compile errors', () => {
  it('name an unknown field with its column and a suggestion', () => {
    expect(issuesOf('{givenName}.{familyname}')).toEqual([{ column: 14, message: "unknown field 'familyname' (did you mean 'familyName'?)" }]);
  });

  it('name an unknown function with its column and a suggestion', () => {
    expect(issuesOf('{givenName|lowr}')).toEqual([{ column: 12, message: "unknown function 'lowr' (did you mean 'lower'?)" }]);
    expect(issuesOf('{frobnicate(givenName)}')).toEqual([{ column: 2, message: "unknown function 'frobnicate'" }]);
  });

  it('list every mistake of one expression at once', () => {
    expect(issuesOf('{givenNam|lowr}.{familyName|truncate("3")}')).toEqual([
      { column: 2, message: "unknown field 'givenNam' (did you mean 'givenName'?)" },
      { column: 11, message: "unknown function 'lowr' (did you mean 'lower'?)" },
      { column: 38, message: "argument 'n' of truncate must be an integer literal" },
    ]);
  });

  it('report syntax errors with their column', () => {
    expect(issuesOf('{givenName|lower')).toEqual([{ column: 1, message: "unterminated placeholder: missing '}'" }]);
  });

  it('refuse a field where a literal is required: no pattern comes from person data', () => {
    expect(issuesOf('{familyName|replace(givenName, "")}')).toEqual([{ column: 21, message: "argument 'search' of replace must be a quoted string literal" }]);
    expect(issuesOf('{familyName|replace("", "x")}')).toEqual([{ column: 21, message: "argument 'search' of replace must not be empty" }]);
  });

  it('check integer bounds', () => {
    expect(issuesOf('{familyName|truncate(0)}')).toEqual([{ column: 22, message: "argument 'n' of truncate must be between 1 and 10000" }]);
    expect(issuesOf('{employeeId|padStart(300, "0")}')).toEqual([{ column: 22, message: "argument 'width' of padStart must be between 1 and 256" }]);
  });

  it('check the number of arguments, explaining the piped one', () => {
    expect(issuesOf('{familyName|truncate}')).toEqual([
      { column: 13, message: 'truncate expects truncate(value, n), got 1 argument(s) (in a pipe, the piped value is the first argument)' },
    ]);
    expect(issuesOf('{lower(givenName, familyName)}')).toEqual([{ column: 2, message: 'lower expects lower(value), got 2 argument(s)' }]);
    expect(issuesOf('{coalesce(givenName)}')).toEqual([{ column: 2, message: 'coalesce expects coalesce(value, fallback…), got 1 argument(s)' }]);
  });

  it('refuse join in a pipe, where its separator would be the piped value', () => {
    expect(issuesOf('{givenName|join(" ", familyName)}')).toEqual([{ column: 12, message: 'join cannot take a piped value; call it as join(separator, part…)' }]);
  });

  it('refuse a default that is not a literal', () => {
    expect(issuesOf('{preferredName|default(givenName)}')).toEqual([
      { column: 24, message: "argument 'fallback' of default must be a string or integer literal" },
    ]);
  });

  it('refuse unknown lookup tables, naming the known ones', () => {
    expect(issuesOf('{department|lookup(departmnts)}', { tables: ['departments', 'sites'] })).toEqual([
      { column: 20, message: "unknown lookup table 'departmnts' (did you mean 'departments'?); known: departments, sites" },
    ]);
    expect(issuesOf('{department|lookup(x)}')).toEqual([{ column: 20, message: "unknown lookup table 'x'; this app defines no lookups" }]);
  });

  it('explain a function used as a field, a bare custom, and members on plain fields', () => {
    expect(issuesOf('{lower}')).toEqual([{ column: 2, message: "'lower' is a function: call it as lower(…) or pipe into it, value | lower" }]);
    expect(issuesOf('{custom}')).toEqual([{ column: 2, message: `'custom' needs a member: custom.<name> or custom["<name>"]` }]);
    expect(issuesOf('{givenName.first}')).toEqual([{ column: 2, message: "'givenName' has no members; only custom.<name> has" }]);
  });

  it('allow the counter {n} only in unique candidates', () => {
    expect(issuesOf('{familyName}{n}')).toEqual([{ column: 14, message: 'the counter {n} is only available in unique candidates' }]);
    const ok = compileExpression({ source: '{familyName}{n}', tables: new Map(), allowCounter: true });
    expect(ok.ok && ok.expression.usesCounter).toBe(true);
  });

  it('do not report table names of an app whose lookups are themselves invalid', () => {
    expect(compileExpression({ source: '{department|lookup(anything)}', tables: null, allowCounter: false }).ok).toBe(true);
  });
});

describe('name spaces', () => {
  it('keep field names and function names apart, so a bare name is never ambiguous', () => {
    const clash = [...PERSON_FIELDS].map(String).filter((f) => FUNCTIONS.has(f) || f === 'n');
    expect(clash).toEqual([]);
  });
});
