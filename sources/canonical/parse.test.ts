import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../test/support/events';
import { canonicalSource } from '.';

/** Parsing a canonical body: bad input is a 400 with a reason, never an exception (a 500 the sender would retry for ever). */
describe('canonical source > parse', () => {
  const parse = (body: unknown) => {
    const webhook = canonicalSource.webhook as NonNullable<typeof canonicalSource.webhook>;
    return webhook.parse({ tenant: 'default', config: { keys: [] }, body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' } as never);
  };
  const withCustom = (custom: unknown) => {
    const event = makeEvent({ personKey: 'test:1', type: 'jml.joiner' });
    return { ...event, data: { ...event.data, person: { ...event.data.person, custom } } };
  };

  it('accepts ordinary custom fields', () => {
    expect(parse(withCustom({ costCenter: 'CC-1', level: 3 }))).toMatchObject({ ok: true });
  });

  it.each([
    ['constructor', null],
    ['constructor', 'x'],
    ['__proto__', 'x'],
    ['prototype', 1],
  ])('refuses a key named %s (a property every JavaScript object inherits) as invalid, naming the path', (key, value) => {
    const result = parse(withCustom(JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`)));
    expect(result).toMatchObject({ ok: false, code: 'invalid-event' });
    expect((result as { reason: string }).reason).toContain(`data.person.custom.${key}`);
  });
});
