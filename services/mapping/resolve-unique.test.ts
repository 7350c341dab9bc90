import { describe, expect, it } from 'vitest';
import type { PersonSnapshot } from '../../schemas/jml-event.v1';
import { MappingError } from './errors';
import { compileAppMapping } from './load';
import { type IsTakenQuery, resolveUnique } from './resolve-unique';
import { person } from './testing';

const mapping = compileAppMapping({
  appId: 'directory',
  config: {
    attributes: {},
    unique: {
      uid: [
        '{givenName|initial|ascii|lower}{familyName|ascii|lower|alnum}',
        '{givenName|ascii|lower|alnum}.{familyName|ascii|lower|alnum}',
        '{givenName|initial|ascii|lower}{familyName|ascii|lower|alnum}{n}',
      ],
    },
    uniqueCounter: { from: 2, to: 5 },
  },
});

const john = person({ givenName: 'John', familyName: 'Smith' });

/** An app whose taken set is fixed, recording what it was asked. */
function app(taken: Iterable<string>): { isTaken: (q: IsTakenQuery) => Promise<boolean>; asked: string[] } {
  const set = new Set(taken);
  const asked: string[] = [];
  return {
    asked,
    isTaken: async ({ value }) => {
      asked.push(value);
      return set.has(value);
    },
  };
}

async function resolve(p: PersonSnapshot, taken: Iterable<string>): Promise<{ value: string | null; asked: string[] }> {
  const target = app(taken);
  const result = await resolveUnique({ appId: 'directory', mapping, person: p, attribute: 'uid', isTaken: target.isTaken });
  return { value: result.value, asked: target.asked };
}

describe('resolveUnique', () => {
  it('takes the first candidate when the app has it free', async () => {
    const target = app([]);
    expect(await resolveUnique({ appId: 'directory', mapping, person: john, attribute: 'uid', isTaken: target.isTaken })).toEqual({
      value: 'jsmith',
      candidate: 0,
      attempts: 1,
      problems: [],
    });
  });

  it('tries candidates in order, then counts n from the configured start', async () => {
    expect(await resolve(john, ['jsmith'])).toEqual({ value: 'john.smith', asked: ['jsmith', 'john.smith'] });
    expect(await resolve(john, ['jsmith', 'john.smith'])).toEqual({ value: 'jsmith2', asked: ['jsmith', 'john.smith', 'jsmith2'] });
    expect(await resolve(john, ['jsmith', 'john.smith', 'jsmith2', 'jsmith3'])).toEqual({
      value: 'jsmith4',
      asked: ['jsmith', 'john.smith', 'jsmith2', 'jsmith3', 'jsmith4'],
    });
  });

  it('reports which candidate and counter produced the value', async () => {
    const target = app(['jsmith', 'john.smith', 'jsmith2']);
    expect(await resolveUnique({ appId: 'directory', mapping, person: john, attribute: 'uid', isTaken: target.isTaken })).toEqual({
      value: 'jsmith3',
      candidate: 2,
      counter: 3,
      attempts: 4,
      problems: [],
    });
  });

  it('gives the same person the same value for the same taken set, whatever the order the set was built in', async () => {
    const taken = ['jsmith', 'jsmith2', 'john.smith'];
    const first = await resolve(john, taken);
    expect(await resolve(structuredClone(john), [...taken].reverse())).toEqual(first);
    expect(first.value).toBe('jsmith3');
  });

  it('stops at the counter bound and says every value is taken', async () => {
    const target = app(['jsmith', 'john.smith', 'jsmith2', 'jsmith3', 'jsmith4', 'jsmith5', 'jsmith6']);
    const result = await resolveUnique({ appId: 'directory', mapping, person: john, attribute: 'uid', isTaken: target.isTaken });
    expect(result).toEqual({
      value: null,
      attempts: 6,
      problems: [{ appId: 'directory', attribute: 'uid', code: 'unique-exhausted', message: "every candidate value of 'uid' is taken (6 tried)" }],
    });
    expect(target.asked).not.toContain('jsmith6');
  });

  it('does not ask twice about a value two candidates share', async () => {
    const single = person({ givenName: 'J', familyName: 'Smith' });
    // The first two candidates build the same value: the app is asked about it once.
    const shared = compileAppMapping({ appId: 'directory', config: { attributes: {}, unique: { uid: ['{familyName|lower}', '{familyName|lower}', '{familyName|lower}{n}'] }, uniqueCounter: { from: 2, to: 3 } } });
    const target = app(['smith']);
    const result = await resolveUnique({ appId: 'directory', mapping: shared, person: single, attribute: 'uid', isTaken: target.isTaken });
    expect(target.asked).toEqual(['smith', 'smith2']);
    expect(result.value).toBe('smith2');
  });

  it('skips candidates without a value for this person, and falls through names ascii cannot spell', async () => {
    const withFallback = compileAppMapping({
      appId: 'directory',
      config: {
        attributes: {},
        unique: { uid: ['{familyName|ascii|lower}', '{custom.latinName|lower}', 'u{employeeId}'] },
      },
    });
    const yamada = person({ givenName: '太郎', familyName: '山田', custom: { latinName: 'Yamada' } });
    const target = app([]);
    expect(await resolveUnique({ appId: 'directory', mapping: withFallback, person: yamada, attribute: 'uid', isTaken: target.isTaken })).toMatchObject({
      value: 'yamada',
      candidate: 1,
      problems: [],
    });
    const noLatin = person({ givenName: '太郎', familyName: '山田' });
    expect((await resolveUnique({ appId: 'directory', mapping: withFallback, person: noLatin, attribute: 'uid', isTaken: target.isTaken })).value).toBe('u1815');
  });

  it('explains a person no candidate has a value for', async () => {
    const target = app([]);
    const result = await resolveUnique({ appId: 'directory', mapping, person: person({ givenName: '太郎', familyName: '山田' }), attribute: 'uid', isTaken: target.isTaken });
    expect(target.asked).toEqual([]);
    expect(result.value).toBeNull();
    expect(result.problems.map((p) => p.code)).toEqual(['ascii-unrepresentable', 'ascii-unrepresentable', 'ascii-unrepresentable', 'unique-no-candidate']);
    expect(result.problems.at(-1)?.message).toBe("no candidate of 'uid' has a value for this person");
  });

  it('passes the attribute to the connector with each value', async () => {
    const queries: IsTakenQuery[] = [];
    await resolveUnique({
      appId: 'directory',
      mapping,
      person: john,
      attribute: 'uid',
      isTaken: async (q) => {
        queries.push(q);
        return false;
      },
    });
    expect(queries).toEqual([{ attribute: 'uid', value: 'jsmith' }]);
  });

  it('lets the connector\'s errors through unchanged', async () => {
    const failure = Object.assign(new Error('app down'), { code: 'transient', retryable: true });
    await expect(
      resolveUnique({ appId: 'directory', mapping, person: john, attribute: 'uid', isTaken: () => Promise.reject(failure) }),
    ).rejects.toBe(failure);
  });

  it('refuses an attribute that is not unique with a coded error', async () => {
    const attempt = resolveUnique({ appId: 'directory', mapping, person: john, attribute: 'mail', isTaken: app([]).isTaken });
    await expect(attempt).rejects.toBeInstanceOf(MappingError);
    await expect(attempt).rejects.toMatchObject({ code: 'MAPPING_UNKNOWN_UNIQUE_ATTRIBUTE', retryable: false, context: { appId: 'directory', attribute: 'mail' } });
  });
});
