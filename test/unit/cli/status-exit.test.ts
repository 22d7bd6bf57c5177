/** `relsync status` exits as `import --wait` would have ended, so cron can check last night's import alone. */
import { describe, expect, it } from 'vitest';
import { statusExitCode } from '../../../src/cli/commands/status-command.js';
import type { ImportRecord } from '../../../src/ledger/run-ledger.js';

const record = (fields: Partial<ImportRecord>): ImportRecord => ({
  id: 'imp-1', state: 'done', origin: 'cli', source: '/x.csv', sourceName: 'x.csv', profileName: 'contacts-deals', profileJson: '{}',
  createdAt: 0, updatedAt: 0, success: 3, error: 0, skipped: 0, calls: 1, retries: 0, rateLimited: 0, ...fields,
});

describe('statusExitCode', () => {
  it.each([
    ['done, every row right', {}, 0],
    ['done with rows in error', { error: 1 }, 2],
    ['done but stopped early (cancelled), no row in error', { stopCode: 'CANCELLED' as const, skipped: 2 }, 2],
    ['done but its report is missing', { reportError: 'cannot write the report /r.csv: no space left on the device (ENOSPC)' }, 2],
    ['failed', { state: 'failed' as const, failedReason: 'x' }, 1],
    ['still running, errors so far', { state: 'syncing' as const, error: 5 }, 0],
  ])('%s → %i', (_what, fields, code) => {
    expect(statusExitCode(record(fields))).toBe(code);
  });
});
