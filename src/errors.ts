/**
 * Typed errors with a user-facing message, a hint and a distinct exit code.
 * One handler (cli/handle-error.ts) prints them; nothing else calls process.exit.
 */
export type ErrorCode = 'usage' | 'config' | 'dbt' | 'validation' | 'checks' | 'internal';

export const EXIT_CODES: Record<ErrorCode, number> = {
  internal: 1,
  usage: 2,
  config: 3,
  dbt: 4,
  validation: 5,
  /** `retain validate` (and the checks at the end of `retain run`): a distribution, drift, freshness or audience check failed */
  checks: 6,
};

export class RetainError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: string[];

  constructor(code: ErrorCode, message: string, hint?: string, details?: string[]) {
    super(message);
    this.name = 'RetainError';
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export class ConfigError extends RetainError {
  constructor(message: string, hint?: string, details?: string[]) {
    super('config', message, hint, details);
    this.name = 'ConfigError';
  }
}

export class DbtError extends RetainError {
  constructor(message: string, hint?: string, details?: string[]) {
    super('dbt', message, hint, details);
    this.name = 'DbtError';
  }
}
