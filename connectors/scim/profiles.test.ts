import { describe, expect, it } from 'vitest';
import { PROFILES, PROFILE_IDS, type ScimProfile } from './profiles';

const all = Object.entries(PROFILES) as Array<[string, ScimProfile]>;

describe('scim profiles', () => {
  it('names > each profile by its key, and the config enum lists them all', () => {
    for (const [key, profile] of all) expect(profile.id).toBe(key);
    expect([...PROFILE_IDS].sort()).toEqual(Object.keys(PROFILES).sort());
  });

  it.each(all)('%s > allows `eq`, the only filter operator the connector sends', (_id, profile) => {
    expect(profile.filterOperators).toContain('eq');
  });

  it('quirks > match the vendors’ documented behaviour', () => {
    expect(PROFILES.slack).toMatchObject({ delete: 'deactivates', writeLimit: { requestsPerMinute: 180, scope: 'endpoint' } });
    expect(PROFILES['github-emu'].delete).toBe('irreversible');
    expect(PROFILES.atlassian.delete).toBe('irreversible');
    expect(PROFILES['aws-identity-center']).toMatchObject({ filterOperators: ['eq', 'and'], userFilterAttributes: ['userName', 'externalId'], bulk: false });
    expect(PROFILES['okta-style']).toMatchObject({ patch: 'never', delete: 'forbidden' });
    expect(PROFILES['scim2-server']).toMatchObject({ membership: { from: 'groups-filter' }, deleteLeavesGroupMembers: true });
  });
});
