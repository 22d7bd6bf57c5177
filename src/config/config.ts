/**
 * Configuration is read once: `loadConfig(process.env)` validates every variable, reports all problems
 * at once naming each variable ("ZOHO_CONCURRENCY: expected an integer 1-25, got 'ten'"), and returns a
 * frozen object. Nothing else reads process.env. Precedence: defaults < environment; a command-line
 * flag is an option of its command, passed beside the config and never written into it.
 */
import { resolve } from 'node:path';
import { UserError, ErrorCodes } from '../errors.js';
import { DATA_CENTRES, type DataCentre } from './data-centres.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** Redis connection URL (may hold a password: never log it; use `redactUrl`). */
  redisUrl: string;
  /** Key prefix for every queue and ledger key. */
  prefix: string;
  zoho: {
    dc: DataCentre;
    /** Overrides the data centre's accounts server. */
    accountsUrl?: string;
    /** Overrides the API domain; when unset the token reply's `api_domain` is used. */
    apiDomain?: string;
    apiVersion: string;
    clientId?: string;
    clientSecret?: string;
    refreshToken?: string;
    /** Most calls in flight to Zoho at once, across all workers (Zoho's per-org concurrency: 5-25 by edition). */
    concurrency: number;
    /** Optional credit budget per rolling 24 h; unset = no budget of our own (Zoho's 429 still applies). */
    dailyCredits?: number;
    /** Attempts per API call before its rows end RETRIES_EXHAUSTED (429 waits do not count). */
    maxAttempts: number;
    /** Longest total time a batch may spend waiting on 429s before they count as attempts. */
    rateLimitMaxWaitMs: number;
    /**
     * How often a paused import tries again (no token could be had, or credits are spent): the wait
     * between probes, in ms. Default 1 minute: the accounts server's lockouts last 10-30 minutes.
     */
    pauseProbeMs: number;
    /** The credit budget's rolling window (ms). Zoho's is 24 h; shorter only for tests. */
    creditWindowMs: number;
    /** How long Zoho may be unreachable before calls spend attempts again (RELSYNC_OUTAGE_MAX_WAIT_S), ms. */
    outageMaxWaitMs: number;
    /** Longest wait between probes while Zoho is unreachable, ms. */
    outageProbeMaxMs: number;
    /** How long a call that timed out keeps its concurrency slot (Zoho may still be working on it), ms. */
    timeoutHoldMs: number;
  };
  reportDir: string;
  watchDir?: string;
  watchProfile: string;
  /** Watch WATCH_DIR by polling instead of OS events: needed on network volumes (NFS, SMB), where events do not arrive. */
  watchPoll: boolean;
  /** A file in WATCH_DIR is taken once its size has not changed for this long (a slow copy pausing longer is taken early: copy to `.part`, then rename). */
  watchStabilityMs: number;
  /**
   * The same content with the same profile registered again within this many seconds is the same
   * import (unless forced): a file dropped twice, or sent by two triggers, is synced once. 0 disables.
   */
  dedupWindowS: number;
  /** Queue-trigger paths must lie under this folder. */
  importRoot: string;
  /**
   * RELSYNC_DASHBOARD_TOKEN: when set, every request to `relsync dashboard` must carry it (as
   * `Authorization: Bearer …`, or the cookie its login page sets); required on a non-loopback host.
   * At least 16 characters. A secret: never logged or shown.
   */
  dashboardToken?: string;
  logLevel: LogLevel;
  limits: {
    maxFileBytes: number;
    maxRows: number;
    maxFieldBytes: number;
    maxInlineCsvBytes: number;
  };
  /** Longest graceful shutdown on SIGINT/SIGTERM before in-flight work is handed back. */
  shutdownTimeoutMs: number;
  /**
   * First wait before a report that hit a disk error (full, read-only) is written again, in ms; the
   * next waits are 5x and 15x it. Then the import is done with `reportError`. Default 1 s.
   */
  reportRetryMs: number;
  /** The reconciler (usecases/reconcile-imports.ts): one worker at a time settles imports whose job BullMQ failed or lost. */
  reconcile: {
    /** How often it looks, ms. */
    intervalMs: number;
    /** An import younger than this is left alone (its job may be on its way), ms. */
    graceMs: number;
    /** How often an import whose job BullMQ failed (stalls, Redis refusing writes) is resumed before it fails. */
    maxResumes: number;
  };
  /**
   * The error-rate brake of the import guard (src/usecases/import-guard.ts): once `minRows` rows of an
   * import have Zoho's answer and more than `errorRate` of them are errors, the import stops (ABORTED).
   * A profile's `"abort"` and a queue payload's `abort` override these per import.
   */
  abort: {
    /** Share of answered rows in error (0-1) above which an import stops. Unset: no brake. */
    errorRate?: number;
    /** Rows with Zoho's answer before the brake may act: a few early errors say little. Default 500. */
    minRows: number;
  };
  /**
   * A mirror stops before its first DELETE when it would remove more than this share (0-1) of the
   * current links of the base records it touches, unless `--allow-removals` (RELSYNC_MIRROR_MAX_REMOVE_RATIO).
   */
  mirrorMaxRemoveRatio: number;
  queue: {
    /**
     * How long a worker's claim on a job lasts without renewal (renewed every half of it). A worker
     * killed mid-call loses its claim after this, and the job is recovered by the next stall check.
     */
    lockDurationMs: number;
    /** How often workers look for jobs whose claim lapsed (stalled) and hand them back. */
    stalledIntervalMs: number;
    /** A job that stalls more often than this fails for good (its rows then end SYNC_FAILED). */
    maxStalledCount: number;
    /** Import jobs (ingest and report steps: CPU and disk) one worker process runs at once. */
    importConcurrency: number;
  };
  /** Prometheus `/metrics`, `/healthz` and `/readyz` of `relsync worker` (docs/operating.md#metrics-and-health). */
  metrics: {
    /** TCP port; unset = no server. */
    port?: number;
    /** Interface to listen on. Default 127.0.0.1: the endpoints have no authentication. */
    host: string;
  };
  /** Events when imports end, pause and resume (docs/operating.md#alerts). */
  webhooks: {
    /** Receivers (http or https); empty = no events. Each may carry a token in its path: never log one whole. */
    urls: readonly string[];
    /** Key of the HMAC-SHA256 signature of each body (`X-Relsync-Signature`); unset = unsigned. A secret. */
    secret?: string;
    /**
     * How long an import must have been waiting before `import.paused` is sent (ms), and the least time
     * between two pause alerts of one import: a storm of short 429 waits alerts nobody. Default 60 s.
     */
    pauseAlertAfterMs: number;
  };
  /** Finished imports' Redis records are removed this many days after they ended (report files stay). */
  retentionDays: number;
  /**
   * RELSYNC_INCREMENTAL_MAX_AGE_DAYS: an incremental import sends a pair again when Zoho has not
   * confirmed it for this many days, even unchanged, so a link removed in Zoho by hand comes back. Default 7.
   */
  incrementalMaxAgeDays: number;
  /** How relsync reaches files on SFTP, S3 and HTTPS (src/storage/). */
  remote: RemoteSettings;
  /**
   * RELSYNC_STORAGE: an `s3://bucket/prefix` or `sftp://user@host/path` shared by the CLI and every
   * worker — inputs uploaded there before they are registered, reports written there. Unset: local paths.
   */
  storage?: string;
}

