/**
 * Errors of the mapping module. Codes are stable; branch on `code`, not on the class.
 */

/** One configuration problem, located as precisely as it can be. */
export interface MappingIssue {
  appId?: string;
  /** Where in the app's config: `attributes.userName`, `unique.userName[1]`, `lookups.countries`. */
  path?: string;
  attribute?: string;
  /** 0-based index of a unique candidate. */
  candidate?: number;
  /** The expression's source, when the problem is in one. */
  expression?: string;
  /** 1-based column of the problem in `expression`. */
  column?: number;
  message: string;
}

/** `app 'github', attributes.userName: unknown function 'lowr' (did you mean 'lower'?) at column 12 of "{givenName|lowr}"`. */
export function formatMappingIssue(issue: MappingIssue): string {
  const where = [issue.appId === undefined ? undefined : `app '${issue.appId}'`, issue.path].filter(Boolean).join(', ');
  const at = issue.expression === undefined ? '' : `${issue.column === undefined ? ' in' : ` at column ${issue.column} of`} ${JSON.stringify(issue.expression)}`;
  return `${where ? `${where}: ` : ''}${issue.message}${at}`;
}

/** Mapping configuration is invalid; `issues` lists every problem found, not just the first. */
export class MappingConfigError extends Error {
  readonly code = 'MAPPING_CONFIG_INVALID';
  readonly retryable = false;
  constructor(readonly issues: readonly MappingIssue[]) {
    super(`invalid attribute mapping:\n  - ${issues.map(formatMappingIssue).join('\n  - ')}`);
    this.name = 'MappingConfigError';
  }
}

/** A caller asked for something the mapping does not define (a programming error, never retryable). */
export class MappingError extends Error {
  readonly code: MappingErrorCode;
  readonly retryable = false;
  /** Safe facts (ids and names, no person data). */
  readonly context: Readonly<Record<string, string>>;
  constructor(options: { code: MappingErrorCode; message: string; context?: Record<string, string> }) {
    super(options.message);
    this.name = 'MappingError';
    this.code = options.code;
    this.context = options.context ?? {};
  }
}

export type MappingErrorCode = 'MAPPING_UNKNOWN_UNIQUE_ATTRIBUTE';
