/**
 * The run ledger: each import's state and counters, and each row's outcome, in Redis.
 *
 * Invariant: a row's outcome is written at most once (its slot is written only while empty), and the
 * counters move only when one is newly written, in the same Lua script — so a retried or duplicated
 * batch can never give a row a second outcome nor count it twice. Keys (P = RELSYNC_PREFIX):
 *   P:ledger:import:{id}           hash   the import record (state, counters, profile, paths…)
 *   P:ledger:import:{id}:outcomes  hash   the outcomes' texts by tag (packed-outcomes.ts), their count, buckets used
 *   P:ledger:import:{id}:outcomes:{n}     string bucket n: rows n·1024+1 … (n+1)·1024, 9 bytes each
 *   P:ledger:import:{id}:outcomes:rare    hash   row → packed outcome, for outcomes no tag names
 *   P:ledger:import:{id}:guard     hash   the import guard's tally (usecases/import-guard.ts)
 *   P:ledger:import:{id}:removal-plan  hash  a mirror's planned removals: [base, related id] → [n, related]
 *   P:ledger:import:{id}:removals  hash   [base, related id] → packed removal outcome, written at most once
 *   P:ledger:recent                zset   created-at → id, for listing
 *   P:ledger:active                set    ids of imports not yet done or failed, for the reconciler
 *   P:ledger:expired               zset   removed-at → id: imports whose records retention removed (so
 *                                         `status` can say "expired" rather than "no such import")
 *   P:dedup:{content}.{profile}    string the import of that content and profile, for the dedup window
 *   P:lease:{name}                 string who holds a short lease (the watched folder's claims)
 *   P:state:…                             the incremental sync state (sync-state.ts), written with outcomes
 */
import type { Redis } from 'ioredis';
import type { RemovalOutcome, RowOutcome, RowStatus } from '../domain/row-outcome.js';
import { ErrorCodes, UserError } from '../errors.js';
import { STATE_WRITE_LUA, stateOps, type PairStateChange } from './sync-state.js';
import { getLegacyOutcomes, isLegacyOutcomes, legacyRowsWithoutOutcome, legacyRowsWithStatus, recordLegacyOutcomes } from './legacy-outcomes.js';
import { BUCKET_BYTES, BUCKET_ROWS, bucketOf, ERROR_TEXTS, MAX_TEXTS, outcomeOf, packOutcome, RARE_TAG, readSlot, SLOT_BYTES, slotOffset, slotParts, statusOfText, unpackOutcome } from './packed-outcomes.js';

export { packOutcome, unpackOutcome } from './packed-outcomes.js';

export type OutcomeText = Pick<RowOutcome, 'status' | 'code' | 'message'>;
/** Imports whose texts one ledger keeps in memory (a few each); past that the cache starts again. */
const TEXT_CACHE_IMPORTS = 64;

export const IMPORT_STATES = ['queued', 'ingesting', 'syncing', 'reporting', 'done', 'failed'] as const;
export type ImportState = (typeof IMPORT_STATES)[number];

export interface ImportRecord {
  id: string;
  state: ImportState;
  origin: string;
  /** Absolute path of the import's own copy of its input (input-snapshot.ts): what every step reads. */
  source: string;
  /** Where the input was when the import was recorded (the user's file, the watched folder's claim…). */
  originalPath?: string;
  /** Hex SHA-256 of the input's content. */
  inputSha256?: string;
  /** What the user called it (file name, or "inline CSV"). */
  sourceName: string;
  profileName: string;
  /** The resolved profile, as JSON. */
  profileJson: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Data rows in the file; known once ingest has read it. */
  rows?: number;
  success: number;
  error: number;
  skipped: number;
  /** Zoho calls made (every attempt), retries scheduled, 429s seen. */
  calls: number;
  retries: number;
  rateLimited: number;
  /** Zoho calls ingest planned: one per base record per 100 entries. */
  plannedCalls?: number;
  reportPath?: string;
  failedReason?: string;
  /**
   * Set once, by the first that stops the import from sending (fail-fast, `relsync cancel`, the
   * error-rate brake, the reconciler): every row not yet sent ends `skipped` with this code (or `error`
   * for IMPORT_FAILED) and this reason; nothing more is sent to Zoho.
   */
  stopCode?: StopCode;
  stopReason?: string;
  /** The import is done, but its report could not be written (full or read-only disk); `relsync report` clears it. */
  reportError?: string;
  /** Set while the import waits on something outside it (429 storm, credits, accounts server). */
  pausedReason?: string;
  pausedUntil?: number;
  retryOf?: string;
  idempotencyKey?: string;
  /** The BullMQ id of the import's `import` job (our producers use the import id; other services their own). */
  jobId?: string;
  /** How often the reconciler has resumed the import's job after BullMQ failed it (stalled, Redis refusing writes). */
  resumes?: number;
  contentHash?: string;
  /** `unlink` or `mirror` (absent: `link`), as its stored profile says; for status. */
  mode?: string;
  /** `--allow-removals`: this mirror may remove more than RELSYNC_MIRROR_MAX_REMOVE_RATIO of the current links. */
  allowRemovals?: number;
  /** `relsync undo`: the import whose added links this one removes / the undo that removed this one's. */
  undoOf?: string;
  undoneBy?: string;
  /** A mirror's removals: planned, and their outcomes so far by status (removalsError, removalsSkipped). */
  plannedRemovals?: number;
  removalsSuccess?: number;
  removalsError?: number;
  removalsSkipped?: number;
  /** The import's day for the incremental sync state (pair-state.ts dayOf), fixed at its first ingest. */
  stateDay?: number;
}

export type StopCode = 'ABORTED' | 'CANCELLED' | 'IMPORT_FAILED';

/** One call as the import guard counts it: the rows Zoho answered, and whether they all failed alike. */
export interface CallTally {
  answered: number;
  failed: number;
  /** At least one row of the call succeeded. */
  succeeded: boolean;
  /** The code every row of the call failed with (a whole-call error), when the guard counts it. */
  failureCode?: string;
}

/** The import's tally so far, across every worker: rows answered and in error, the current run of one failure code. */
export interface GuardTally {
  answered: number;
  failed: number;
  streakCode: string;
  /** Calls in a row (no success between) that failed with `streakCode`. */
  streak: number;
}

/** What `recordCallOutcomes` wrote and read. */
export interface CallOutcomesRecorded {
  /** Outcomes newly recorded (rows that had one keep it). */
  recorded: number;
  /** The import guard's tally after this call, when one was given. */
  tally?: GuardTally;
  /** The stop in force when the outcomes were written (`stop` absent: none), when the script read it. */
  inForce?: { stop?: { code: StopCode; reason: string } };
}

