/**
 * The queue trigger (docs/contract.md#queue-trigger): another service adds an `import` job and gets the
 * summary back as the job's return value; bad payloads and paths outside IMPORT_ROOT fail the job
 * with a reason that says what is wrong.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportJobPayload } from '../../jobs/import.job.js';
import { confinedPath } from '../../src/usecases/resolve-source.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runImportJob } from '../helpers/import-jobs.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { csvText, validRows } from './trigger-helpers.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('queue trigger', () => {
  let h: Harness;
  const outsideDir = useTempDir('relsync-outside-');
  beforeEach(async () => {
    h = await startHarness({ env: { RELSYNC_MAX_INLINE_CSV_BYTES: '400' } });
  });
  afterEach(async () => {
    await h.close();
  });

  /** Add a job as another service would; its summary or its failure reason. */
  const run = (payload: unknown) => runImportJob(h, payload as ImportJobPayload);

  it('gives the summary back to a producer in a separate process (examples/enqueue-import.ts)', async () => {
    const file = join(h.dir, 'from-service.csv');
    await writeFile(file, csvText(validRows(h, 2, 2)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/enqueue-import.ts', file, 'contacts-deals'], {
      cwd: REPO,
      env: { ...process.env, REDIS_URL: h.config.redisUrl, RELSYNC_PREFIX: h.config.prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number];
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toEqual({ importId: expect.stringMatching(/^job-/), status: 'done', rows: 4, success: 4, error: 0, skipped: 0, reportPath: join(h.config.reportDir, `${summary.importId}.report.csv`) });
    expect(await h.runtime.ledger.getImport(summary.importId as string)).toMatchObject({ origin: 'queue', state: 'done', success: 4 });
    expect(h.sim.counters.calls).toBe(2);
  });

  it('imports inline CSV up to RELSYNC_MAX_INLINE_CSV_BYTES and refuses more', async () => {
    const small = csvText(validRows(h, 1, 2, 3));
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(400);
    expect((await run({ source: { csv: small }, profile: 'contacts-deals' })).summary).toMatchObject({ status: 'done', rows: 2, success: 2 });
    const big = csvText(validRows(h, 20, 2, 3));
    expect((await run({ source: { csv: big }, profile: 'contacts-deals' })).reason).toBe(`source.csv: expected at most 400 bytes (RELSYNC_MAX_INLINE_CSV_BYTES), got ${Buffer.byteLength(big)}`);
  });

  it('fails a job with an invalid payload with a reason naming each problem', async () => {
    const { reason } = await run({ source: { file: 'x.csv' }, profile: 42, force: 'yes' });
    expect(reason).toMatch(/^invalid import payload: /);
    expect(reason).toContain('source: expected { "path": "…" } or { "csv": "…" }, got an object');
    expect(reason).toContain('profile: expected a profile name or a profile object, got 42');
    expect(reason).toContain('force: expected boolean');
    const profile = await run({ source: { path: 'x.csv' }, profile: { module: 'Contacts' } });
    expect(profile.reason).toMatch(/^payload\.profile: /);
  });

  it('refuses paths outside IMPORT_ROOT: .., absolute, and through a symlink — whatever origin the payload claims', async () => {
    await writeFile(join(outsideDir.path, 'secret.csv'), csvText(validRows(h, 1)));
    await symlink(join(outsideDir.path, 'secret.csv'), join(h.dir, 'link.csv'));
    const relativeOut = join('..', ...outsideDir.path.split('/').slice(-1), 'secret.csv');
    expect((await run({ source: { path: relativeOut }, profile: 'contacts-deals' })).reason).toBe(`source.path: expected a file under IMPORT_ROOT (${h.dir}), got '${relativeOut}'`);
    expect((await run({ source: { path: join(outsideDir.path, 'secret.csv') }, profile: 'contacts-deals', origin: 'cli' })).reason).toMatch(/^source\.path: expected a file under IMPORT_ROOT/);
    expect((await run({ source: { path: 'link.csv' }, profile: 'contacts-deals' })).reason).toBe(`source.path: 'link.csv' leads outside IMPORT_ROOT (${h.dir}) through a link`);
    expect(h.sim.counters.calls).toBe(0);
  });

  it('accepts names inside IMPORT_ROOT that merely start with two dots', async () => {
    await writeFile(join(h.dir, '..odd.csv'), 'x\n');
    await expect(confinedPath('..odd.csv', h.dir)).resolves.toMatch(/\.\.odd\.csv$/);
    await expect(confinedPath('../odd.csv', h.dir)).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
  });
});
