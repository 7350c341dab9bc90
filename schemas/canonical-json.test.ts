import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every level, whatever order they were written in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":3,"f":1}]},"b":1}');
    expect(canonicalJson({ a: { y: 1, x: 2 }, b: 0 })).toBe(canonicalJson({ b: 0, a: { x: 2, y: 1 } }));
  });

  it('sorts keys by code unit, not by locale (upper case before lower case)', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, é: 4 })).toBe('{"B":2,"a":3,"b":1,"é":4}');
  });

  it('drops undefined object members, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ a: undefined })).toBe('{}');
    expect(canonicalJson({ a: () => 1, b: Symbol('s') })).toBe(JSON.stringify({ a: () => 1, b: Symbol('s') }));
  });

  it('writes undefined in an array, or as the whole value, as null', () => {
    expect(canonicalJson([1, undefined, 2])).toBe('[1,null,2]');
    expect(canonicalJson([1, undefined, 2])).toBe(JSON.stringify([1, undefined, 2]));
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('writes scalars as JSON.stringify does', () => {
    for (const v of ['a"b\\c\n', 'Ünïcødé ☃', 0, -0, 1.5e300, Number.NaN, Number.POSITIVE_INFINITY, true, false, null]) {
      expect(canonicalJson(v), String(v)).toBe(JSON.stringify(v));
    }
  });

  it('equals JSON.stringify for data whose keys are already sorted', () => {
    const sorted = { a: [1, 'two', { b: null, c: [true] }], d: { e: 'f' } };
    expect(canonicalJson(sorted)).toBe(JSON.stringify(sorted));
  });

  it('keeps empty containers and nested arrays', () => {
    expect(canonicalJson({ a: [], b: {}, c: [[], [{}]] })).toBe('{"a":[],"b":{},"c":[[],[{}]]}');
  });

  it('throws on a bigint, as JSON.stringify does', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
  });
});