export type NewImport = Pick<ImportRecord, 'id' | 'origin' | 'source' | 'sourceName' | 'profileName' | 'profileJson'> &
  Partial<Pick<ImportRecord, 'reportPath' | 'retryOf' | 'idempotencyKey' | 'contentHash' | 'originalPath' | 'inputSha256' | 'mode' | 'allowRemovals' | 'undoOf'>>;

/**
 * Told of what the ledger wrote, by the process that wrote it (the worker wires metrics, alerts and
 * retention to it: src/app/ops-runtime.ts). Implementations must not throw, and must be quick: they run
 * inside the write's caller.
 */
export interface LedgerObserver {
  /** Outcomes newly written by this process (never a row's second outcome). */
  outcomesRecorded?(importId: string, outcomes: readonly RowOutcome[]): void;
  /** A mirror's removal outcomes newly written by this process (never a removal's second outcome). */
  removalsRecorded?(importId: string, outcomes: readonly RemovalOutcome[]): void;
  /** Outcomes newly written by this process as marks (`recordMarked`): how many rows got each status and code. */
  outcomesCounted?(importId: string, counts: ReadonlyArray<{ status: RowStatus; code: string; count: number }>): void;
  /** An import's state or pause reason was written; `before` was read in the same transaction. */
  importChanged?(change: ImportChange): Promise<void>;
}

export interface ImportChange {
  id: string;
  before: { state?: ImportState; pausedReason?: string };
  after: { state?: ImportState; pausedReason?: string };
}

/** What settling an import's pause alert decided (`settlePauseAlert`). */
export type PauseAlert = { event: 'paused'; reason: string; seq: number } | { event: 'resumed'; seq: number };

const NUMBER_FIELDS = new Set(['createdAt', 'updatedAt', 'startedAt', 'finishedAt', 'rows', 'success', 'error', 'skipped', 'calls', 'retries', 'rateLimited', 'plannedCalls', 'pausedUntil', 'resumes', 'allowRemovals', 'plannedRemovals', 'removalsSuccess', 'removalsError', 'removalsSkipped', 'stateDay']);
type Counter = 'success' | 'error' | 'skipped' | 'calls' | 'retries' | 'rateLimited';

// The import guard's tally of one answered call (usecases/import-guard.ts), shared by TALLY_CALL_LUA and
// the outcome script (which counts a call's answer in the round trip that records it). A success ends
// a run of identical failures; another code starts one. Returns answered, failed, streakCode, streak.
const TALLY_FUNCTION_LUA = `
local function tallyCall(key, answered, failed, succeeded, failureCode, ttl)
  redis.call('HINCRBY', key, 'answered', answered)
  redis.call('HINCRBY', key, 'failed', failed)
  if succeeded == '1' then
    redis.call('HSET', key, 'streakCode', '', 'streak', 0)
  elseif failureCode ~= '' then
    if redis.call('HGET', key, 'streakCode') == failureCode then
      redis.call('HINCRBY', key, 'streak', 1)
    else
      redis.call('HSET', key, 'streakCode', failureCode, 'streak', 1)
    end
  end
  redis.call('EXPIRE', key, ttl)
  return redis.call('HMGET', key, 'answered', 'failed', 'streakCode', 'streak')
end`;

// The tag of an outcome's text (KEYS[2]: the import's texts): its index in the import's text table,
// given when the text is first seen while tags are left, else 255 (the outcome is kept aside by row).
// Errors and skips may carry a message per row (a row number, a value): they get at most ERROR_TEXTS
// tags, so the texts of successes, the bulk of most imports, always find one.
const TEXT_TAG_LUA = `
local MAX_TEXTS, ERROR_TEXTS = ${MAX_TEXTS}, ${ERROR_TEXTS}
local tags = {}
local function textTag(text, counter)
  local index = tags[text] or tonumber(redis.call('HGET', KEYS[2], 'n' .. text) or '0')
  if index == 0 then
    local texts = tonumber(redis.call('HGET', KEYS[2], 'texts') or '0')
    local errorTexts = tonumber(redis.call('HGET', KEYS[2], 'errorTexts') or '0')
    if texts < MAX_TEXTS and (counter == 'success' or errorTexts < ERROR_TEXTS) then
      index = texts + 1
      redis.call('HSET', KEYS[2], 'texts', index, 'n' .. text, index, 't' .. index, text)
      if counter ~= 'success' then redis.call('HSET', KEYS[2], 'errorTexts', errorTexts + 1) end
    else
      index = ${RARE_TAG}
    end
  end
  tags[text] = index
  return index
end`;

// Records outcomes, the first of each row winning (packed-outcomes.ts has the layout).
// KEYS[1] import hash, KEYS[2] outcome texts (and counts), KEYS[3] rare outcomes by row, KEYS[4] the
// guard's tally, KEYS[5..] buckets. ARGV[1] rows per bucket, ARGV[2] bytes per bucket, ARGV[3] Zoho
// calls to count (the call these outcomes answer), ARGV[4..8] the call's tally for the import guard
// (answered, failed, succeeded, failure code, ttl; ARGV[4] '' = none), then per outcome 5: row,
// index in KEYS of its bucket, status counter, text, Zoho id as 8 bytes ('' = the text is the whole
// outcome: keep it aside); then the incremental sync state's args (sync-state.ts, its bucket keys after the outcome buckets in
// KEYS); last, how many state args there are. Returns the positions (1-based, in ARGV order) of the
// outcomes newly written, the guard's tally after the call (empty without one), and the import's stop
// code and reason (nil: none).
const RECORD_OUTCOMES_LUA = `${TALLY_FUNCTION_LUA}
local BUCKET_ROWS, BUCKET_BYTES = tonumber(ARGV[1]), tonumber(ARGV[2])
local NO_ID = string.rep('\\0', 8)
local stateTo = #ARGV - 1
local stateFrom = stateTo - tonumber(ARGV[#ARGV]) + 1
local added, written = {}, {}
local buckets = tonumber(redis.call('HGET', KEYS[2], 'buckets') or '0')
local newBuckets = buckets
local ready, counts = {}, {}
${TEXT_TAG_LUA}
for i = 9, stateFrom - 1, 5 do
  local row, bucket, counter, text, id = tonumber(ARGV[i]), KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local offset = ((row - 1) % BUCKET_ROWS) * 9
  local tag = redis.call('GETRANGE', bucket, offset, offset)
  if tag == '' or tag == '\\0' then
    -- 1. the text's tag: its index in the import's text table, or 255 (rare: kept aside by row)
    local index = 255
    if id ~= '' then
      index = textTag(text, counter)
    else
      id = NO_ID
    end
    if index == 255 then redis.call('HSET', KEYS[3], row, text) end
    -- 2. the slot, in a bucket created at its full size (one exact allocation)
    if not ready[bucket] then
      if redis.call('EXISTS', bucket) == 0 then redis.call('SETRANGE', bucket, BUCKET_BYTES - 1, '\\0') end
      ready[bucket] = true
    end
    redis.call('SETRANGE', bucket, offset, string.char(index) .. id)
    newBuckets = math.max(newBuckets, math.floor((row - 1) / BUCKET_ROWS) + 1)
    counts[counter] = (counts[counter] or 0) + 1
    added[#added + 1] = (i - 4) / 5
    written[(i - 4) / 5] = true
  end
end
-- 3. the counts, once per status
for counter, n in pairs(counts) do redis.call('HINCRBY', KEYS[1], counter, n) end
if #added > 0 then redis.call('HINCRBY', KEYS[2], 'count', #added) end
if newBuckets > buckets then redis.call('HSET', KEYS[2], 'buckets', newBuckets) end
if ARGV[3] ~= '0' then redis.call('HINCRBY', KEYS[1], 'calls', ARGV[3]) end
-- 4. the incremental sync state of the rows newly written (sync-state.ts)
${STATE_WRITE_LUA}
-- 5. the call's answer in the import guard's tally
local tally = {}
if ARGV[4] ~= '' then tally = tallyCall(KEYS[4], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]) end
-- 6. the stop in force now, so a job's next call needs no read of its own (sync.processor.ts)
return {added, tally, redis.call('HMGET', KEYS[1], 'stopCode', 'stopReason')}`;

