/**
 * Waiting never hangs (docs/contract.md#commands): `import --wait` and `relsync wait` as real
 * processes, with no worker at all, with --timeout, and stopped with Ctrl-C. Each ends with one line
 * that says the import goes on and how to follow it again; the import is left as it was.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../helpers/cleanup.js';
import { eventually } from '../helpers/eventually.js';
import { startHarness, startProcessHarness } from '../helpers/harness.js';
import { writePairs } from '../helpers/pairs.js';
import { startRelsync, type RelsyncProcess } from '../helpers/relsync-process.js';

interface Run { code: number | string; stdout: string; stderr: string }

async function finished(run: RelsyncProcess): Promise<Run> {
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!;

describe('waiting for an import', () => {
  const closeAfter = useCleanup();

  it('import --wait with no worker serving the prefix says so in one line within seconds and exits 1; the import stays queued', async () => {
    const s = closeAfter(await startProcessHarness()); // Redis and the simulator, no worker process
    const file = await writePairs(s.sim, s.dir, 3, 1);
    const run = await finished(startRelsync(['import', file.path, '--wait'], { ...s.env, LOG_LEVEL: 'warn' }));
    const importId = run.stdout.trim();
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(`relsync: no worker serves RELSYNC_PREFIX=${s.config.prefix}: ${importId} waits (queued, 0/? rows) and goes on when one starts ('relsync worker'); follow it with 'relsync wait ${importId}'`);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('relsync:'))).toHaveLength(1);
    expect(await s.runtime.ledger.getImport(importId)).toMatchObject({ state: 'queued' });

    // --timeout shorter than the grace for a restarting worker: the timeout speaks first.
    const timed = await finished(startRelsync(['wait', importId, '--timeout', '1'], { ...s.env, LOG_LEVEL: 'warn' }));
    expect(timed).toMatchObject({ code: 1, stdout: '' });
    expect(lastLine(timed.stderr)).toBe(`relsync: stopped waiting after 1 s (--timeout): ${importId} goes on (queued, 0/? rows); follow it with 'relsync wait ${importId}'`);

    const waited = await finished(startRelsync(['wait', importId], { ...s.env, LOG_LEVEL: 'warn' }));
    expect(waited.code).toBe(1);
    expect(lastLine(waited.stderr)).toMatch(/^relsync: no worker serves RELSYNC_PREFIX=/);

    // A worker comes: the import goes on, and wait follows it to its end.
    await s.spawnWorkers(1);
    const done = await finished(startRelsync(['wait', importId], { ...s.env, LOG_LEVEL: 'warn' }));
    expect(done.code).toBe(0);
    expect(done.stderr).toContain(`${importId} done: 3 rows: 3 success, 0 error, 0 skipped; 3 Zoho calls`);
  });

  it('--timeout ends a wait on a slow import with exit 1 while the import goes on; Ctrl-C says how to re-attach and exits 130', async () => {
    // A credit budget of 4 calls a day: the imports make 4 of their 80 calls and then wait for credits
    // (trying again every 0.5 s, without a call), so they are still running whenever a wait attaches,
    // however slow the machine.
    const s = closeAfter(await startHarness({ env: { ZOHO_CONCURRENCY: '1', ZOHO_DAILY_CREDITS: '4', RELSYNC_PAUSE_PROBE_MS: '500' } }));
    const file = await writePairs(s.sim, s.dir, 40, 1);
    const importId = await s.importFile(file.path);

    const timed = await finished(startRelsync(['import', file.path, '--wait', '--timeout', '1.5', '--force'], { ...s.env, LOG_LEVEL: 'warn' }));
    const second = timed.stdout.trim();
    expect(timed.code, timed.stderr).toBe(1);
    expect(lastLine(timed.stderr)).toMatch(new RegExp(`^relsync: stopped waiting after 1\\.5 s \\(--timeout\\): ${second} goes on \\((queued|ingesting|syncing), [\\d,]+/[\\d,?]+ rows\\); follow it with 'relsync wait ${second}'$`));

    const waiting = startRelsync(['wait', importId], { ...s.env, LOG_LEVEL: 'warn' });
    await eventually('the first progress line', () => waiting.stderr().includes(`${importId} `));
    waiting.kill('SIGINT');
    const interrupted = await finished(waiting);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(lastLine(interrupted.stderr)).toMatch(new RegExp(`^stopped waiting: ${importId} goes on \\(\\w+, [\\d,]+/[\\d,?]+ rows\\); follow it with 'relsync wait ${importId}', or stop it with 'relsync cancel ${importId}'$`));

    // Neither wait touched the imports: both still run, waiting for credits, until they are cancelled.
    for (const id of [importId, second]) expect(await s.runtime.ledger.getImport(id)).toMatchObject({ state: 'syncing' });
    expect(s.sim.counters.byMethod.PUT).toBe(4);
    for (const id of [importId, second]) {
      const cancel = await finished(startRelsync(['cancel', id], { ...s.env, LOG_LEVEL: 'warn' }));
      expect(cancel.code, cancel.stderr).toBe(0);
    }
    const ends = await Promise.all([importId, second].map((id) => s.waitDone(id)));
    expect(ends.map((record) => [record.state, record.success + record.skipped])).toEqual([['done', 40], ['done', 40]]);
    expect(ends.reduce((sum, record) => sum + record.success, 0)).toBe(4);
  });

  it('import --wait of an import the guard stops ends with one line saying why first, the report, and exit 2', async () => {
    const s = closeAfter(await startHarness({ env: { ZOHO_CONCURRENCY: '1' } }));
    const profile = join(s.dir, 'wrong.json');
    await writeFile(profile, JSON.stringify({ module: 'Contacts', relatedList: 'Dealz', base: { column: 'contact_ext_id', externalField: 'External_Contact_ID' }, related: { column: 'deal_ext_id', externalField: 'External_Deal_ID', module: 'Deals' } }));
    const file = await writePairs(s.sim, s.dir, 20, 1);
    const run = await finished(startRelsync(['import', file.path, '--profile', profile, '--wait'], { ...s.env, LOG_LEVEL: 'warn' }));
    const importId = run.stdout.trim();
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.at(-2)).toBe(`${importId} aborted: stopped after 3 calls in a row were answered INVALID_DATA (The relation name given seems to be invalid): every call of this import would get it; check the profile's module, related list and external fields with 'relsync check' — 20 rows: 0 success, 3 error, 17 skipped; 3 Zoho calls`);
    expect(lines.at(-1)).toBe(`report: ${join(s.dir, 'reports', `${importId}.report.csv`)}`);
    const status = startRelsync(['status', importId, '--json'], { ...s.env, LOG_LEVEL: 'warn' });
    await status.exited;
    expect(JSON.parse(status.stdout())).toMatchObject({ state: 'done', stopped: { code: 'ABORTED', reason: expect.stringMatching(/^stopped after 3 calls/) } });
  });
});
