import { mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSigningKey, DEV_SECRET_FILE, ensureDevCanonicalSecret, isLoopbackHost } from './dev-defaults';
import { hmacKeyProblem } from './secrets';

const dir = () => mkdtempSync(join(tmpdir(), 'jml-dev-'));

describe('development key', () => {
  it('generated > once per stack directory, owner-only, strong, and different in every directory', () => {
    const a = dir();
    const first = ensureDevCanonicalSecret(a);
    const again = ensureDevCanonicalSecret(a);
    expect([first.created, again.created, again.secret]).toEqual([true, false, first.secret]);
    expect(statSync(join(a, DEV_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(hmacKeyProblem(first.secret, 'standard-webhooks')).toBeUndefined();
    expect(ensureDevCanonicalSecret(dir()).secret).not.toBe(first.secret);
  });

  it('refuses > a key file others can read, or one holding a weak key', () => {
    const open = dir();
    writeFileSync(join(open, DEV_SECRET_FILE), `whsec_${Buffer.alloc(32).toString('base64')}`);
    chmodSync(join(open, DEV_SECRET_FILE), 0o644);
    expect(() => ensureDevCanonicalSecret(open)).toThrow(/read by others/);
    const weak = dir();
    writeFileSync(join(weak, DEV_SECRET_FILE), 'whsec_a', { mode: 0o600 });
    expect(() => ensureDevCanonicalSecret(weak)).toThrow(/not valid base64/);
  });

  it('loopback > only names and addresses the machine alone reaches', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', 'gateway.example', '128.0.0.1'].map(isLoopbackHost)).toEqual([false, false, false, false, false]);
  });
});

describe('jml send signing key', () => {
  const key = { name: 'JML_CANONICAL_SECRET', secret: `whsec_${Buffer.alloc(32, 5).toString('base64')}` };

  it('configured > signs with JML_CANONICAL_SECRET silently, wherever the gateway is', () => {
    expect(cliSigningKey({ keys: [key], gatewayHost: 'gateway.example', stackDir: dir() })).toEqual({ secret: key.secret });
  });

  it('development > the generated key, said on stderr, only for a loopback gateway', () => {
    const stackDir = dir();
    const dev = ensureDevCanonicalSecret(stackDir);
    const local = cliSigningKey({ keys: [], gatewayHost: '127.0.0.1', stackDir });
    expect(local).toEqual({ secret: dev.secret, note: expect.stringContaining(dev.path) });
    expect(cliSigningKey({ keys: [], gatewayHost: '10.1.2.3', stackDir })).toEqual({ error: expect.stringMatching(/^JML_CANONICAL_SECRET is not set/) });
    expect(cliSigningKey({ keys: [], gatewayHost: '127.0.0.1', stackDir: dir() })).toEqual({ error: expect.stringMatching(/^JML_CANONICAL_SECRET is not set/) });
  });
});
