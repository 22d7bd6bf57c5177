/** Reports (and any CSV a test wrote) read back: as records keyed by header, or as rows of cells. */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/** A report as one record per line, keyed by the header (`_row`, `_status`, `_code`…). */
export async function readReport(path: string): Promise<Array<Record<string, string>>> {
  return parse(await readFile(path, 'utf8'), { columns: true, relax_column_count: false }) as Array<Record<string, string>>;
}

/** A report (or any CSV we wrote) as rows of cells, header first, whatever its delimiter. */
export async function readRows(path: string, delimiter = ','): Promise<string[][]> {
  return parse(await readFile(path), { delimiter, bom: true, relax_column_count: false }) as string[][];
}
