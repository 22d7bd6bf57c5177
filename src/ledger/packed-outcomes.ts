/**
 * How the run ledger stores a row's outcome in a few bytes. A finished import keeps its outcomes for
 * RELSYNC_RETENTION_DAYS, so their size decides how many imports one Redis holds: a success is little
 * more than its Zoho id, and what outcomes share (status, code, message) is stored once per import.
 *
 * Rows are grouped in buckets of BUCKET_ROWS rows; a bucket is one Redis string of BUCKET_ROWS slots of
 * SLOT_BYTES bytes, created at its full size (so Redis allocates it once, exactly):
 *
 *   byte 0      the text's tag: 0 no outcome yet; 1..MAX_TEXTS an index in the import's text table;
 *               RARE_TAG the outcome's text is kept aside, in a hash by row
 *   bytes 1..8  the Zoho id as an unsigned 64-bit big-endian integer; 0 = none
 *
 * A text is `packOutcome` of the outcome without its Zoho id: `["s","SUCCESS","relation added"]`.
 * The first MAX_TEXTS distinct texts of an import get a tag, at most ERROR_TEXTS of them an error's or a
 * skip's (whose messages may name a row or a value, so that a big import's many distinct error texts
 * never leave its successes without one); later ones (and any outcome whose Zoho id is not a plain
 * decimal number below 2^64) are rare: their whole packed outcome is kept aside.
 * About 9 bytes a row, against ~110 as one hash field of JSON per row.
 */
import type { RowOutcome, RowStatus } from '../domain/row-outcome.js';

export const BUCKET_ROWS = 1024;
export const SLOT_BYTES = 9;
export const BUCKET_BYTES = BUCKET_ROWS * SLOT_BYTES;
/** Tags 1..MAX_TEXTS name a text; RARE_TAG names none. */
export const MAX_TEXTS = 254;
/** Of those, how many an error's or skip's text may take (RECORD_OUTCOMES_LUA in run-ledger.ts). */
export const ERROR_TEXTS = 200;
export const RARE_TAG = 255;

type PackedOutcome = [status: 's' | 'e' | 'k', code: string, message: string, zohoId?: string];
const STATUS_CHAR: Record<RowStatus, PackedOutcome[0]> = { success: 's', error: 'e', skipped: 'k' };
const CHAR_STATUS: Record<PackedOutcome[0], RowStatus> = { s: 'success', e: 'error', k: 'skipped' };

export function packOutcome(outcome: RowOutcome): string {
  const packed: PackedOutcome = [STATUS_CHAR[outcome.status], outcome.code, outcome.message];
  if (outcome.zohoId) packed.push(outcome.zohoId);
  return JSON.stringify(packed);
}

export function unpackOutcome(row: number, packed: string): RowOutcome {
  const [status, code, message, zohoId] = JSON.parse(packed) as PackedOutcome;
  return zohoId ? { row, status: CHAR_STATUS[status], code, message, zohoId } : { row, status: CHAR_STATUS[status], code, message };
}

/** The status of a packed text, read from its first bytes (`["s"…`) without parsing it. */
export function statusOfText(text: string): RowStatus {
  return CHAR_STATUS[text[2] as PackedOutcome[0]];
}

export function bucketOf(row: number): number {
  return Math.floor((row - 1) / BUCKET_ROWS);
}

/** Byte offset of the row's slot in its bucket. */
export function slotOffset(row: number): number {
  return ((row - 1) % BUCKET_ROWS) * SLOT_BYTES;
}

const MAX_ID = 0xffff_ffff_ffff_ffffn;
const PLAIN_ID = /^[1-9][0-9]{0,19}$/;

/**
 * What is written for one outcome: its text (without the id) and the id's 8 bytes, or, when the id
 * cannot be one of those 8 bytes, the whole packed outcome and no id bytes (the script then keeps it aside).
 */
export function slotParts(outcome: RowOutcome): { text: string; id: Buffer | '' } {
  const zohoId = outcome.zohoId;
  const id = Buffer.alloc(8);
  if (!zohoId) return { text: packOutcome({ ...outcome, zohoId: undefined }), id };
  if (PLAIN_ID.test(zohoId)) {
    const value = BigInt(zohoId);
    if (value <= MAX_ID) {
      id.writeBigUInt64BE(value);
      return { text: packOutcome({ ...outcome, zohoId: undefined }), id };
    }
  }
  return { text: packOutcome(outcome), id: '' };
}

/** The slot's tag (0: no outcome) and Zoho id ('' when none), read at `offset` of `bytes`. */
export function readSlot(bytes: Buffer, offset: number): { tag: number; zohoId: string } {
  if (offset + SLOT_BYTES > bytes.length) return { tag: 0, zohoId: '' };
  const tag = bytes[offset]!;
  if (tag === 0) return { tag, zohoId: '' };
  const high = bytes.readUInt32BE(offset + 1);
  const low = bytes.readUInt32BE(offset + 5);
  if (high === 0 && low === 0) return { tag, zohoId: '' };
  // Below 2^53 a double holds it exactly (and is much cheaper than a BigInt).
  const zohoId = high < 0x20_0000 ? String(high * 0x1_0000_0000 + low) : ((BigInt(high) << 32n) | BigInt(low)).toString();
  return { tag, zohoId };
}

/** The outcome a slot holds, given its text (from the table, or the rare hash). */
export function outcomeOf(row: number, text: string, zohoId: string): RowOutcome {
  const outcome = unpackOutcome(row, text);
  return zohoId && !outcome.zohoId ? { ...outcome, zohoId } : outcome;
}
