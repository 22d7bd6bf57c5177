/**
 * The README's first command: `relsync demo` on a machine with no Redis configured provides its own,
 * runs the whole pipeline against the simulator to a report, and leaves nothing running.
 */
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRelsync } from '../helpers/relsync-process.js';
import { useTempDir } from '../helpers/temp-dir.js';

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('relsync demo', () => {
  const tmp = useTempDir('relsync-demo-test-');

  it('runs the pipeline to a report against the simulator and stops everything it started', async () => {
    const dir = tmp.path;
    const demo = startRelsync(['demo', '--rows', '300'], {}, dir);
    expect(await demo.exited).toBe(0);
    const stderr = demo.stderr();
    expect(stderr).toMatch(/done: 306 rows: 301 success, 4 error, 1 skipped; \d+ Zoho calls/);
    const files = await readdir(join(dir, 'relsync-demo'));
    const report = files.find((f) => f.endsWith('.report.csv'))!;
    expect(report).toMatch(/^imp-.*\.report\.csv$/);
    const lines = (await readFile(join(dir, 'relsync-demo', report), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(307);
    const port = Number(/private redis-server on redis:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    const simPort = Number(/Zoho CRM simulator on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
    expect(await isListening(port)).toBe(false);
    expect(await isListening(simPort)).toBe(false);
  });
});
