import { describe, expect, it } from 'vitest';
import { CONNECTOR_FACTORIES } from '../../connectors/registry';
import { makeEvent } from '../../test/support/events';
import { loadPolicy } from '../policy/load';
import type { Finding } from './compare';
import { fixPlan } from './fix';

const policy = loadPolicy({
  source: 'policy.yaml',
  env: {},
  connectors: CONNECTOR_FACTORIES,
  text: `
version: 1
apps:
  chat:
    connector: dev-redis
    settings: { url: "redis://127.0.0.1:1" }
    mapping: { attributes: { login: "{givenName|ascii|lower}", title: "{jobTitle}" } }
rules:
  - { name: everyone, when: { workerType: employee }, grant: { chat: ["channel:general"] } }
`,
});
const ada = makeEvent({ personKey: 'test:ada', type: 'jml.joiner' }).data.person;
const finding = (over: Partial<Finding>): Finding => ({ kind: 'drift', appId: 'chat', personKey: 'test:ada', externalRef: 'u-1', summary: 's', ...over });
const ops = (f: Finding) => fixPlan({ policy, finding: f, person: ada }).plan?.steps.map((s) => `${s.operation}${s.entitlement ? ` ${s.entitlement}` : ''}`);

describe('fixing findings', () => {
  it('zombie and orphan > disable (never delete), and count against the guard', () => {
    for (const kind of ['zombie', 'orphan'] as const) {
      const fix = fixPlan({ policy, finding: finding({ kind }) });
      expect(fix.removes).toBe(true);
      expect(fix.plan?.steps.map((s) => s.operation)).toEqual(['suspendAccount']);
    }
  });

  it('missing > create with the mapped attributes, then the granted groups; adds only, not guarded', () => {
    const fix = fixPlan({ policy, finding: finding({ kind: 'missing', externalRef: undefined }), person: ada });
    expect(fix.removes).toBe(false);
    expect(fix.plan?.steps[0]).toMatchObject({ operation: 'createAccount', attributes: { login: 'ada', title: 'Engineer' }, enabled: true });
    expect(ops(finding({ kind: 'missing' }))).toEqual(['createAccount', 'grantAccess channel:general']);
  });

  it('drift > only what differs: update, enable, add, remove (removal guarded); a disable alone when no longer granted', () => {
    expect(ops(finding({ drift: { attributes: ['title'] } }))).toEqual(['updateAccount']);
    expect(ops(finding({ drift: { enabled: true, grant: ['channel:general'], revoke: ['channel:old'] } }))).toEqual(['restoreAccount', 'grantAccess channel:general', 'revokeAccess channel:old']);
    expect(fixPlan({ policy, finding: finding({ drift: { grant: ['channel:general'] } }), person: ada }).removes).toBe(false);
    expect(fixPlan({ policy, finding: finding({ drift: { revoke: ['channel:old'] } }), person: ada }).removes).toBe(true);
    expect(ops(finding({ drift: { enabled: false } }))).toEqual(['suspendAccount']);
  });

  it('nothing > for unmanaged accounts, unknown apps, or a person the pipeline does not know', () => {
    expect(fixPlan({ policy, finding: finding({ kind: 'unmanaged', personKey: undefined }) })).toMatchObject({ skipped: expect.stringMatching(/left alone/) });
    expect(fixPlan({ policy, finding: finding({ appId: 'nope' }) }).plan).toBeUndefined();
    expect(fixPlan({ policy, finding: finding({ kind: 'missing' }) }).skipped).toMatch(/not known/);
  });
});