// Records marked outcomes (MarkedOutcomes), the first of each row winning, a bucket at a time: each
// bucket is read once, and each run of rows it newly gets is one SETRANGE. KEYS[1..3] as RECORD_OUTCOMES_LUA,
// then KEYS[4..] buckets (no tally: marks answer no call). ARGV[1] rows per bucket, ARGV[2] bytes per bucket, ARGV[3] how many texts, then
// per text its status counter and text; then per bucket (in KEYS order) its number and its rows' marks,
// 2 bytes each (big-endian) from its first row on. Returns, per text, how many rows newly got it.
const RECORD_MARKED_LUA = `
local BUCKET_ROWS, BUCKET_BYTES = tonumber(ARGV[1]), tonumber(ARGV[2])
local NO_ID = string.rep('\\0', 8)
local T = tonumber(ARGV[3])
local added, slots = {}, {}
for t = 1, T do added[t] = 0 end
local buckets = tonumber(redis.call('HGET', KEYS[2], 'buckets') or '0')
local newBuckets = buckets
${TEXT_TAG_LUA}
for k = 4, #KEYS do
  local bucket = KEYS[k]
  local at = 4 + 2 * T + (k - 4) * 2
  local number, marks = tonumber(ARGV[at]), ARGV[at + 1]
  local held = redis.call('GET', bucket)
  if not held then
    redis.call('SETRANGE', bucket, BUCKET_BYTES - 1, '\\0')
    held = ''
  end
  local from, pieces, wrote = nil, {}, false
  for i = 1, #marks / 2 + 1 do
    local hi, lo = string.byte(marks, 2 * i - 1, 2 * i)
    local m = hi and (hi * 256 + lo) or 0
    local tag = m > 0 and string.byte(held, (i - 1) * 9 + 1)
    if m > 0 and (tag == nil or tag == 0) then
      local slot = slots[m]
      if slot == nil then
        slot = string.char(textTag(ARGV[3 + 2 * m], ARGV[2 + 2 * m])) .. NO_ID
        slots[m] = slot
      end
      if string.byte(slot, 1) == ${RARE_TAG} then redis.call('HSET', KEYS[3], number * BUCKET_ROWS + i, ARGV[3 + 2 * m]) end
      if from == nil then
        from = i
        pieces = {}
      end
      pieces[#pieces + 1] = slot
      added[m] = added[m] + 1
      wrote = true
    elseif from ~= nil then
      redis.call('SETRANGE', bucket, (from - 1) * 9, table.concat(pieces))
      from = nil
    end
  end
  if wrote then newBuckets = math.max(newBuckets, number + 1) end
end
local counts, total = {}, 0
for t = 1, T do
  local counter = ARGV[2 + 2 * t]
  counts[counter] = (counts[counter] or 0) + added[t]
  total = total + added[t]
end
for counter, n in pairs(counts) do
  if n > 0 then redis.call('HINCRBY', KEYS[1], counter, n) end
end
if total > 0 then redis.call('HINCRBY', KEYS[2], 'count', total) end
if newBuckets > buckets then redis.call('HSET', KEYS[2], 'buckets', newBuckets) end
return added`;

/** Outcome buckets (BUCKET_ROWS rows each) one RECORD_MARKED_LUA script writes. */
const MARKED_BUCKETS_PER_SCRIPT = 32;
const MARKED_SCRIPTS_IN_FLIGHT = 4;

// KEYS[1] removals hash, KEYS[2] import hash, KEYS[3…] the incremental sync state's buckets; ARGV
// triples: key, packed outcome, status counter; then the state's args (sync-state.ts); last, how many
// state args there are. A removal's outcome is written at most once and counted only then. Returns the
// positions (1-based, in ARGV order) of the outcomes newly written.
const RECORD_REMOVALS_LUA = `
local stateTo = #ARGV - 1
local stateFrom = stateTo - tonumber(ARGV[#ARGV]) + 1
local added = {}
local written = {}
local counts = {}
for i = 1, stateFrom - 1, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    counts[ARGV[i + 2]] = (counts[ARGV[i + 2]] or 0) + 1
    added[#added + 1] = (i + 2) / 3
    written[(i + 2) / 3] = true
  end
end
for counter, n in pairs(counts) do redis.call('HINCRBY', KEYS[2], counter, n) end
${STATE_WRITE_LUA}
return added`;

/** The import record's counter of removals with each status. */
const REMOVAL_COUNTER: Record<RowStatus, string> = { success: 'removalsSuccess', error: 'removalsError', skipped: 'removalsSkipped' };

/**
 * Outcomes that share a few texts, as one mark per row (an incremental import's UNCHANGED rows): row r
 * gets `texts[marks[r] - 1]`, and nothing where `marks[r]` is 0. No Zoho ids.
 */
export interface MarkedOutcomes {
  texts: readonly OutcomeText[];
  /** Indexed by row number (index 0 unused). */
  marks: Uint16Array;
}