export interface RemoteSettings {
  sftp: {
    /** RELSYNC_SFTP_KEY_FILE: the private key's file (its content is a secret; the path is not). */
    keyFile?: string;
    /** RELSYNC_SFTP_KNOWN_HOSTS: the known_hosts file host keys are checked against; unset: every host is unknown. */
    knownHosts?: string;
    /** RELSYNC_SFTP_KEY_PASSPHRASE: decrypts a private key that has a passphrase. A secret: never in a log or a message. */
    keyPassphrase?: string;
  };
  s3: {
    /** AWS_REGION (default us-east-1). */
    region?: string;
    /** AWS_ENDPOINT_URL_S3: an S3-compatible store. */
    endpoint?: string;
    /** RELSYNC_S3_FORCE_PATH_STYLE: `host/bucket/key` instead of `bucket.host/key`. */
    forcePathStyle: boolean;
    /** AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (secrets); unset: the SDK's own chain (profiles, instance roles). */
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
  https: {
    /** RELSYNC_HTTP_AUTHORIZATION: the Authorization header's value. A secret. */
    authorization?: string;
    /** RELSYNC_HTTP_CA_FILE: a PEM file of CAs trusted besides the system's (a private CA, a test's self-signed cert). */
    caFile?: string;
  };
  /** Tries to read one remote file (a broken connection starts the file again), RELSYNC_REMOTE_ATTEMPTS. */
  attempts: number;
  /** Wait before the second try, ms (doubled for each next one), RELSYNC_REMOTE_RETRY_MS. */
  retryMs: number;
  /** Longest wait to connect or for bytes to arrive, ms, RELSYNC_REMOTE_TIMEOUT_MS. */
  timeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

interface Reader {
  problems: string[];
  env: Env;
}

function text(r: Reader, name: string, fallback: string): string;
function text(r: Reader, name: string): string | undefined;
function text(r: Reader, name: string, fallback?: string): string | undefined {
  const value = r.env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

/** A secret as it was given: spaces at its ends are part of it (a passphrase may have them); empty is unset. */
function untrimmed(r: Reader, name: string): string | undefined {
  const value = r.env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(r: Reader, name: string, fallback: number, min: number, max: number): number;
function integer(r: Reader, name: string, fallback: undefined, min: number, max: number): number | undefined;
function integer(r: Reader, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = text(r, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    r.problems.push(`${name}: expected an integer ${min}-${max}, got '${raw}'`);
    return fallback;
  }
  return value;
}

/** A share from 0 to 1 ('0.5'); unset gives undefined. */
function share(r: Reader, name: string): number | undefined {
  const raw = text(r, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || value > 1) {
    r.problems.push(`${name}: expected a number from 0 to 1 (e.g. 0.5), got '${raw}'`);
    return undefined;
  }
  return value;
}

function flag(r: Reader, name: string, fallback: boolean): boolean {
  const raw = text(r, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  r.problems.push(`${name}: expected true or false, got '${raw}'`);
  return fallback;
}

function oneOf<T extends string>(r: Reader, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(r, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  r.problems.push(`${name}: expected one of ${allowed.join(' ')}, got '${raw}'`);
  return fallback;
}

function url(r: Reader, name: string, protocols: string[]): string | undefined {
  const raw = text(r, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
    return raw.replace(/\/+$/, '');
  } catch {
    r.problems.push(`${name}: expected a ${protocols.join(' or ')}// URL, got '${redactUrl(raw)}'`);
    return undefined;
  }
}

/** A secret: its length is checked, its value never appears in a message. */
function secret(r: Reader, name: string, minLength: number): string | undefined {
  const value = text(r, name);
  if (value !== undefined && value.length < minLength) {
    r.problems.push(`${name}: expected at least ${minLength} characters (a long random value, e.g. openssl rand -hex 32), got ${value.length}`);
  }
  return value;
}

function prefix(r: Reader): string {
  const value = text(r, 'RELSYNC_PREFIX', 'relsync');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
    r.problems.push(`RELSYNC_PREFIX: expected 1-64 letters, digits, '_', '.' or '-', got '${value}'`);
  }
  return value;
}

function zohoConfig(r: Reader): Config['zoho'] {
  const version = text(r, 'ZOHO_API_VERSION', 'v8');
  if (!/^v\d+(\.\d+)?$/.test(version)) r.problems.push(`ZOHO_API_VERSION: expected like 'v8', got '${version}'`);
  return {
    dc: oneOf(r, 'ZOHO_DC', Object.keys(DATA_CENTRES) as DataCentre[], 'us'),
    accountsUrl: url(r, 'ZOHO_ACCOUNTS_URL', ['https:', 'http:']),
    apiDomain: url(r, 'ZOHO_API_DOMAIN', ['https:', 'http:']),
    apiVersion: version,
    clientId: text(r, 'ZOHO_CLIENT_ID'),
    clientSecret: text(r, 'ZOHO_CLIENT_SECRET'),
    refreshToken: text(r, 'ZOHO_REFRESH_TOKEN'),
    concurrency: integer(r, 'ZOHO_CONCURRENCY', 10, 1, 25),
    dailyCredits: integer(r, 'ZOHO_DAILY_CREDITS', undefined, 1, 100_000_000),
    maxAttempts: integer(r, 'RELSYNC_MAX_ATTEMPTS', 8, 1, 50),
    rateLimitMaxWaitMs: integer(r, 'RELSYNC_RATE_LIMIT_MAX_WAIT_MS', 3_600_000, 1_000, 7 * 86_400_000),
    pauseProbeMs: integer(r, 'RELSYNC_PAUSE_PROBE_MS', 60_000, 100, 3_600_000),
    creditWindowMs: integer(r, 'RELSYNC_CREDIT_WINDOW_MS', 86_400_000, 1_000, 7 * 86_400_000),
    outageMaxWaitMs: integer(r, 'RELSYNC_OUTAGE_MAX_WAIT_S', 1_800, 0, 7 * 86_400) * 1_000,
    outageProbeMaxMs: integer(r, 'RELSYNC_OUTAGE_PROBE_MAX_MS', 30_000, 100, 600_000),
    timeoutHoldMs: integer(r, 'RELSYNC_TIMEOUT_HOLD_MS', 30_000, 0, 600_000),
  };
}

function limits(r: Reader): Config['limits'] {
  return {
    maxFileBytes: integer(r, 'RELSYNC_MAX_FILE_BYTES', 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    maxRows: integer(r, 'RELSYNC_MAX_ROWS', 10_000_000, 1, 1_000_000_000),
    maxFieldBytes: integer(r, 'RELSYNC_MAX_FIELD_BYTES', 1024 * 1024, 16, 1024 ** 3),
    maxInlineCsvBytes: integer(r, 'RELSYNC_MAX_INLINE_CSV_BYTES', 10 * 1024 * 1024, 1, 512 * 1024 * 1024),
  };
}

/** Comma-separated http(s) URLs; a bad one is named only by its redacted form (it may hold a token). */
function urlList(r: Reader, name: string): string[] {
  const raw = text(r, name);
  if (raw === undefined) return [];
  const urls = raw.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const candidate of urls) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(candidate).protocol);
    } catch {
      ok = false;
    }
    if (!ok) r.problems.push(`${name}: expected comma-separated http:// or https:// URLs, got '${redactWebhookUrl(candidate)}'`);
  }
  return urls;
}

function host(r: Reader, name: string, fallback: string): string {
  const value = text(r, name, fallback);
  if (!/^[A-Za-z0-9.:_\-[\]]{1,253}$/.test(value)) r.problems.push(`${name}: expected a host name or IP address, got '${value}'`);
  return value;
}

function remoteSettings(r: Reader, cwd: string): RemoteSettings {
  const keyFile = text(r, 'RELSYNC_SFTP_KEY_FILE');
  const knownHosts = text(r, 'RELSYNC_SFTP_KNOWN_HOSTS');
  const caFile = text(r, 'RELSYNC_HTTP_CA_FILE');
  const accessKeyId = text(r, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = text(r, 'AWS_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    r.problems.push(`${accessKeyId === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'}: expected a value beside ${accessKeyId === undefined ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}, got nothing`);
  }
  return {
    sftp: { keyFile: keyFile && resolve(cwd, keyFile), knownHosts: knownHosts && resolve(cwd, knownHosts), keyPassphrase: untrimmed(r, 'RELSYNC_SFTP_KEY_PASSPHRASE') },
    s3: {
      region: text(r, 'AWS_REGION') ?? text(r, 'AWS_DEFAULT_REGION'),
      endpoint: url(r, 'AWS_ENDPOINT_URL_S3', ['https:', 'http:']),
      forcePathStyle: flag(r, 'RELSYNC_S3_FORCE_PATH_STYLE', false),
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: text(r, 'AWS_SESSION_TOKEN') } : undefined,
    },
    https: { authorization: text(r, 'RELSYNC_HTTP_AUTHORIZATION'), caFile: caFile && resolve(cwd, caFile) },
    attempts: integer(r, 'RELSYNC_REMOTE_ATTEMPTS', 3, 1, 20),
    retryMs: integer(r, 'RELSYNC_REMOTE_RETRY_MS', 1_000, 1, 600_000),
    timeoutMs: integer(r, 'RELSYNC_REMOTE_TIMEOUT_MS', 30_000, 100, 600_000),
  };
}

/** RELSYNC_STORAGE: an sftp:// or s3:// URL without credentials (src/storage/location.ts says why). */
function storageUrl(r: Reader): string | undefined {
  const raw = text(r, 'RELSYNC_STORAGE');
  if (raw === undefined) return undefined;
  if (!/^(s3|sftp):\/\/[^/]+/i.test(raw)) {
    r.problems.push(`RELSYNC_STORAGE: expected s3://bucket/prefix or sftp://user@host/path, got '${redactUrl(raw)}'`);
    return undefined;
  }
  if (/^[a-z0-9]+:\/\/[^/@]*:[^/@]*@/i.test(raw) || /^s3:\/\/[^/]*@/i.test(raw)) {
    r.problems.push(`RELSYNC_STORAGE: credentials inside a URL are refused ('${redactUrl(raw)}'): use RELSYNC_SFTP_KEY_FILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
    return undefined;
  }
  return raw.replace(/\/+$/, '');
}

/** Validate the whole environment at once; throws one UserError listing every problem. */
export function loadConfig(env: Env, options: { cwd?: string } = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const r: Reader = { problems: [], env };
  const watchDir = text(r, 'WATCH_DIR');
  const config: Config = {
    redisUrl: url(r, 'REDIS_URL', ['redis:', 'rediss:']) ?? 'redis://127.0.0.1:6379',
    prefix: prefix(r),
    zoho: zohoConfig(r),
    reportDir: resolve(cwd, text(r, 'REPORT_DIR', 'reports')),
    // An sftp:// or s3:// WATCH_DIR is polled through src/storage/ (triggers/remote-watch-folder.ts).
    watchDir: watchDir === undefined ? undefined : /^(sftp|s3):\/\//i.test(watchDir) ? watchDir.replace(/\/+$/, '') : resolve(cwd, watchDir),
    watchProfile: text(r, 'WATCH_PROFILE', 'contacts-deals'),
    watchPoll: flag(r, 'WATCH_POLL', false),
    watchStabilityMs: integer(r, 'WATCH_STABILITY_MS', 2_000, 50, 600_000),
    dedupWindowS: integer(r, 'RELSYNC_DEDUP_WINDOW_S', 3_600, 0, 30 * 86_400),
    importRoot: resolve(cwd, text(r, 'IMPORT_ROOT', '.')),
    dashboardToken: secret(r, 'RELSYNC_DASHBOARD_TOKEN', 16),
    logLevel: oneOf(r, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    limits: limits(r),
    shutdownTimeoutMs: integer(r, 'RELSYNC_SHUTDOWN_TIMEOUT_MS', 30_000, 100, 3_600_000),
    reportRetryMs: integer(r, 'RELSYNC_REPORT_RETRY_MS', 1_000, 1, 600_000),
    reconcile: {
      intervalMs: integer(r, 'RELSYNC_RECONCILE_INTERVAL_MS', 10_000, 100, 3_600_000),
      graceMs: integer(r, 'RELSYNC_RECONCILE_GRACE_MS', 30_000, 0, 3_600_000),
      maxResumes: integer(r, 'RELSYNC_IMPORT_MAX_RESUMES', 1, 0, 100),
    },
    abort: {
      errorRate: share(r, 'RELSYNC_ABORT_ERROR_RATE'),
      minRows: integer(r, 'RELSYNC_ABORT_MIN_ROWS', 500, 1, 1_000_000_000),
    },
    mirrorMaxRemoveRatio: share(r, 'RELSYNC_MIRROR_MAX_REMOVE_RATIO') ?? 0.2,
    queue: {
      lockDurationMs: integer(r, 'RELSYNC_LOCK_DURATION_MS', 30_000, 1_000, 600_000),
      stalledIntervalMs: integer(r, 'RELSYNC_STALLED_INTERVAL_MS', 30_000, 500, 600_000),
      maxStalledCount: integer(r, 'RELSYNC_MAX_STALLED_COUNT', 3, 0, 100),
      importConcurrency: integer(r, 'RELSYNC_IMPORT_CONCURRENCY', 2, 1, 32),
    },
    metrics: {
      port: integer(r, 'RELSYNC_METRICS_PORT', undefined, 1, 65_535),
      host: host(r, 'RELSYNC_METRICS_HOST', '127.0.0.1'),
    },
    webhooks: {
      urls: urlList(r, 'RELSYNC_WEBHOOK_URL'),
      secret: text(r, 'RELSYNC_WEBHOOK_SECRET'),
      pauseAlertAfterMs: integer(r, 'RELSYNC_PAUSE_ALERT_AFTER_MS', 60_000, 100, 86_400_000),
    },
    retentionDays: integer(r, 'RELSYNC_RETENTION_DAYS', 30, 1, 3_650),
    incrementalMaxAgeDays: integer(r, 'RELSYNC_INCREMENTAL_MAX_AGE_DAYS', 7, 1, 3_650),
    remote: remoteSettings(r, cwd),
    storage: storageUrl(r),
  };
  if (r.problems.length > 0) {
    throw new UserError(ErrorCodes.CONFIG_INVALID, `invalid configuration: ${r.problems.join('; ')}`);
  }
  return deepFreeze(config);
}

/** The variables needed to call Zoho; throws naming every missing one. */
export function requireZohoCredentials(config: Config): Required<Pick<Config['zoho'], 'clientId' | 'clientSecret' | 'refreshToken'>> {
  const { clientId, clientSecret, refreshToken } = config.zoho;
  const missing = [
    clientId ? undefined : 'ZOHO_CLIENT_ID',
    clientSecret ? undefined : 'ZOHO_CLIENT_SECRET',
    refreshToken ? undefined : 'ZOHO_REFRESH_TOKEN',
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0 || !clientId || !clientSecret || !refreshToken) {
    throw new UserError(ErrorCodes.CONFIG_INVALID, `${missing.join(', ')}: expected a value (see .env.example), got nothing`);
  }
  return { clientId, clientSecret, refreshToken };
}

/** A URL safe to print: any password (and user) replaced by '***'. */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    if (parsed.username) parsed.username = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * A webhook URL safe to print: scheme, host and port only. Incoming-webhook URLs (Slack's, and most
 * others) carry their token in the path or the query, so neither is ever shown.
 */
export function redactWebhookUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    const path = parsed.pathname === '/' && parsed.search === '' ? '' : '/***';
    return `${parsed.protocol}//${parsed.host}${path}`;
  } catch {
    return '(not a URL)';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
