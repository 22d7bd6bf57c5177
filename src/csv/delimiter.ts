/**
 * The field delimiter of a file whose profile does not name one, guessed from its header line alone:
 * spreadsheet exports in much of Europe use `;`, and "CSV" from databases is often tab-separated.
 * The header is the one line we know holds only names, so counting candidates outside quotes there
 * is reliable; data rows are never looked at (a `;` inside a note must not change how a file splits).
 */

/** Candidates, in the order that wins a tie. */
export const DELIMITER_CANDIDATES = [',', ';', '\t'] as const;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * The candidate that occurs most often outside quotes on the first line of `head` (UTF-8 bytes, a
 * BOM allowed); ',' on a tie with it or when none occurs (a one-column file).
 */
export function detectDelimiter(head: Buffer): string {
  const counts = new Map<number, number>(DELIMITER_CANDIDATES.map((d) => [d.charCodeAt(0), 0]));
  let quoted = false;
  let started = false;
  for (let i = 0; i < head.length; i++) {
    const byte = head[i] as number;
    if (!quoted && (byte === LF || byte === CR)) {
      if (started) break;
      continue; // leading blank lines are skipped, as the reader skips them
    }
    started = true;
    if (byte === QUOTE) quoted = !quoted; // a doubled quote toggles twice: still right
    else if (!quoted) {
      const count = counts.get(byte);
      if (count !== undefined) counts.set(byte, count + 1);
    }
  }
  let best: string = DELIMITER_CANDIDATES[0];
  let bestCount = 0;
  for (const candidate of DELIMITER_CANDIDATES) {
    const count = counts.get(candidate.charCodeAt(0)) ?? 0;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}
