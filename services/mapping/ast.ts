/**
 * The syntax tree of a mapping expression. Positions are 0-based UTF-16 offsets into the source
 * string; errors show them 1-based as `column`.
 */

/** A whole expression: literal text and `{…}` placeholders, in order. */
export interface TemplateNode {
  kind: 'template';
  parts: Array<TextPart | PlaceholderPart>;
}

export interface TextPart {
  kind: 'text';
  pos: number;
  /** With escapes already resolved (`\{` is `{`). */
  text: string;
}

export interface PlaceholderPart {
  kind: 'placeholder';
  pos: number;
  expr: ExprNode;
}

export type ExprNode = RefNode | StringNode | NumberNode | CallNode;

/** `givenName`, `custom.costCode`, `custom["Cost Code"]` or the counter `n`. */
export interface RefNode {
  kind: 'ref';
  pos: number;
  name: string;
  /** The member after `.` or inside `[…]`: only `custom` has members. */
  key?: string;
}

export interface StringNode {
  kind: 'string';
  pos: number;
  value: string;
}

export interface NumberNode {
  kind: 'number';
  pos: number;
  value: number;
}

/**
 * `f(a, b)` or a pipe stage `x | f(b)`. A pipe stage is the same call with the piped value as its
 * first argument, so `x | lower` and `lower(x)` compile to the same thing.
 */
export interface CallNode {
  kind: 'call';
  pos: number;
  name: string;
  args: ExprNode[];
  piped: boolean;
}
