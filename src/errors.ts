/**
 * Errors carry a stable `code` (callers branch on it, never on message text), an optional `cause`,
 * and whether a retry can help. Every code we throw is in ERROR_TABLE below, with what it means and
 * whether retrying can help; an error's `isRetryable` comes from its code. A `UserError` is a user's
 * mistake (bad file, profile, setting): the CLI prints its message as one line and exits 1, never with
 * a stack trace. Row outcome codes (the report's `_code`) are another table: domain/row-outcome.ts.
 */

interface ErrorKind {
  /** Doing the same thing again later may succeed (network fault, 429, 5xx, a busy peer). */
  readonly retryable: boolean;
  /** What it means, for docs/architecture.md and for whoever reads a log. */
  readonly meaning: string;
}

/** The one table of the codes relsync throws. */
export const ERROR_TABLE = {
  // A user's mistake: one line, exit 1, nothing sent.
  CONFIG_INVALID: { retryable: false, meaning: 'an environment variable or option has a wrong value' },
  PROFILE_INVALID: { retryable: false, meaning: 'a profile is not valid JSON or does not match the profile schema' },
  PROFILE_NOT_FOUND: { retryable: false, meaning: 'no built-in profile or profile file of that name' },
  FILE_NOT_FOUND: { retryable: false, meaning: 'the CSV (or a schedule pattern) names no file' },
  FILE_INVALID: { retryable: false, meaning: 'the CSV cannot be imported: header, encoding, size or row limits' },
  PAYLOAD_INVALID: { retryable: false, meaning: "a queue job's payload does not have the contract's shape" },
  PATH_OUTSIDE_ROOT: { retryable: false, meaning: 'a path from the queue leads outside IMPORT_ROOT or REPORT_DIR' },
  IMPORT_NOT_FOUND: { retryable: false, meaning: 'no import with that id in this Redis and prefix' },
  IMPORT_EXPIRED: { retryable: false, meaning: 'the import existed, but its records were removed after RELSYNC_RETENTION_DAYS or by relsync prune' },
  IMPORT_NOT_FINISHED: { retryable: false, meaning: 'the command needs a finished import, and this one is still running or failed' },
  IMPORT_ENDED: { retryable: false, meaning: 'cancel of an import that has already ended (or is writing its report): nothing is left to stop' },
  NOTHING_TO_RETRY: { retryable: false, meaning: 'retry of an import none of whose rows ended in error' },
  REPORT_PATH_INVALID: { retryable: false, meaning: "--report (or a report's companion file) would overwrite the input, or land where the watched folder imports it" },
  REPORT_NOT_WRITABLE: { retryable: false, meaning: "the report's folder does not take files (permission, read-only, full disk)" },
  REPORT_WRITE_FAILED: { retryable: true, meaning: 'a report file could not be written; its cause holds the file-system error (ENOSPC, EROFS…)' },
  LOOKUP_UNAVAILABLE: { retryable: false, meaning: "a profile's lookup table cannot be read from Zoho: a scope, a permission or a module is missing" },
  SOURCE_URL_INVALID: { retryable: false, meaning: 'a source, RELSYNC_STORAGE or WATCH_DIR URL is not one relsync reads (sftp://, s3://, https://), or holds credentials' },
  SOURCE_REFUSED: { retryable: false, meaning: 'a remote store refused us: a wrong key, an unknown host key, access denied' },
  SOURCE_UNREACHABLE: { retryable: true, meaning: 'a remote store could not be reached, or the connection broke mid-file; the whole file is read again' },
  REDIS_UNREACHABLE: { retryable: false, meaning: 'Redis does not answer at REDIS_URL (or none can be started for the demo)' },
  // The Zoho edge: waits and pauses, never a row's error by themselves.
  ACCOUNTS_ERROR: { retryable: true, meaning: "Zoho's accounts server would not give an access token (its answer decides retryable)" },
  TOKEN_WAIT_TIMEOUT: { retryable: true, meaning: 'another worker holds the token lock and has not finished minting' },
  LINKS_READ_REFUSED: { retryable: false, meaning: "an unlink or mirror cannot read a base record's current links: Zoho refuses the read (a scope, a permission, a module)" },
  REMOVALS_OVER_LIMIT: { retryable: false, meaning: 'a mirror would remove more than RELSYNC_MIRROR_MAX_REMOVE_RATIO of the current links of its base records; stopped before its first DELETE (--allow-removals lets it)' },
  NOTHING_TO_UNDO: { retryable: false, meaning: '`undo` of an import that added no link (no row answered `relation added`)' },
  LINKS_READ_FAILED: { retryable: true, meaning: "a base record's current links could not be read from Zoho now (network, 5xx, 429, our credit budget); the import step retries" },
  LOOKUP_READ_FAILED: { retryable: true, meaning: "a lookup table could not be read from Zoho now (network, 5xx, 429) or another worker is still reading it; the import step retries" },
  CREDIT_BUDGET: { retryable: true, meaning: 'our own ZOHO_DAILY_CREDITS budget is spent for the rolling window' },
  WEBHOOK_FAILED: { retryable: true, meaning: 'a webhook receiver did not answer 2xx (or could not be reached); the delivery is tried again' },
  SYNC_CALL_FAILED: { retryable: true, meaning: 'a Zoho call got no usable answer (network, 5xx, 429 for too long); the job retries it' },
  // A caller's programming error: a bug in relsync, never a user's mistake.
  INVALID_OPTION: { retryable: false, meaning: 'a library function was given an option out of its range' },
  INVALID_REQUEST: { retryable: false, meaning: 'a Zoho request was built with no entries, too many, or an empty path segment' },
  LOOKUP_INVALID: { retryable: false, meaning: "the report writer's outcome lookup answered the wrong number of outcomes" },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_TABLE;

/** Each code by name, for `ErrorCodes.FILE_INVALID` at the throw site. */
export const ErrorCodes = Object.freeze(Object.fromEntries(Object.keys(ERROR_TABLE).map((code) => [code, code]))) as { readonly [C in ErrorCode]: C };

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

export interface RelsyncErrorOptions {
  cause?: unknown;
  /** Overrides the table for this one error (e.g. an accounts-server answer that says "never"). */
  isRetryable?: boolean;
}

export class RelsyncError extends Error {
  readonly code: ErrorCode;
  readonly isRetryable: boolean;

  constructor(code: ErrorCode, message: string, options: RelsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelsyncError';
    this.code = code;
    this.isRetryable = options.isRetryable ?? ERROR_TABLE[code].retryable;
  }
}

/** A mistake in what the user gave us: shown as one line naming the file/row/column/variable. */
export class UserError extends RelsyncError {
  constructor(code: ErrorCode, message: string, options: RelsyncErrorOptions = {}) {
    super(code, message, options);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** Render any error as one line without a stack: for the CLI's stderr and for job failure reasons. */
export function oneLine(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s*\n\s*/g, ' ');
  return String(error);
}
