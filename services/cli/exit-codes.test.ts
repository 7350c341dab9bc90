import { WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config';
import { PolicyError } from '../policy/load';
import { CodecConfigError } from '../temporal/data-converter';
import { CliError, errorLine, EXIT, EXIT_KIND, EXIT_MEANING, exitCodeOf } from './exit-codes';

describe('jml exit codes', () => {
  it('are 0 to 4, each with a name and a meaning', () => {
    expect(Object.values(EXIT).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const code of Object.values(EXIT)) {
      expect(EXIT_KIND[code]).toMatch(/^[a-z-]+$/);
      expect(EXIT_MEANING[code].length).toBeGreaterThan(3);
    }
  });

  it('errors map to codes > ours keep theirs, configuration is 2, a missing workflow 3, anything else 1', () => {
    expect(exitCodeOf(new CliError('x', EXIT.refused))).toBe(4);
    expect(exitCodeOf(new ConfigError(['GATEWAY_PORT: bad']))).toBe(2);
    expect(exitCodeOf(new PolicyError(['apps: required']))).toBe(2);
    expect(exitCodeOf(new CodecConfigError('JML_CODEC_KEYS is not set'))).toBe(2);
    expect(exitCodeOf(new WorkflowNotFoundError('not found', 'person/x', undefined))).toBe(3);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
    expect(exitCodeOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(1);
  });

  it('errorLine > one line: listed problems joined by semicolons', () => {
    expect(errorLine(new ConfigError(['A: one', 'B: two']))).toBe('invalid configuration: A: one; B: two');
    expect(errorLine(new Error('plain'))).toBe('plain');
    expect(errorLine(42)).toBe('42');
  });
});
