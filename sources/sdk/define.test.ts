import { describe, expect, it } from 'vitest';
import { bambooHrSource } from '../bamboohr';
import { canonicalSource } from '../canonical';
import { defineSource, routeOf, sourceProblems, type AnySource } from './define';

const valid = bambooHrSource as AnySource;

describe('defineSource', () => {
  it('accepts > the registered sources', () => {
    expect(sourceProblems(valid)).toEqual([]);
    expect(sourceProblems(canonicalSource as AnySource)).toEqual([]);
  });

  it('refuses > a bad id, a path that does not fit it, and hydration or polling without a client, all listed at once', () => {
    const bad = { ...valid, id: 'Acme HR', client: undefined, webhook: { ...valid.webhook, path: '/webhooks/other/:tenant' } };
    expect(() => defineSource(bad)).toThrow(/id 'Acme HR'[\s\S]*path '\/webhooks\/other\/:tenant'[\s\S]*hydrate needs client\(\)[\s\S]*poll needs client\(\)/);
  });

  it('refuses > signature headers that are missing, not lowercase names, or carry credentials of ours', () => {
    const bad = (signatureHeaders: string[]) => sourceProblems({ ...valid, webhook: { ...valid.webhook, signatureHeaders } });
    expect(bad([])).toEqual(['webhook.signatureHeaders must name the headers verify reads']);
    expect(bad(['X-Signature', 'authorization', 'cookie'])).toEqual([
      "signature header 'X-Signature' must be a lowercase header name",
      "signature header 'authorization' carries credentials; a dead letter must never keep it",
      "signature header 'cookie' carries credentials; a dead letter must never keep it",
    ]);
  });

  it('routes > are labelled with the configured tenant, or the fixed path', () => {
    expect(routeOf(valid, 'acme')).toBe('/webhooks/bamboohr/acme');
    expect(routeOf(canonicalSource as AnySource, 'default')).toBe('/v1/events');
  });
});
