/**
 * Writing CSV cells so that reading them back (openCsv) gives the same strings: the report returns the
 * input's cells byte for byte, quoting aside.
 */

const needsQuotesByDelimiter = new Map<string, RegExp>();

/**
 * A cell is quoted only when it must be: it holds the delimiter, a quote, CR or LF, or starts or ends
 * with a space or tab (which spreadsheet imports and trimming readers would otherwise eat), or starts
 * with U+FEFF (which, first in a file, a reader takes for a byte order mark). Quotes inside are doubled.
 */
export function formatCsvCell(cell: string, delimiter = ','): string {
  if (cell === '') return cell;
  return needsQuotes(delimiter).test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** formatCsvCell with the delimiter fixed, for hot loops (a million rows times their cells). */
export function cellFormatter(delimiter = ','): (cell: string) => string {
  const pattern = needsQuotes(delimiter);
  return (cell) => (cell !== '' && pattern.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
}

/**
 * One CSV line, without its line ending. A line of a single empty cell is written `""`, because an
 * empty line is read as a blank line and not as a row. A row of several empty cells is written as its
 * delimiters alone, which openCsv reads as a blank line too (see csv-reader.ts); no report line is
 * one (ours always has `_row` and `_status`).
 */
export function formatCsvRow(cells: readonly string[], delimiter = ','): string {
  if (cells.length === 1 && cells[0] === '') return '""';
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += delimiter;
    line += formatCsvCell(cells[i] as string, delimiter);
  }
  return line;
}

function needsQuotes(delimiter: string): RegExp {
  let pattern = needsQuotesByDelimiter.get(delimiter);
  if (pattern === undefined) {
    const escaped = delimiter.replace(/[\\^\]-]/g, '\\$&');
    pattern = new RegExp(`[${escaped}"\\r\\n]|^[ \\t\\uFEFF]|[ \\t]$`);
    needsQuotesByDelimiter.set(delimiter, pattern);
  }
  return pattern;
}
