import { describe, expect, it } from 'vitest';
import { canonicalFieldName, HYDRATE_FIELDS, recordFromWebhookFields } from './fields';

describe('canonicalFieldName', () => {
  it('maps aliases, display names and their spelling variants to one alias', () => {
    for (const n of ['firstName', 'First Name', 'First name', 'first_name', 'FIRST NAME']) expect(canonicalFieldName(n), n).toBe('firstName');
    expect(canonicalFieldName('Employment Status')).toBe('employmentHistoryStatus');
    expect(canonicalFieldName('Status')).toBe('status');
    expect(canonicalFieldName('Employee #')).toBe('employeeNumber');
    expect(canonicalFieldName('Reporting to')).toBe('supervisor');
    expect(canonicalFieldName('supervisorEId')).toBe('supervisorEId');
  });

  it('knows nothing of fields the adapter does not use', () => {
    expect(canonicalFieldName('SSN')).toBeUndefined();
    expect(canonicalFieldName('Pay rate')).toBeUndefined();
  });
});

describe('recordFromWebhookFields', () => {
  it('re-keys by alias, drops unused fields and keeps the first non-null value of duplicates', () => {
    expect(recordFromWebhookFields({ 'Job Title': null, jobTitle: 'CTO', 'First Name': 'Ada', SSN: '078-05-1120', 'Home Phone': '555' })).toEqual({
      jobTitle: 'CTO',
      firstName: 'Ada',
    });
  });
});

describe('HYDRATE_FIELDS', () => {
  it('asks for every standard field the snapshot reads, and no display-only field', () => {
    expect(HYDRATE_FIELDS).toEqual(expect.arrayContaining(['firstName', 'lastName', 'status', 'employmentHistoryStatus', 'hireDate', 'terminationDate', 'supervisorEId']));
    expect(HYDRATE_FIELDS).not.toContain('supervisor');
  });
});
