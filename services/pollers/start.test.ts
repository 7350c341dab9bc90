import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigError } from '../config';
import { pollerSpecs } from './start';

const BAMBOO = JSON.stringify({
  beta: { webhookKey: { env: 'K' }, apiKey: { env: 'K' }, companyDomain: 'beta' },
  acme: { webhookKey: { env: 'K' }, apiKey: { env: 'K' }, companyDomain: 'acme' },
});
const WORKDAY = JSON.stringify({
  acme: { secret: { env: 'K' }, defaultTimeZone: 'America/Los_Angeles', raas: { reportUrl: 'https://wd.example/ccx/service/customreport2/acme/ISU/JML', user: 'ISU@acme', password: { env: 'RAAS_PW' }, prompts: { Days: '90' } } },
  posts: { secret: { env: 'K' }, defaultTimeZone: 'UTC' },
});

describe('pollerSpecs', () => {
  it('one poller per BambooHR tenant and per Workday tenant with a report, at the default intervals', () => {
    const config = loadConfig({ K: 'a-key-of-at-least-24-bytes', RAAS_PW: 'pw', JML_BAMBOOHR_TENANTS: BAMBOO, JML_WORKDAY_TENANTS: WORKDAY });
    expect(pollerSpecs(config)).toEqual([
      { source: 'bamboohr', tenant: 'acme', intervalMs: 300_000 },
      { source: 'bamboohr', tenant: 'beta', intervalMs: 300_000 },
      { source: 'workday', tenant: 'acme', intervalMs: 900_000 },
    ]);
    expect(config.workday.acme?.raas).toEqual({ reportUrl: 'https://wd.example/ccx/service/customreport2/acme/ISU/JML', user: 'ISU@acme', password: 'pw', prompts: { Days: '90' } });
  });

  it('an interval of 0 turns a source off; other intervals are seconds', () => {
    const config = loadConfig({ K: 'a-key-of-at-least-24-bytes', RAAS_PW: 'pw', JML_BAMBOOHR_TENANTS: BAMBOO, JML_WORKDAY_TENANTS: WORKDAY, JML_BAMBOOHR_POLL_INTERVAL_SECONDS: '0', JML_WORKDAY_POLL_INTERVAL_SECONDS: '60' });
    expect(pollerSpecs(config)).toEqual([{ source: 'workday', tenant: 'acme', intervalMs: 60_000 }]);
  });

  it('config > lists an unresolvable report password and a report URL with a query', () => {
    const bad = JSON.stringify({ acme: { secret: { env: 'K' }, defaultTimeZone: 'UTC', raas: { reportUrl: 'https://wd.example/r?format=json', user: 'u', password: { env: 'MISSING' } } } });
    expect(() => loadConfig({ K: 'a-key-of-at-least-24-bytes', JML_WORKDAY_TENANTS: bad })).toThrow(/raas\.reportUrl: must not carry a query/);
    const missing = JSON.stringify({ acme: { secret: { env: 'K' }, defaultTimeZone: 'UTC', raas: { reportUrl: 'https://wd.example/r', user: 'u', password: { env: 'MISSING' } } } });
    let error: unknown;
    try {
      loadConfig({ K: 'a-key-of-at-least-24-bytes', JML_WORKDAY_TENANTS: missing });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).issues).toEqual(['JML_WORKDAY_TENANTS.acme.raas.password: environment variable MISSING is not set']);
  });
});
