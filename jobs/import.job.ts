/**
 * The `import` job: what another service (or our CLI, watched folder and schedules) puts on the
 * `imports` queue to start an import. Its return value, when the import ends, is an ImportSummary.
 *
 * Validation here is about shape only (jobs/ has no I/O); the worker resolves the path under
 * IMPORT_ROOT and validates the profile object fully, failing the job with a reason when wrong.
 */
import { z } from 'zod';

/**
 * `path`: a file under the worker's IMPORT_ROOT, or an `sftp://`, `s3://` or `https://` URL without
 * credentials (docs/contract.md#files-beyond-one-disk); `csv`: the file's text inline.
 */
export type ImportSource = { path: string } | { csv: string };

/**
 * What an import does with its pairs: `link` adds or updates them (the default); `unlink` removes them;
 * `mirror` makes each base record named in the file have exactly the file's links (docs/contract.md#modes).
 */
export const IMPORT_MODES = ['link', 'unlink', 'mirror'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** A profile object as in docs/contract.md#profiles; validated fully by the worker. */
export type ProfileInput = Record<string, unknown>;

export interface ImportJobPayload {
  source: ImportSource;
  /** A built-in profile name, a path to a profile JSON file, or the profile object itself. */
  profile: string | ProfileInput;
  /** The same key (and the same content) within the dedup window yields the same import. */
  idempotencyKey?: string;
  /** Set by relsync's own producers; another service leaves these out. */
  importId?: string;
  /** Where to write the report; default `<REPORT_DIR>/<importId>.report.csv`. */
  reportPath?: string;
  /** Who started it: `cli`, `watch`, `schedule`, `queue` (the default), `retry`, `undo`. */
  origin?: 'cli' | 'watch' | 'schedule' | 'queue' | 'retry' | 'undo';
  /** A new import even when the same content and profile were imported within the dedup window. */
  force?: boolean;
  /** For `retry`: the import whose error rows this import re-sends. */
  retryOf?: string;
  /**
   * Set on the jobs a `relsync schedule` produces. `source.path` may then hold `*` and `?` in its file
   * name; the newest matching file at fire time is imported.
   */
  schedule?: { name: string };
  /**
   * The error-rate brake for this import, over the profile's `abort` and the worker's
   * RELSYNC_ABORT_ERROR_RATE / RELSYNC_ABORT_MIN_ROWS: once `minRows` rows have Zoho's answer and more
   * than `errorRate` (0-1) of them are errors, the import stops and its unsent rows end `ABORTED`.
   */
  abort?: { errorRate?: number; minRows?: number };
  /** Over the profile's `"mode"`; default `link`. */
  mode?: ImportMode;
  /** A mirror may remove more than RELSYNC_MIRROR_MAX_REMOVE_RATIO of the current links of its bases. */
  allowRemovals?: boolean;
  /**
   * true: send only pairs new or changed since Zoho last confirmed them (the rest end `skipped` /
   * UNCHANGED); false: send everything (and refresh that state). Over the profile's `incremental`.
   */
  incremental?: boolean;
}

/** What the `import` job returns when the import ends (and what `status --json` builds on). */
export interface ImportSummary {
  importId: string;
  status: 'done' | 'failed';
  rows: number;
  success: number;
  error: number;
  skipped: number;
  reportPath: string | null;
  /** Set when every row has its outcome but the report could not be written (`relsync report <id>` writes it). */
  reportError?: string;
  /** A mirror's removed links by status (`<stem>.removed.csv` lists them). */
  removals?: { success: number; error: number; skipped: number };
}

const nonEmpty = z.string().trim().min(1);

/** A schedule's name: also its BullMQ job scheduler id, and part of the import ids it produces. */
export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/** The validator's schema, exported so a test can hold its inferred type to ImportJobPayload. */
export const importPayloadSchema = z.strictObject({
  source: z.union([z.strictObject({ path: nonEmpty }), z.strictObject({ csv: z.string() })]),
  // Passed on as sent: z.record would drop a "__proto__" key, which the worker must see to refuse it.
  profile: z.union([nonEmpty, z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v))]),
  idempotencyKey: z.string().trim().min(1).max(200).optional(),
  importId: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,79}$/).optional(),
  reportPath: nonEmpty.optional(),
  origin: z.enum(['cli', 'watch', 'schedule', 'queue', 'retry', 'undo']).optional(),
  force: z.boolean().optional(),
  retryOf: nonEmpty.optional(),
  schedule: z.strictObject({ name: z.string().regex(SCHEDULE_NAME) }).optional(),
  abort: z.strictObject({
    errorRate: z.number().min(0).max(1).optional(),
    minRows: z.number().int().min(1).optional(),
  }).optional(),
  mode: z.enum(IMPORT_MODES).optional(),
  allowRemovals: z.boolean().optional(),
  incremental: z.boolean().optional(),
});

export type PayloadCheck = { ok: true; value: ImportJobPayload } | { ok: false; problems: string[] };

/**
 * The largest inline `{ "csv": "…" }` a worker takes by default (its RELSYNC_MAX_INLINE_CSV_BYTES).
 * BullMQ hands a worker a job's data whole, so the limit must be kept where the payload is made:
 * a producer that checks its payload here never puts a larger one on the queue.
 */
export const DEFAULT_MAX_INLINE_CSV_BYTES = 10 * 1024 * 1024;

export interface PayloadLimits {
  /** Default DEFAULT_MAX_INLINE_CSV_BYTES; pass the workers' RELSYNC_MAX_INLINE_CSV_BYTES when it differs. */
  maxInlineCsvBytes?: number;
}

/**
 * Check a payload's shape and the inline CSV's size before it is enqueued; problems read
 * "<key>: expected X, got Y".
 */
export function validateImportPayload(input: unknown, limits: PayloadLimits = {}): PayloadCheck {
  const parsed = importPayloadSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => describeIssue(issue, input)) };
  const value = parsed.data as ImportJobPayload;
  const max = limits.maxInlineCsvBytes ?? DEFAULT_MAX_INLINE_CSV_BYTES;
  if ('csv' in value.source) {
    const bytes = Buffer.byteLength(value.source.csv, 'utf8');
    if (bytes > max) return { ok: false, problems: [`source.csv: expected at most ${max} bytes, got ${bytes}`] };
  }
  return { ok: true, value };
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : 'payload';
  const got = describeValue(valueAt(input, issue.path));
  if (issue.code === 'unrecognized_keys') return `${where}: unknown key(s) ${issue.keys.join(', ')}`;
  if (issue.path[0] === 'source') return `source: expected { "path": "…" } or { "csv": "…" }, got ${describeValue(valueAt(input, ['source']))}`;
  if (issue.path[0] === 'profile') return `profile: expected a profile name or a profile object, got ${got}`;
  if (where === 'abort.errorRate') return `abort.errorRate: expected a number from 0 to 1 (e.g. 0.5), got ${got}`;
  if (where === 'mode') return `mode: expected one of ${IMPORT_MODES.join(', ')}, got ${got}`;
  if (where === 'abort.minRows') return `abort.minRows: expected an integer >= 1, got ${got}`;
  return `${where}: ${issue.message.replace(/^Invalid input: /, '').replace(/, received \w+$/, '')}, got ${got}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : String(value);
}

/**
 * The import job retries only on infrastructure faults (a user's mistake fails it at once). Keep it
 * after completion a week so `waitUntilFinished` callers and the dashboard can read the summary.
 */
export const IMPORT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
} as const;
