import { describe, expect, it } from 'vitest';
import { securityActionRefusal, suspensionScope, willBeSuspended } from './suspension-rules';

describe('suspension rules', () => {
  it('scope > takes the active apps and remembers the ones held disabled; deleted ones are neither', () => {
    expect(
      suspensionScope({
        wiki: { status: 'active', entitlements: ['space:eng'] },
        chat: { status: 'active', entitlements: [] },
        code: { status: 'disabled', entitlements: ['team:eng'] },
        old: { status: 'deleted', entitlements: [] },
      }),
    ).toEqual({ took: ['chat', 'wiki'], inactive: ['code'] });
  });

  it('state > the last queued action decides, else the suspension in force', () => {
    expect(willBeSuspended(undefined, [])).toBe(false);
    expect(willBeSuspended({}, [])).toBe(true);
    expect(willBeSuspended(undefined, [{ action: 'suspend' }])).toBe(true);
    expect(willBeSuspended({}, [{ action: 'restore' }])).toBe(false);
    expect(willBeSuspended({}, [{ action: 'restore' }, { action: 'suspend' }])).toBe(true);
  });

  it('refusals > unknown person, double suspend, restore of nobody suspended, and a request without a reason', () => {
    const suspend = { action: 'suspend' as const, by: 'jml suspend (ops)', reason: 'SEC-1' };
    const restore = { ...suspend, action: 'restore' as const };
    expect(securityActionRefusal(suspend, { known: true, suspended: false })).toBeUndefined();
    expect(securityActionRefusal(restore, { known: true, suspended: true })).toBeUndefined();
    expect(securityActionRefusal(suspend, { known: false, suspended: false })?.type).toBe('unknown-person');
    expect(securityActionRefusal(suspend, { known: true, suspended: true })?.type).toBe('already-suspended');
    expect(securityActionRefusal(restore, { known: true, suspended: false })?.type).toBe('not-suspended');
    expect(securityActionRefusal({ ...suspend, reason: '  ' }, { known: true, suspended: false })?.type).toBe('invalid-request');
  });
});
