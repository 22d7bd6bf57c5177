/**
 * Where a report may go (src/usecases/report-target.ts checkReportPlace): never onto its input, never
 * into WATCH_DIR (it would be imported); a dry run's report goes to REPORT_DIR. Refusals are one line,
 * exit 1, before anything is recorded.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startProcessHarness, useHarnessForAll } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { startRelsync } from '../helpers/relsync-process.js';

describe('where a report goes', () => {
  const harness = useHarnessForAll(() => startProcessHarness());

  async function relsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
    const s = harness();
    const run = startRelsync(args, { ...s.env, LOG_LEVEL: 'warn', ...env }, s.dir);
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  }

  it('refuses --report onto the input, or a report whose errors file would be the input, before recording anything', async () => {
    const s = harness();
    const file = await writePairs(s.sim, s.dir, 2, 1, 'pairs.csv');
    const before = await readFile(file.path, 'utf8');
    const same = await relsync(['import', 'pairs.csv', '--report', file.path, '--wait']);
    expect(same).toEqual({ code: 1, stdout: '', stderr: `relsync: --report: expected a path other than the input, got '${file.path}' (the report would overwrite ${file.path})\n` });

    const fedBack = await writePairs(s.sim, s.dir, 2, 1, 'last.errors.csv');
    const companion = await relsync(['import', fedBack.path, '--report', 'last.report.csv']);
    expect(companion).toEqual({ code: 1, stdout: '', stderr: `relsync: --report: expected a path other than the input, got '${join(s.dir, 'last.report.csv')}' (its companion ${fedBack.path} would overwrite ${fedBack.path})\n` });

    const dry = await relsync(['import', 'pairs.csv', '--dry-run', '--report', 'pairs.csv']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/^relsync: --report: expected a path other than the input, got '.*pairs\.csv' \(the report would overwrite .*pairs\.csv\)\n$/);

    expect(await readFile(file.path, 'utf8')).toBe(before);
    expect(await s.runtime.ledger.listImports(10)).toEqual([]);
  });

  it('writes a dry run to REPORT_DIR, never beside the input, and never into WATCH_DIR', async () => {
    const s = harness();
    const inbox = join(s.dir, 'inbox');
    await mkdir(inbox);
    await writePairs(s.sim, inbox, 3, 1, 'nightly.csv');
    const run = await relsync(['import', join(inbox, 'nightly.csv'), '--dry-run'], { WATCH_DIR: inbox });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`report: ${join(s.dir, 'reports', 'nightly.dry-run.csv')}\n`);
    expect(await readdir(inbox)).toEqual(['nightly.csv']);
    expect((await s.readReport(join(s.dir, 'reports', 'nightly.dry-run.csv'))).map((l) => l._code)).toEqual(['DRY_RUN', 'DRY_RUN', 'DRY_RUN']);

    const intoInbox = await relsync(['import', join(inbox, 'nightly.csv'), '--dry-run', '--report', join(inbox, 'plan.csv')], { WATCH_DIR: inbox });
    expect(intoInbox).toEqual({ code: 1, stdout: '', stderr: `relsync: --report: expected a path outside WATCH_DIR (${inbox}), got '${join(inbox, 'plan.csv')}' (a CSV there is imported by the watched folder)\n` });
    const reportDirIsInbox = await relsync(['import', join(inbox, 'nightly.csv')], { WATCH_DIR: inbox, REPORT_DIR: inbox });
    expect(reportDirIsInbox.code).toBe(1);
    expect(reportDirIsInbox.stderr).toMatch(/^relsync: REPORT_DIR: expected a path outside WATCH_DIR \(.*inbox\), got '.*inbox\/imp-[^']+\.report\.csv' \(a CSV there is imported by the watched folder\)\n$/);
    expect(await readdir(inbox)).toEqual(['nightly.csv']);
    expect(await s.runtime.ledger.listImports(10)).toEqual([]);
  });
});
