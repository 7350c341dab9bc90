import type { CallNode, ExprNode, PlaceholderPart, TemplateNode, TextPart } from './ast';

/**
 * Parses a mapping expression into a syntax tree. A hand-written recursive-descent parser: no
 * `eval`, no `Function`, no regular expression built from configuration. The grammar is in
 * `docs/attribute-mapping.md`; keep the two in step.
 *
 * Parsing only checks syntax. Whether a field, function or lookup table exists is the compiler's
 * business (see `compile.ts`), so that one expression can report several such mistakes at once.
 */

/** A syntax error at a 0-based offset of the expression. */
export class ExpressionSyntaxError extends Error {
  readonly code = 'MAPPING_EXPRESSION_SYNTAX';
  readonly position: number;
  constructor(options: { position: number; message: string }) {
    super(options.message);
    this.name = 'ExpressionSyntaxError';
    this.position = options.position;
  }
}

/** Calls nest at most this deep; deeper is surely a mistake and would only risk the stack. */
export const MAX_NESTING = 32;
/** Integer literals stay small: they are lengths and counts, not data. */
export const MAX_INTEGER = 1_000_000;

function syntaxError(position: number, message: string): ExpressionSyntaxError {
  return new ExpressionSyntaxError({ position, message });
}

/** @throws ExpressionSyntaxError at the first syntax error. */
export function parseExpression(source: string): TemplateNode {
  return new Parser(source).template();
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const KEY_PART = /[A-Za-z0-9_-]/;
const DIGIT = /[0-9]/;
const SPACE = /[ \t\r\n]/;

class Parser {
  private i = 0;

  constructor(private readonly src: string) {}

  template(): TemplateNode {
    const parts: TemplateNode['parts'] = [];
    let text = '';
    let textStart = 0;
    const flush = (): void => {
      if (text !== '') parts.push({ kind: 'text', pos: textStart, text } satisfies TextPart);
      text = '';
    };
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === '\\') {
        const next = this.src[this.i + 1];
        if (next !== '{' && next !== '}' && next !== '\\') {
          throw syntaxError(this.i, "'\\' in text must be followed by {, } or \\");
        }
        if (text === '') textStart = this.i;
        text += next;
        this.i += 2;
        continue;
      }
      if (c === '}') throw syntaxError(this.i, "unmatched '}' (write \\} for a literal brace)");
      if (c === '{') {
        flush();
        parts.push(this.placeholder());
        continue;
      }
      if (text === '') textStart = this.i;
      text += c;
      this.i += 1;
    }
    flush();
    return { kind: 'template', parts };
  }

  private placeholder(): PlaceholderPart {
    const start = this.i;
    this.i += 1; // '{'
    this.skipSpace();
    if (this.peek() === '}') throw syntaxError(start, 'empty placeholder {}');
    if (this.atEnd()) throw syntaxError(start, "unterminated placeholder: missing '}'");
    const expr = this.pipeline(0);
    this.skipSpace();
    if (this.atEnd()) throw syntaxError(start, "unterminated placeholder: missing '}'");
    if (this.peek() !== '}') throw this.unexpected("'|' or '}'");
    this.i += 1;
    return { kind: 'placeholder', pos: start, expr };
  }

  /** pipeline = term { "|" call } */
  private pipeline(depth: number): ExprNode {
    let value = this.term(depth);
    this.skipSpace();
    while (this.peek() === '|') {
      this.i += 1;
      this.skipSpace();
      const pos = this.i;
      if (!IDENT_START.test(this.peek())) throw this.unexpected('a function name after |');
      const name = this.ident();
      const args = this.peek() === '(' ? this.argList(depth + 1) : [];
      value = { kind: 'call', pos, name, args: [value, ...args], piped: true } satisfies CallNode;
      this.skipSpace();
    }
    return value;
  }

  /** term = string | integer | name "(" args ")" | reference */
  private term(depth: number): ExprNode {
    if (depth > MAX_NESTING) throw syntaxError(this.i, `calls nest deeper than ${MAX_NESTING}`);
    const pos = this.i;
    const c = this.peek();
    if (c === '"' || c === "'") return { kind: 'string', pos, value: this.string() };
    if (DIGIT.test(c)) return { kind: 'number', pos, value: this.integer() };
    if (!IDENT_START.test(c)) throw this.unexpected('a field, a string, a number or a function');
    const name = this.ident();
    if (this.peek() === '(') return { kind: 'call', pos, name, args: this.argList(depth + 1), piped: false };
    if (this.peek() === '.') {
      this.i += 1;
      const keyStart = this.i;
      while (KEY_PART.test(this.peek())) this.i += 1;
      if (this.i === keyStart) throw this.unexpected(`a member name after '${name}.'`);
      return { kind: 'ref', pos, name, key: this.src.slice(keyStart, this.i) };
    }
    if (this.peek() === '[') {
      this.i += 1;
      this.skipSpace();
      if (this.peek() !== '"' && this.peek() !== "'") throw this.unexpected(`a quoted member name after '${name}['`);
      const key = this.string();
      this.skipSpace();
      if (this.peek() !== ']') throw this.unexpected("']'");
      this.i += 1;
      return { kind: 'ref', pos, name, key };
    }
    return { kind: 'ref', pos, name };
  }

  /** args = "(" [ pipeline { "," pipeline } ] ")" */
  private argList(depth: number): ExprNode[] {
    const open = this.i;
    this.i += 1; // '('
    const args: ExprNode[] = [];
    this.skipSpace();
    if (this.peek() === ')') {
      this.i += 1;
      return args;
    }
    for (;;) {
      this.skipSpace();
      args.push(this.pipeline(depth));
      this.skipSpace();
      if (this.peek() === ',') {
        this.i += 1;
        continue;
      }
      if (this.peek() === ')') {
        this.i += 1;
        return args;
      }
      if (this.atEnd()) throw syntaxError(open, "unclosed '(': missing ')'");
      throw this.unexpected("',' or ')'");
    }
  }

  /** A quoted literal; `\` escapes only the quote characters and itself. */
  private string(): string {
    const start = this.i;
    const quote = this.src[this.i];
    this.i += 1;
    let value = '';
    while (!this.atEnd()) {
      const c = this.src[this.i]!;
      if (c === quote) {
        this.i += 1;
        return value;
      }
      if (c === '\\') {
        const next = this.src[this.i + 1];
        if (next !== '"' && next !== "'" && next !== '\\') {
          throw syntaxError(this.i, "'\\' in a string must be followed by \", ' or \\");
        }
        value += next;
        this.i += 2;
        continue;
      }
      value += c;
      this.i += 1;
    }
    throw syntaxError(start, 'unterminated string');
  }

  private integer(): number {
    const start = this.i;
    while (DIGIT.test(this.peek())) this.i += 1;
    if (IDENT_PART.test(this.peek())) throw this.unexpected('a digit, or the end of the number');
    const value = Number(this.src.slice(start, this.i));
    if (value > MAX_INTEGER) throw syntaxError(start, `number larger than ${MAX_INTEGER}`);
    return value;
  }

  private ident(): string {
    const start = this.i;
    while (IDENT_PART.test(this.peek())) this.i += 1;
    return this.src.slice(start, this.i);
  }

  private skipSpace(): void {
    while (SPACE.test(this.peek())) this.i += 1;
  }

  /** The current character, or '' at the end (which no character class matches). */
  private peek(): string {
    return this.src[this.i] ?? '';
  }

  private atEnd(): boolean {
    return this.i >= this.src.length;
  }

  private unexpected(expected: string): ExpressionSyntaxError {
    if (this.atEnd()) return syntaxError(this.i, `unexpected end of expression, expected ${expected}`);
    return syntaxError(this.i, `unexpected '${this.src[this.i]!}', expected ${expected}`);
  }
}
