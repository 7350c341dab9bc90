import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_ERROR_CODES } from '../../connectors/sdk/errors';
import { GATEWAY_ERRORS } from '../../services/gateway/errors';
import { POLLER_ERROR_CODES } from '../../sources/sdk/poll-error';
import { CODEC_ERROR_CODES } from '../../services/temporal/codec';
import { SECURITY_ACTION_REFUSALS } from '../../schemas/contracts';

/** Rows of the markdown table under a `## heading` in docs/errors.md, as arrays of cells. */
function tableUnder(heading: string): string[][] {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`docs/errors.md has no section '${heading}'`);
  return section
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

describe('docs/errors.md', () => {
  it('gateway > documents exactly the codes the gateway answers, with their statuses', () => {
    const documented = tableUnder('Gateway').map(([code, status]) => [code, Number(status)]);
    const coded = Object.entries(GATEWAY_ERRORS).map(([code, def]) => [code, def.status]);
    expect(documented.sort()).toEqual(coded.sort());
  });

  it('connectors > documents exactly the connector error codes, with their retryability', () => {
    const documented = tableUnder('Connectors').map(([code, retryable]) => [code, retryable === 'yes']);
    const coded = Object.entries(CONNECTOR_ERROR_CODES).map(([code, def]) => [code, def.retryable]);
    expect(documented.sort()).toEqual(coded.sort());
  });

  it('pollers > documents exactly the pollers\' own error codes, with their retryability', () => {
    const documented = tableUnder('Pollers').map(([code, retryable]) => [code, retryable === 'yes']);
    const coded = Object.entries(POLLER_ERROR_CODES).map(([code, def]) => [code, def.retryable]);
    expect(documented.sort()).toEqual(coded.sort());
  });

  it('codec > documents exactly the payload codec\'s error codes, with their retryability', () => {
    const documented = tableUnder('Payload codec').map(([code, retryable]) => [code, retryable === 'yes']);
    const coded = Object.entries(CODEC_ERROR_CODES).map(([code, def]) => [code, def.retryable]);
    expect(documented.sort()).toEqual(coded.sort());
  });

  it('suspend and restore > documents exactly the refusals of a suspend or restore', () => {
    expect(tableUnder('Suspend and restore').map(([code]) => code).sort()).toEqual([...SECURITY_ACTION_REFUSALS].sort());
  });
});