/** A bucket's marks as RECORD_MARKED_LUA reads them (2 bytes a row, up to its last marked row), or undefined when none is marked. */
function bucketMarks(marks: Uint16Array, bucket: number): Buffer | undefined {
  const first = bucket * BUCKET_ROWS + 1;
  const end = Math.min(marks.length, first + BUCKET_ROWS);
  let last = end - 1;
  while (last >= first && marks[last] === 0) last--;
  if (last < first) return undefined;
  const bytes = Buffer.allocUnsafe((last - first + 1) * 2);
  for (let row = first; row <= last; row++) bytes.writeUInt16BE(marks[row]!, (row - first) * 2);
  return bytes;
}

/** A planned removal: its base, its related value and id, and its place in the plan. */
export interface PlannedRemoval { base: string; related: string; relatedId: string; n: number }

// KEYS[1] import hash. Announce a pause once it is seen (its kind: the reason up to the first ':' or ';',
// so a reason that only names a new time is the same pause), and its end once it is gone. Nothing for an
// import that has ended (its end event says it all) or no longer exists.
const SETTLE_PAUSE_ALERT_LUA = `
local state = redis.call('HGET', KEYS[1], 'state')
if (not state) or state == 'done' or state == 'failed' or state == 'reporting' then return {} end
local reason = redis.call('HGET', KEYS[1], 'pausedReason')
local alerted = redis.call('HGET', KEYS[1], 'pauseAlerted')
if reason then
  local kind = string.match(reason, '^[^:;]*')
  if kind == alerted then return {} end
  redis.call('HSET', KEYS[1], 'pauseAlerted', kind)
  return {'paused', reason, redis.call('HINCRBY', KEYS[1], 'alertSeq', 1)}
end
if alerted then
  redis.call('HDEL', KEYS[1], 'pauseAlerted')
  return {'resumed', '', redis.call('HINCRBY', KEYS[1], 'alertSeq', 1)}
end
return {}`;

// KEYS[1] import hash, KEYS[2] outcomes, KEYS[3] recent, KEYS[4] expired, KEYS[5] guard, KEYS[6] active,
// KEYS[7..] the outcomes' other keys (rare, buckets). ARGV: id, now, tombstones kept.
const REMOVE_IMPORT_LUA = `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[5])
for i = 7, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('SREM', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[3]) - 1)
return 1`;

/** How many expired import ids are remembered (about 60 bytes each), so `status` can tell "expired". */
export const EXPIRED_IDS_KEPT = 100_000;

// KEYS[1] dedup key; ARGV: import id, ttl in seconds, the failed owner it may replace ('' = none).
const CLAIM_CONTENT_LUA = `
local owner = redis.call('GET', KEYS[1])
if (not owner) or (ARGV[3] ~= '' and owner == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return ARGV[1]
end
return owner`;

// KEYS[1] import hash; ARGV: code, reason, now. The first stop wins; code and reason are set together.
const STOP_IMPORT_LUA = `
if redis.call('HSETNX', KEYS[1], 'stopCode', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'stopReason', ARGV[2], 'updatedAt', ARGV[3])
end
return redis.call('HMGET', KEYS[1], 'stopCode', 'stopReason')`;

// KEYS[1] guard hash; ARGV: rows answered, rows in error, '1' when a row succeeded, the call's failure
// code ('' = none), ttl in seconds.
const TALLY_CALL_LUA = `${TALLY_FUNCTION_LUA}
return tallyCall(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])`;

/** The guard's tally lives as long as a slow import may (credit pauses); refreshed on every call. */
const GUARD_TTL_S = 30 * 86_400;

/** The tally as the scripts return it: HMGET of answered, failed, streakCode, streak. */
function guardTallyOf([answered, failed, streakCode, streak]: Array<string | null>): GuardTally {
  return { answered: Number(answered ?? 0), failed: Number(failed ?? 0), streakCode: streakCode ?? '', streak: Number(streak ?? 0) };
}

const RELEASE_LEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type PackedRemoval = [status: 's' | 'e' | 'k', code: string, message: string, related: string];
const STATUS_CHAR: Record<RowStatus, PackedRemoval[0]> = { success: 's', error: 'e', skipped: 'k' };
const CHAR_STATUS: Record<PackedRemoval[0], RowStatus> = { s: 'success', e: 'error', k: 'skipped' };

/** A removal's field in the removals hashes: the base and the related record's id. */
function removalKey(base: string, relatedId: string): string {
  return JSON.stringify([base, relatedId]);
}

export class RunLedger {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #observer: LedgerObserver | undefined;
  readonly #textCache = new Map<string, Map<number, OutcomeText>>();
  /** Imports whose outcomes are stored the old way (legacy-outcomes.ts), as found once per process. */
  readonly #legacy = new Map<string, boolean>();

  /** Tell the observer (metrics) of outcomes written: what it does or throws never changes an outcome. */
  #tell(notify: (observer: LedgerObserver) => void): void {
    if (!this.#observer) return;
    try {
      notify(this.#observer);
    } catch {
      // Metrics must never change an outcome.
    }
  }

  constructor(redis: Redis, prefix: string, now: () => number = Date.now, observer?: LedgerObserver) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#now = now;
    this.#observer = observer;
  }

  importKey(id: string): string {
    return `${this.#prefix}:ledger:import:${id}`;
  }

  /** The import guard's tally (usecases/import-guard.ts). */
  guardKey(id: string): string {
    return `${this.importKey(id)}:guard`;
  }

  outcomesKey(id: string): string {
    return `${this.#prefix}:ledger:import:${id}:outcomes`;
  }

  /** A mirror's planned removals (see the file's head). */
  removalPlanKey(id: string): string {
    return `${this.importKey(id)}:removal-plan`;
  }

  /** Each removal's outcome, written at most once. */
  removalsKey(id: string): string {
    return `${this.importKey(id)}:removals`;
  }

  /**
   * Remember a mirror's planned removals (idempotent: a re-planned removal keeps its first place), so
   * that the end of the import can give one that never got an outcome its own, and report all in order.
   * Returns how many the import has planned in all.
   */
  async planRemovals(id: string, removals: readonly PlannedRemoval[]): Promise<number> {
    for (let i = 0; i < removals.length; i += 1_000) {
      const multi = this.#redis.multi();
      for (const r of removals.slice(i, i + 1_000)) multi.hsetnx(this.removalPlanKey(id), removalKey(r.base, r.relatedId), JSON.stringify([r.n, r.related]));
      await multi.exec();
    }
    // Every removal ever planned for the import (a re-planned ingest may add some, never drops one).
    return this.#redis.hlen(this.removalPlanKey(id));
  }

