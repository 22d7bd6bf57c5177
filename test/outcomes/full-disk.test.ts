/**
 * A full disk does not fail an import whose rows were all sent: the report is retried, then the import
 * is `done` with `reportError` (exit 2 for --wait, never 1), and `relsync report` writes it once there
 * is room. A folder that cannot take files at all is refused before anything is sent. The disk is a
 * real, tiny tmpfs (root only, as in CI): the kernel answers ENOSPC.
 */
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { registrationFor } from '../../src/app/queues.js';
import { exitCodeFor } from '../../src/cli/commands/import-command.js';
import { runReport } from '../../src/cli/commands/report-command.js';
import { summaryLine } from '../../src/cli/progress.js';
import { registerImport } from '../../src/usecases/register-import.js';
import { captureIO } from '../helpers/cli-io.js';
import { startProcessHarness, type HarnessOptions, type ProcessHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { canMount, mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js';

describe.skipIf(!canMount)('a full disk at report time (tmpfs, needs root)', () => {
  const closeAfter = useCleanup();

  /** Closed after the test: the harness, then the disk mounted in its folder (unmounted first). */
  async function start(options?: HarnessOptions): Promise<{ h: ProcessHarness; disk: SmallDisk }> {
    const h = closeAfter(await startProcessHarness(options));
    const disk = await mountSmallDisk(join(h.dir, 'small'));
    closeAfter(() => disk.unmount());
    return { h, disk };
  }

  it('ends the import done with reportError and no temp file named, then relsync report writes it', async () => {
    const { h, disk } = await start({ env: { RELSYNC_REPORT_RETRY_MS: '20' } });
    const pairs = await writePairs(h.sim, h.dir, 40, 5);
    const reportPath = join(disk.path, 'nightly.report.csv');
    const { importId } = await registerImport(registrationFor(h.config, h.runtime), { file: pairs.path, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, reportPath });
    await disk.fill();
    await h.spawnWorkers(1);
    const done = await h.waitDone(importId);

    expect(done).toMatchObject({ state: 'done', rows: 200, success: 200, error: 0 });
    expect(done.reportError).toBe(`cannot write the report ${reportPath}: no space left on the device (ENOSPC)`);
    expect(exitCodeFor(done)).toBe(2);
    expect(summaryLine(done)).toContain(`report not written: cannot write the report ${reportPath}`);
    expect(h.sim.counters.entries.success).toBe(200);
    expect((await readdir(disk.path)).filter((name) => name !== '.filler')).toEqual([]);

    await disk.free();
    const io = captureIO(h.dir);
    expect(await runReport(io, h.config, importId, {})).toBe(0);
    expect(io.out().trim()).toBe(reportPath);
    expect(await h.readReport(reportPath)).toHaveLength(200);
    const after = await h.runtime.ledger.getImport(importId);
    expect(after?.reportError).toBeUndefined();
    expect(exitCodeFor(after!)).toBe(0);
  });

  it('refuses an import whose report folder cannot take a file, before anything is recorded or sent', async () => {
    const { h, disk } = await start();
    await disk.fill();
    const pairs = await writePairs(h.sim, h.dir, 2, 2);
    const attempt = registerImport(registrationFor(h.config, h.runtime), { file: pairs.path, profile: 'contacts-deals', origin: 'cli', cwd: h.dir, reportPath: join(disk.path, 'x.report.csv') });
    await expect(attempt).rejects.toMatchObject({ code: 'REPORT_NOT_WRITABLE', message: expect.stringMatching(/no space left on the device \(ENOSPC\); nothing was sent/) });
    expect(await h.runtime.ledger.listImports()).toEqual([]);
    expect(h.sim.counters.calls).toBe(0);
  });
});
