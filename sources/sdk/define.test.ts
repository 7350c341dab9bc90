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

  it('routes > are labelled with the configured tenant, or the fixed path', () => {
    expect(routeOf(valid, 'acme')).toBe('/webhooks/bamboohr/acme');
    expect(routeOf(canonicalSource as AnySource, 'default')).toBe('/v1/events');
  });
});
