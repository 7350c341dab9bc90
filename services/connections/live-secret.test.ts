import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSecret } from './live-secret';

describe('live secrets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jml-live-secret-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('env > the value of boot, which cannot change, and no rotation', () => {
    const problems: string[] = [];
    const secret = liveSecret({ env: 'PW' }, { env: { PW: 'from-env' }, path: 'X_PASSWORD', problems });
    expect([secret?.read(), secret?.rotates, secret?.source, problems]).toEqual(['from-env', false, 'env PW', []]);
  });

  it('file > replaced the way Kubernetes does it (a new file renamed over the old), the next read sees the new value', async () => {
    const file = join(dir, 'password');
    await writeFile(file, 'one\n');
    const secret = liveSecret({ file }, { env: {}, path: 'X_PASSWORD', problems: [] });
    expect(secret?.read()).toBe('one');
    await writeFile(join(dir, 'password.new'), 'two\n');
    await rename(join(dir, 'password.new'), file);
    expect(secret?.read()).toBe('two');
  });

  it('file > gone or emptied after boot, read() throws naming the file and never the last value', async () => {
    const file = join(dir, 'vanishing');
    await writeFile(file, 'last-good-value');
    const secret = liveSecret({ file }, { env: {}, path: 'X_PASSWORD', problems: [] });
    await writeFile(file, '');
    expect(() => secret?.read()).toThrow(`secret file ${file} is empty`);
    await rm(file);
    let message = '';
    try {
      secret?.read();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(`secret file ${file} cannot be read (ENOENT)`);
  });

  it('boot > an unreadable reference or a refused value is a problem naming the variable, and no secret', () => {
    const problems: string[] = [];
    expect(liveSecret({ env: 'UNSET' }, { env: {}, path: 'A', problems })).toBeUndefined();
    expect(liveSecret({ env: 'V' }, { env: { V: 'not-pem-value' }, path: 'B', problems, check: () => 'is not a PEM certificate' })).toBeUndefined();
    expect(problems).toEqual(['A: environment variable UNSET is not set', 'B: is not a PEM certificate']);
  });
});
