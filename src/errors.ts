/**
 * Errors carry a stable `code` (callers branch on it, never on message text), an optional `cause`,
 * and whether a retry can help. A `UserError` is a user's mistake (bad file, profile, setting): the CLI
 * prints its message as one line and exits 1, never with a stack trace.
 */
export interface RelsyncErrorOptions {
  cause?: unknown;
  /** true when doing the same thing again later may succeed (network fault, 429, 5xx). */
  isRetryable?: boolean;
}

export class RelsyncError extends Error {
  readonly code: string;
  readonly isRetryable: boolean;

  constructor(code: string, message: string, options: RelsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelsyncError';
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
  }
}

/** A mistake in what the user gave us: shown as one line naming the file/row/column/variable. */
export class UserError extends RelsyncError {
  constructor(code: string, message: string, options: RelsyncErrorOptions = {}) {
    super(code, message, options);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** Stable codes for our own errors (Zoho's codes travel as strings from the API). */
export const ErrorCodes = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  PROFILE_INVALID: 'PROFILE_INVALID',
  PROFILE_NOT_FOUND: 'PROFILE_NOT_FOUND',
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  FILE_INVALID: 'FILE_INVALID',
  PAYLOAD_INVALID: 'PAYLOAD_INVALID',
  PATH_OUTSIDE_ROOT: 'PATH_OUTSIDE_ROOT',
  IMPORT_NOT_FOUND: 'IMPORT_NOT_FOUND',
  REDIS_UNREACHABLE: 'REDIS_UNREACHABLE',
} as const;

/** Render any error as one line without a stack: for the CLI's stderr and for job failure reasons. */
export function oneLine(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s*\n\s*/g, ' ');
  return String(error);
}