  /** Record removal outcomes; a removal that already has one keeps it. Returns how many were newly recorded. */
  /**
   * Record removals' outcomes (first wins). With `state` (the base all of them share), each removed pair
   * leaves the incremental sync state in the same script that newly writes its outcome.
   */
  async recordRemovals(id: string, outcomes: readonly RemovalOutcome[], state?: Omit<PairStateChange, 'pairs'>): Promise<number> {
    if (outcomes.length === 0) return 0;
    const args: Array<string | number> = [];
    for (const o of outcomes) args.push(removalKey(o.base, o.relatedId), JSON.stringify([STATUS_CHAR[o.status], o.code, o.message, o.related]), REMOVAL_COUNTER[o.status]);
    // Each outcome's position stands for its "row": the state script forgets a pair only when its outcome was new.
    const ops = state ? stateOps(this.#prefix, { ...state, pairs: outcomes.map((o, i) => ({ row: i + 1, related: o.related })) }, (position) => position, 3) : { keys: [], args: [] };
    args.push(...ops.args, ops.args.length);
    const added = (await this.#redis.eval(RECORD_REMOVALS_LUA, 2 + ops.keys.length, this.removalsKey(id), this.importKey(id), ...ops.keys, ...args)) as number[];
    if (added.length > 0) this.#tell((observer) => observer.removalsRecorded?.(id, added.map((position) => outcomes[position - 1]!)));
    return added.length;
  }

  /** Which of these removals already have an outcome (true) or not (false), in order. */
  async hasRemovals(id: string, removals: ReadonlyArray<{ base: string; relatedId: string }>): Promise<boolean[]> {
    if (removals.length === 0) return [];
    const found = await this.#redis.hmget(this.removalsKey(id), ...removals.map((r) => removalKey(r.base, r.relatedId)));
    return found.map((value) => value !== null);
  }

  /** Every planned removal in plan order, with its outcome when it has one. */
  async removalsOf(id: string): Promise<Array<{ planned: PlannedRemoval; outcome?: RemovalOutcome }>> {
    const [plan, outcomes] = await Promise.all([this.#redis.hgetall(this.removalPlanKey(id)), this.#redis.hgetall(this.removalsKey(id))]);
    const list = Object.entries(plan).map(([key, value]) => {
      const [base, relatedId] = JSON.parse(key) as [string, string];
      const [n, related] = JSON.parse(value) as [number, string];
      const packed = outcomes[key];
      const planned: PlannedRemoval = { base, related, relatedId, n };
      if (packed === undefined) return { planned };
      const [status, code, message] = JSON.parse(packed) as PackedRemoval;
      return { planned, outcome: { base, related, relatedId, status: CHAR_STATUS[status], code, message } };
    });
    return list.sort((a, b) => a.planned.n - b.planned.n);
  }

  /** Create the record unless it exists; true when this call created it. */
  async createImport(record: NewImport): Promise<boolean> {
    const key = this.importKey(record.id);
    const now = this.#now();
    const fields: Record<string, string | number> = { state: 'queued', createdAt: now, updatedAt: now, success: 0, error: 0, skipped: 0, calls: 0, retries: 0, rateLimited: 0 };
    for (const [name, value] of Object.entries(record)) if (value !== undefined) fields[name] = value;
    const created = await this.#redis.hsetnx(key, 'id', record.id);
    if (created === 0) return false;
    await this.#redis.multi().hset(key, fields).zadd(this.recentKey(), now, record.id).sadd(this.#activeKey, record.id).exec();
    return true;
  }

  /** Imports not yet done or failed: what the reconciler looks at (a set, so it never scans history). */
  async activeImports(): Promise<string[]> {
    return this.#redis.smembers(this.#activeKey);
  }

  get #activeKey(): string {
    return `${this.#prefix}:ledger:active`;
  }

  async getImport(id: string): Promise<ImportRecord | undefined> {
    const raw = await this.#redis.hgetall(this.importKey(id));
    if (!raw.id) return undefined;
    const record: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(raw)) record[name] = NUMBER_FIELDS.has(name) ? Number(value) : value;
    return record as unknown as ImportRecord;
  }

  /** The record, or the user's mistake of naming an import that does not exist (or no longer does). */
  async requireImport(id: string): Promise<ImportRecord> {
    const record = await this.getImport(id);
    if (record) return record;
    if (await this.isExpired(id)) {
      throw new UserError(ErrorCodes.IMPORT_EXPIRED, `${id}: expired: its records were removed from Redis after RELSYNC_RETENTION_DAYS (or by 'relsync prune'); its report files are kept`);
    }
    throw new UserError(ErrorCodes.IMPORT_NOT_FOUND, `${id}: no such import (see 'relsync list')`);
  }

  /**
   * Whether the import existed and its records were removed: by `removeImport` (its id is in the
   * expired list) or by Redis itself at the expiry `expireImport` set (its id is still in the recent list).
   */
  async isExpired(id: string): Promise<boolean> {
    const [expired, recent, exists] = await this.#redis.multi().zscore(this.expiredKey(), id).zscore(this.recentKey(), id).exists(this.importKey(id)).exec() ?? [];
    return !exists?.[1] && Boolean(expired?.[1] ?? recent?.[1]);
  }

  async update(id: string, fields: Partial<Omit<ImportRecord, 'id' | Counter>>): Promise<void> {
    const set: Record<string, string | number> = { updatedAt: this.#now() };
    const unset: string[] = [];
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined || value === null) unset.push(name);
      else set[name] = value as string | number;
    }
    const watched = this.#observer?.importChanged !== undefined && ('state' in fields || 'pausedReason' in fields);
    const multi = this.#redis.multi();
    if (watched) multi.hmget(this.importKey(id), 'state', 'pausedReason');
    multi.hset(this.importKey(id), set);
    if (unset.length > 0) multi.hdel(this.importKey(id), ...unset);
    if (fields.state === 'done' || fields.state === 'failed') multi.srem(this.#activeKey, id);
    const results = await multi.exec();
    if (!watched) return;
    const [state, pausedReason] = (results?.[0]?.[1] ?? []) as Array<string | null>;
    const before = { state: (state ?? undefined) as ImportState | undefined, pausedReason: pausedReason ?? undefined };
    const after = {
      state: fields.state ?? before.state,
      pausedReason: 'pausedReason' in fields ? (fields.pausedReason ?? undefined) : before.pausedReason,
    };
    await this.#observer?.importChanged?.({ id, before, after }).catch(() => undefined);
  }

  async setState(id: string, state: ImportState, fields: Partial<Omit<ImportRecord, 'id' | 'state' | Counter>> = {}): Promise<void> {
    await this.update(id, { ...fields, state });
  }

  /**
   * Stop the import from sending: the first stop wins (a later cancel does not rewrite an abort's
   * reason). Returns the stop in force. Rows already sent keep their outcomes.
   */
  async stopImport(id: string, code: StopCode, reason: string): Promise<{ code: StopCode; reason: string }> {
    const [storedCode, storedReason] = (await this.#redis.eval(STOP_IMPORT_LUA, 1, this.importKey(id), code, reason, this.#now())) as [string, string];
    return { code: storedCode as StopCode, reason: storedReason };
  }

  /** The stop in force, if any: read before every call, so one small read. */
  async stopOf(id: string): Promise<{ code: StopCode; reason: string } | undefined> {
    const [code, reason] = await this.#redis.hmget(this.importKey(id), 'stopCode', 'stopReason');
    return code ? { code: code as StopCode, reason: reason ?? '' } : undefined;
  }

  /** Count one answered call for the import guard; returns the tally after it (atomic across workers). */
  async tallyCall(id: string, call: CallTally): Promise<GuardTally> {
    return guardTallyOf((await this.#redis.eval(
      TALLY_CALL_LUA, 1, this.guardKey(id),
      call.answered, call.failed, call.succeeded ? '1' : '0', call.failureCode ?? '', GUARD_TTL_S,
    )) as Array<string | null>);
  }

  async increment(id: string, counter: 'calls' | 'retries' | 'rateLimited', by = 1): Promise<void> {
    await this.#redis.hincrby(this.importKey(id), counter, by);
  }

  /**
   * Record outcomes; rows that already have one keep it. Returns how many were newly recorded.
   * `state`: what these outcomes do to the incremental sync state, written in the same script and only
   * for the outcomes newly written (sync-state.ts).
   */
  async recordOutcomes(id: string, outcomes: readonly RowOutcome[], state?: PairStateChange): Promise<number> {
    return (await this.recordCallOutcomes(id, outcomes, { state })).recorded;
  }

  /**
   * Record the outcomes of one Zoho call as `recordOutcomes` does, and in the same script count the
   * call (`calls`, when `countCall`) and its answer in the import guard's tally (`tally`, as `tallyCall`
   * would): one round trip where there were three. Returns how many outcomes were newly recorded;
   * with `tally`, the guard's tally after this call; and `inForce`, the import's stop as the same
   * script saw it (absent when no script read it: no outcomes, or an import of the legacy layout).
   */
  async recordCallOutcomes(id: string, outcomes: readonly RowOutcome[], call: { state?: PairStateChange; tally?: CallTally; countCall?: boolean } = {}): Promise<CallOutcomesRecorded> {
    if (outcomes.length === 0 && !call.tally && !call.countCall) return { recorded: 0 };
    let added: number[];
    let tally: GuardTally | undefined;
    let inForce: CallOutcomesRecorded['inForce'];
    if (await this.#isLegacy(id)) {
      // An import written before outcomes were packed keeps its layout, and its counters apart.
      const [legacyAdded] = await Promise.all([
        outcomes.length === 0 ? [] : recordLegacyOutcomes(this.#redis, { outcomes: this.outcomesKey(id), record: this.importKey(id) }, outcomes),
        call.countCall ? this.increment(id, 'calls') : undefined,
      ]);
      added = legacyAdded;
      tally = call.tally && (await this.tallyCall(id, call.tally));
    } else {
      [added, tally, inForce] = await this.#recordPacked(id, outcomes, call);
    }
    if (added.length > 0) this.#tell((observer) => observer.outcomesRecorded?.(id, added.map((position) => outcomes[position - 1]!)));
    return { recorded: added.length, ...(tally ? { tally } : {}), ...(inForce ? { inForce } : {}) };
  }

  async #recordPacked(id: string, outcomes: readonly RowOutcome[], call: { state?: PairStateChange; tally?: CallTally; countCall?: boolean }): Promise<[added: number[], tally: GuardTally | undefined, inForce: NonNullable<CallOutcomesRecorded['inForce']>]> {
    const keys = [this.importKey(id), this.outcomesKey(id), this.#rareKey(id), this.guardKey(id)];
    const keyIndex = new Map<number, number>();
    const { tally, state } = call;
    const args: Array<string | number | Buffer> = [
      BUCKET_ROWS, BUCKET_BYTES, call.countCall ? 1 : 0,
      ...(tally ? [tally.answered, tally.failed, tally.succeeded ? '1' : '0', tally.failureCode ?? '', GUARD_TTL_S] : ['', '', '', '', '']),
    ];
    for (const outcome of outcomes) {
      const bucket = bucketOf(outcome.row);
      let index = keyIndex.get(bucket);
      if (index === undefined) {
        index = keys.push(this.#bucketKey(id, bucket));
        keyIndex.set(bucket, index);
      }
      const { text, id: zohoId } = slotParts(outcome);
      args.push(outcome.row, index, outcome.status, text, zohoId);
    }
    // The state's bucket key comes after the outcome buckets; each pair names its row's position.
    const positions = new Map(outcomes.map((outcome, i) => [outcome.row, i + 1]));
    const ops = state ? stateOps(this.#prefix, state, (row) => positions.get(row), keys.length + 1) : { keys: [], args: [] };
    args.push(...ops.args, ops.args.length);
    const [added, tallied, [stopCode, stopReason]] = (await this.#redis.eval(RECORD_OUTCOMES_LUA, keys.length + ops.keys.length, ...keys, ...ops.keys, ...args)) as [number[], Array<string | null>, Array<string | null>];
    return [added, tally ? guardTallyOf(tallied) : undefined, stopCode ? { stop: { code: stopCode as StopCode, reason: stopReason ?? '' } } : {}];
  }

  /**
   * Record outcomes given as one mark per row (`MarkedOutcomes`: an incremental import's UNCHANGED
   * rows); rows that already have an outcome keep it. The same slots, tags, counters and observer as
   * `recordOutcomes`, without an object, a text or a script argument per row: each bucket of rows is
   * read and written by one script, MARKED_BUCKETS_PER_SCRIPT buckets a script. Returns how many were
   * newly recorded.
   */
  async recordMarked(id: string, marked: MarkedOutcomes): Promise<number> {
    const { marks, texts } = marked;
    if (texts.length === 0) return 0;
    if (await this.#isLegacy(id)) return this.#recordMarkedLegacy(id, marked);
    const added = texts.map(() => 0);
    const head: Array<string | number> = [BUCKET_ROWS, BUCKET_BYTES, texts.length];
    for (const text of texts) head.push(text.status, packOutcome({ row: 0, ...text }));
    const lastBucket = bucketOf(Math.max(1, marks.length - 1));
    let keys: string[] = [];
    let args: Array<string | number | Buffer> = [];
    // Scripts touch disjoint buckets, so a few run back to back in Redis while the next is built.
    const inFlight: Array<Promise<void>> = [];
    const flush = async (): Promise<void> => {
      if (keys.length === 0) return;
      if (inFlight.length >= MARKED_SCRIPTS_IN_FLIGHT) await inFlight.shift();
      const script = this.#redis.eval(RECORD_MARKED_LUA, 3 + keys.length, this.importKey(id), this.outcomesKey(id), this.#rareKey(id), ...keys, ...head, ...args) as Promise<number[]>;
      const counted = script.then((counts) => counts.forEach((count, t) => (added[t]! += Number(count))));
      counted.catch(() => undefined);
      inFlight.push(counted);
      keys = [];
      args = [];
    };
    for (let bucket = 0; bucket <= lastBucket; bucket++) {
      const bytes = bucketMarks(marks, bucket);
      if (bytes === undefined) continue;
      keys.push(this.#bucketKey(id, bucket));
      args.push(bucket, bytes);
      if (keys.length >= MARKED_BUCKETS_PER_SCRIPT) await flush();
    }
    await flush();
    await Promise.all(inFlight);
    const total = added.reduce((sum, n) => sum + n, 0);
    if (total > 0) this.#tell((observer) => observer.outcomesCounted?.(id, texts.map((text, t) => ({ status: text.status, code: text.code, count: added[t]! })).filter((c) => c.count > 0)));
    return total;
  }

  /** `recordMarked` for an import stored the old way: its outcomes as rows, a thousand at a time. */
  async #recordMarkedLegacy(id: string, { marks, texts }: MarkedOutcomes): Promise<number> {
    let added = 0;
    let batch: RowOutcome[] = [];
    for (let row = 1; row < marks.length; row++) {
      const mark = marks[row]!;
      if (mark === 0) continue;
      batch.push({ row, ...texts[mark - 1]! });
      if (batch.length >= 1_000) {
        added += await this.recordOutcomes(id, batch);
        batch = [];
      }
    }
    return added + (await this.recordOutcomes(id, batch));
  }

  /** Once per import and process: an import's outcomes never change layout (see legacy-outcomes.ts). */
  async #isLegacy(id: string): Promise<boolean> {
    let legacy = this.#legacy.get(id);
    if (legacy === undefined) {
      legacy = await isLegacyOutcomes(this.#redis, this.outcomesKey(id));
      if (this.#legacy.size >= TEXT_CACHE_IMPORTS) this.#legacy.clear();
      this.#legacy.set(id, legacy);
    }
    return legacy;
  }

  /** The outcomes of the given rows, in the same order; undefined where a row has none yet. */
  async getOutcomes(id: string, rows: readonly number[]): Promise<Array<RowOutcome | undefined>> {
    if (rows.length === 0) return [];
    if (await this.#isLegacy(id)) return getLegacyOutcomes(this.#redis, this.outcomesKey(id), rows);
    // One GETRANGE per bucket touched, spanning the rows asked for in it (the report asks for runs of rows).
    const spans = new Map<number, { first: number; last: number; bytes?: Buffer }>();
    for (const row of rows) {
      const bucket = bucketOf(row);
      const span = spans.get(bucket);
      if (span === undefined) spans.set(bucket, { first: row, last: row });
      else if (row < span.first) span.first = row;
      else if (row > span.last) span.last = row;
    }
    const pipeline = this.#redis.pipeline();
    for (const [bucket, span] of spans) pipeline.getrangeBuffer(this.#bucketKey(id, bucket), slotOffset(span.first), slotOffset(span.last) + SLOT_BYTES - 1);
    const replies = (await pipeline.exec()) ?? [];
    let i = 0;
    for (const span of spans.values()) {
      const [error, bytes] = replies[i++] ?? [];
      if (error) throw error;
      span.bytes = bytes as Buffer;
    }
    const slots = rows.map((row) => {
      const span = spans.get(bucketOf(row))!;
      return readSlot(span.bytes!, slotOffset(row) - slotOffset(span.first));
    });
    const texts = await this.#texts(id, slots.map((slot) => slot.tag));
    const rare = rows.filter((_, k) => slots[k]!.tag === RARE_TAG);
    const rareTexts = rare.length === 0 ? [] : await this.#redis.hmget(this.#rareKey(id), ...rare.map(String));
    let r = 0;
    return rows.map((row, k) => {
      const { tag, zohoId } = slots[k]!;
      if (tag === 0) return undefined;
      if (tag === RARE_TAG) {
        const text = rareTexts[r++];
        return text ? outcomeOf(row, text, zohoId) : undefined;
      }
      const { status, code, message } = texts.get(tag)!;
      return zohoId ? { row, status, code, message, zohoId } : { row, status, code, message };
    });
  }

  async countOutcomes(id: string): Promise<number> {
    if (await this.#isLegacy(id)) return this.#redis.hlen(this.outcomesKey(id));
    return Number((await this.#redis.hget(this.outcomesKey(id), 'count')) ?? 0);
  }

  /** Rows 1..total with no outcome yet, read a bucket at a time (the file may have millions of rows). */
  async rowsWithoutOutcome(id: string, total: number): Promise<number[]> {
    if (await this.#isLegacy(id)) return legacyRowsWithoutOutcome(this.#redis, this.outcomesKey(id), total);
    const missing: number[] = [];
    await this.#eachBucket(id, bucketOf(total) + 1, (first, bytes) => {
      for (let row = first; row < first + BUCKET_ROWS && row <= total; row++) {
        if (readSlot(bytes, slotOffset(row)).tag === 0) missing.push(row);
      }
    });
    return missing;
  }

  /** Every outcome of an import with the given status, in row order (for `retry`). */
  async rowsWithStatus(id: string, status: RowStatus): Promise<number[]> {
    if (await this.#isLegacy(id)) return legacyRowsWithStatus(this.#redis, this.outcomesKey(id), status);
    const buckets = Number((await this.#redis.hget(this.outcomesKey(id), 'buckets')) ?? 0);
    const tagged: Array<[row: number, tag: number]> = [];
    await this.#eachBucket(id, buckets, (first, bytes) => {
      for (let offset = 0; offset < bytes.length; offset += SLOT_BYTES) {
        if (bytes[offset]) tagged.push([first + offset / SLOT_BYTES, bytes[offset]!]);
      }
    });
    const texts = await this.#texts(id, tagged.map(([, tag]) => tag));
    const rare = tagged.filter(([, tag]) => tag === RARE_TAG).map(([row]) => row);
    const rareTexts = rare.length === 0 ? [] : await this.#redis.hmget(this.#rareKey(id), ...rare.map(String));
    const rareStatus = new Map(rare.map((row, i) => [row, rareTexts[i] ? statusOfText(rareTexts[i]) : undefined]));
    return tagged.filter(([row, tag]) => (tag === RARE_TAG ? rareStatus.get(row) : texts.get(tag)?.status) === status).map(([row]) => row);
  }

  /** Buckets 0..count-1 in order, a few at a time; a bucket never written reads as empty. */
  async #eachBucket(id: string, count: number, visit: (firstRow: number, bytes: Buffer) => void): Promise<void> {
    const perRead = 16;
    for (let start = 0; start < count; start += perRead) {
      const pipeline = this.#redis.pipeline();
      const end = Math.min(count, start + perRead);
      for (let bucket = start; bucket < end; bucket++) pipeline.getBuffer(this.#bucketKey(id, bucket));
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, bytes], i) => {
        if (error) throw error;
        visit((start + i) * BUCKET_ROWS + 1, (bytes as Buffer | null) ?? Buffer.alloc(0));
      });
    }
  }

  /** The import's texts by tag, read from Redis only for tags not seen before (a tag never changes its text). */
  async #texts(id: string, tags: Iterable<number>): Promise<Map<number, OutcomeText>> {
    let known = this.#textCache.get(id);
    if (known === undefined) {
      if (this.#textCache.size >= TEXT_CACHE_IMPORTS) this.#textCache.clear();
      known = new Map();
      this.#textCache.set(id, known);
    }
    const unknown = new Set<number>();
    for (const tag of tags) if (tag !== 0 && tag !== RARE_TAG && !known.has(tag)) unknown.add(tag);
    if (unknown.size > 0) {
      const wanted = [...unknown];
      const texts = await this.#redis.hmget(this.outcomesKey(id), ...wanted.map((tag) => `t${tag}`));
      wanted.forEach((tag, i) => {
        const text = texts[i];
        if (text) known.set(tag, unpackOutcome(0, text));
      });
    }
    return known;
  }

  #bucketKey(id: string, bucket: number): string {
    return `${this.outcomesKey(id)}:${bucket}`;
  }

  #rareKey(id: string): string {
    return `${this.outcomesKey(id)}:rare`;
  }

  /** Every key holding the import's outcomes: texts and counts, rare outcomes, buckets. */
  async #outcomeKeys(id: string): Promise<string[]> {
    const buckets = Number((await this.#redis.hget(this.outcomesKey(id), 'buckets')) ?? 0);
    return [this.outcomesKey(id), this.#rareKey(id), ...Array.from({ length: buckets }, (_, b) => this.#bucketKey(id, b))];
  }

  /**
   * The import that owns `contentKey` for the next `ttlS` seconds: `importId` when the key was free
   * (or held by `replacing`, an import that failed), else the id that holds it.
   */
  async claimContent(contentKey: string, importId: string, ttlS: number, replacing?: string): Promise<string> {
    const owner = await this.#redis.eval(CLAIM_CONTENT_LUA, 1, `${this.#prefix}:dedup:${contentKey}`, importId, ttlS, replacing ?? '');
    return String(owner);
  }

  /** Take a lease for `ttlMs` unless someone holds it; true when taken. A holder that dies loses it at expiry. */
  async takeLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(`${this.#prefix}:lease:${name}`, holder, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Give the dedup window's claim on `contentKey` back, only if `importId` holds it (a failed import's content is free again). */
  async releaseContent(contentKey: string, importId: string): Promise<void> {
    await this.#redis.eval(RELEASE_LEASE_LUA, 1, `${this.#prefix}:dedup:${contentKey}`, importId);
  }

  /** Give a lease back, only if `holder` still holds it. */
  async releaseLease(name: string, holder: string): Promise<void> {
    await this.#redis.eval(RELEASE_LEASE_LUA, 1, `${this.#prefix}:lease:${name}`, holder);
  }

  /**
   * The first to ask for the end alert of an import gets true, every later caller false: however often
   * the import's last step runs, one `import.finished` (or `import.failed`) is sent.
   */
  async claimEndAlert(id: string): Promise<boolean> {
    return (await this.#redis.hsetnx(this.importKey(id), 'endAlerted', this.#now())) === 1;
  }

  /** What to announce about an import's pause now: a pause not yet announced, the end of one that was, or nothing. */
  async settlePauseAlert(id: string): Promise<PauseAlert | undefined> {
    const [event, reason, seq] = (await this.#redis.eval(SETTLE_PAUSE_ALERT_LUA, 1, this.importKey(id))) as [string?, string?, number?];
    if (event === 'paused') return { event, reason: reason!, seq: Number(seq) };
    if (event === 'resumed') return { event, seq: Number(seq) };
    return undefined;
  }

  /** Let Redis remove a finished import's records at `atMs`, even if no relsync process runs then. */
  async expireImport(id: string, atMs: number): Promise<void> {
    const multi = this.#redis.multi().pexpireat(this.importKey(id), atMs).pexpireat(this.guardKey(id), atMs)
      .pexpireat(this.removalPlanKey(id), atMs).pexpireat(this.removalsKey(id), atMs);
    for (const key of await this.#outcomeKeys(id)) multi.pexpireat(key, atMs);
    await multi.exec();
  }

  /** Remove an import's records now, remembering its id as expired (the newest EXPIRED_IDS_KEPT are kept). */
  async removeImport(id: string): Promise<void> {
    await this.#redis.del(this.removalPlanKey(id), this.removalsKey(id));
    const [outcomes, ...more] = await this.#outcomeKeys(id);
    await this.#redis.eval(REMOVE_IMPORT_LUA, 6 + more.length, this.importKey(id), outcomes!, this.recentKey(), this.expiredKey(), this.guardKey(id), this.#activeKey, ...more, id, this.#now(), EXPIRED_IDS_KEPT);
  }

  /** Ids of imports created at or before `cutoffMs`, oldest first: the only ones that can have ended before it. */
  async importsCreatedBefore(cutoffMs: number, limit: number, offset = 0): Promise<string[]> {
    return this.#redis.zrangebyscore(this.recentKey(), '-inf', cutoffMs, 'LIMIT', offset, limit);
  }

  recentKey(): string {
    return `${this.#prefix}:ledger:recent`;
  }

  expiredKey(): string {
    return `${this.#prefix}:ledger:expired`;
  }

  /** The most recent imports, newest first. */
  async listImports(limit = 20): Promise<ImportRecord[]> {
    const ids = await this.#redis.zrevrange(this.recentKey(), 0, limit - 1);
    const records = await Promise.all(ids.map((id) => this.getImport(id)));
    return records.filter((record): record is ImportRecord => record !== undefined);
  }
}
