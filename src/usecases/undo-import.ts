/**
 * Undo: a new `unlink` import of exactly the pairs an earlier import *added* (its rows answered
 * `relation added`), not of those it found already linked (`relation updated`, UNCHANGED), which stay.
 * The rows are copied from the earlier import's own input, cells unchanged, into
 * `<REPORT_DIR>/undo/<id>.undo-<time>.csv`; the two imports name each other (`undoOf`, `undoneBy`).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, UserError } from '../errors.js';
import { csvOptionsFor, storedProfile } from './import-record.js';
import { registerImport, type RegisterDeps } from './register-import.js';
import { copyRows } from './retry-import.js';

/** Zoho's answer to a pair that was not linked before (docs/zoho.md#unknown-answer-to-a-pair-that-already-exists). */
export const ADDED_MESSAGE = 'relation added';

export interface UndoStarted {
  importId: string;
  reportPath: string;
  /** Pairs the earlier import added: this one removes them. */
  added: number;
  /** Pairs it found already linked (`relation updated`): kept. */
  kept: number;
}

export async function undoImport(deps: RegisterDeps, importId: string, cwd: string): Promise<UndoStarted> {
  const record = await deps.ledger.requireImport(importId);
  if (record.state !== 'done' && record.state !== 'failed') throw new UserError(ErrorCodes.IMPORT_NOT_FINISHED, `${importId}: expected a finished import, got one that is ${record.state}`);
  const profile = storedProfile(record);
  const success = await deps.ledger.rowsWithStatus(importId, 'success');
  const outcomes = await deps.ledger.getOutcomes(importId, success);
  const added = success.filter((_, i) => outcomes[i]?.message === ADDED_MESSAGE);
  if ((profile.mode ?? 'link') === 'unlink' || added.length === 0 || record.source === '') {
    throw new UserError(ErrorCodes.NOTHING_TO_UNDO, `${importId}: no row of it answered '${ADDED_MESSAGE}'; nothing to undo`);
  }
  const dir = join(deps.config.reportDir, 'undo');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${importId}.undo-${Date.now()}.csv`);
  await copyRows(record.source, file, new Set(added), csvOptionsFor(profile, deps.config.limits));
  const registered = await registerImport(deps, {
    file, profile: { name: record.profileName, profile }, origin: 'undo', cwd, undoOf: importId, mode: 'unlink', force: true,
    sourceName: `${record.sourceName} (links added by ${importId})`,
  });
  await deps.ledger.update(importId, { undoneBy: registered.importId });
  return { importId: registered.importId, reportPath: registered.reportPath, added: added.length, kept: success.length - added.length };
}
