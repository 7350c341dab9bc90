import { describe, expect, it } from 'vitest';
import { ExpressionSyntaxError, MAX_NESTING, parseExpression } from './parse';

function syntaxErrorOf(source: string): { column: number; message: string } {
  try {
    parseExpression(source);
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return { column: err.position + 1, message: err.message };
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be a syntax error`);
}

describe('parser', () => {
  it('splits a template into text and placeholders with their positions', () => {
    expect(parseExpression('{givenName}.{familyName}@example.com')).toEqual({
      kind: 'template',
      parts: [
        { kind: 'placeholder', pos: 0, expr: { kind: 'ref', pos: 1, name: 'givenName' } },
        { kind: 'text', pos: 11, text: '.' },
        { kind: 'placeholder', pos: 12, expr: { kind: 'ref', pos: 13, name: 'familyName' } },
        { kind: 'text', pos: 24, text: '@example.com' },
      ],
    });
  });

  it('turns a pipe stage into a call whose first argument is the piped value', () => {
    const tree = parseExpression('{ givenName | truncate(3) | lower }');
    expect(tree.parts[0]).toEqual({
      kind: 'placeholder',
      pos: 0,
      expr: {
        kind: 'call',
        pos: 28,
        name: 'lower',
        piped: true,
        args: [
          {
            kind: 'call',
            pos: 14,
            name: 'truncate',
            piped: true,
            args: [
              { kind: 'ref', pos: 2, name: 'givenName' },
              { kind: 'number', pos: 23, value: 3 },
            ],
          },
        ],
      },
    });
  });

  it('parses direct calls with pipelines as arguments', () => {
    const tree = parseExpression('{coalesce(preferredName | trim, givenName, "x")}');
    const expr = tree.parts[0]?.kind === 'placeholder' ? tree.parts[0].expr : undefined;
    expect(expr).toMatchObject({ kind: 'call', name: 'coalesce', piped: false });
    expect(expr?.kind === 'call' ? expr.args.map((a) => a.kind) : []).toEqual(['call', 'ref', 'string']);
  });

  it('reads custom members written with a dot or with quoted brackets', () => {
    expect(parseExpression('{custom.cost-code}{custom["Badge No."]}').parts).toEqual([
      { kind: 'placeholder', pos: 0, expr: { kind: 'ref', pos: 1, name: 'custom', key: 'cost-code' } },
      { kind: 'placeholder', pos: 18, expr: { kind: 'ref', pos: 19, name: 'custom', key: 'Badge No.' } },
    ]);
  });

  it('reads single- and double-quoted strings with escaped quotes and backslashes', () => {
    const tree = parseExpression(`{default('it\\'s')}{default("a \\"b\\" \\\\")}`);
    const values = tree.parts.map((p) => (p.kind === 'placeholder' && p.expr.kind === 'call' ? p.expr.args[0] : undefined));
    expect(values).toEqual([
      { kind: 'string', pos: 9, value: "it's" },
      { kind: 'string', pos: 27, value: 'a "b" \\' },
    ]);
  });

  it('reads escaped braces and backslashes in text as literal characters', () => {
    expect(parseExpression('\\{literal\\} \\\\ {givenName}').parts[0]).toEqual({ kind: 'text', pos: 0, text: '{literal} \\ ' });
  });

  it('keeps text without placeholders as one text part', () => {
    expect(parseExpression('Example Corp').parts).toEqual([{ kind: 'text', pos: 0, text: 'Example Corp' }]);
  });

  describe('syntax errors', () => {
    it.each([
      ['{givenName', 1, "unterminated placeholder: missing '}'"],
      ['{}', 1, 'empty placeholder {}'],
      ['{ }', 1, 'empty placeholder {}'],
      ['a}b', 2, "unmatched '}' (write \\} for a literal brace)"],
      ['{{givenName}}', 2, "unexpected '{', expected a field, a string, a number or a function"],
      ['{givenName lower}', 12, "unexpected 'l', expected '|' or '}'"],
      ['{givenName|}', 12, "unexpected '}', expected a function name after |"],
      ['{givenName|truncate(3}', 22, "unexpected '}', expected ',' or ')'"],
      ['{givenName|truncate(3', 20, "unclosed '(': missing ')'"],
      ['{default("abc}', 10, 'unterminated string'],
      ['{default("a\\nb")}', 12, "'\\' in a string must be followed by \", ' or \\"],
      ['x\\y', 2, "'\\' in text must be followed by {, } or \\"],
      ['{custom.}', 9, "unexpected '}', expected a member name after 'custom.'"],
      ['{custom[cost]}', 9, "unexpected 'c', expected a quoted member name after 'custom['"],
      ['{custom["cost"}', 15, "unexpected '}', expected ']'"],
      ['{truncate(givenName, 3x)}', 23, "unexpected 'x', expected a digit, or the end of the number"],
      ['{truncate(givenName, 99999999)}', 22, 'number larger than 1000000'],
      ['{givenName|-}', 12, "unexpected '-', expected a function name after |"],
    ])('reports %j at column %i: %s', (source, column, message) => {
      expect(syntaxErrorOf(source)).toEqual({ column, message });
    });

    it('refuses calls nested deeper than the limit', () => {
      const deep = `{${'lower('.repeat(MAX_NESTING + 1)}givenName${')'.repeat(MAX_NESTING + 1)}}`;
      expect(syntaxErrorOf(deep).message).toBe(`calls nest deeper than ${MAX_NESTING}`);
      const fine = `{${'lower('.repeat(MAX_NESTING)}givenName${')'.repeat(MAX_NESTING)}}`;
      expect(() => parseExpression(fine)).not.toThrow();
    });
  });
});
