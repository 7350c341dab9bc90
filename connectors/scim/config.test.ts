import { describe, expect, it } from 'vitest';
import { ScimConfig } from './config';

describe('scim config', () => {
  it('defaults > generic profile, externalId then userName lookups, the person key (tenant included) as externalId', () => {
    expect(ScimConfig.parse({ baseUrl: 'https://api.example.com/scim/v2' })).toMatchObject({
      profile: 'generic',
      lookupBy: ['externalId', 'userName'],
      externalId: 'personKey',
      allowIrreversibleDelete: false,
    });
  });

  it.each(['http://127.0.0.1:8080/scim', 'http://localhost/scim', 'http://[::1]:9000/'])('accepts > plain http on loopback: %s', (baseUrl) => {
    expect(ScimConfig.safeParse({ baseUrl }).success).toBe(true);
  });

  it('rejects > an unparseable baseUrl with an issue, never a throw', () => {
    expect(ScimConfig.safeParse({ baseUrl: 'not a url' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['baseUrl']);
  });

  it('rejects > every problem at once: plain http to a remote host, an unknown profile, a repeated lookup, stray keys', () => {
    const parsed = ScimConfig.safeParse({ baseUrl: 'http://scim.example.com', profile: 'myspace', lookupBy: ['userName', 'userName'], token: 'x' });
    expect(parsed.success).toBe(false);
    const paths = parsed.error?.issues.map((i) => i.path.join('.') || i.code);
    expect(paths).toEqual(expect.arrayContaining(['baseUrl', 'profile', 'lookupBy', 'unrecognized_keys']));
  });
});
