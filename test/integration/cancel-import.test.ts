/**
 * cancelImport on a real Redis, its queue stood in for: when it removes the job of a queued import it
 * must end the import itself, and when it cannot (finalize fails) put the job back for a worker.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { RunLedger } from '../../src/ledger/run-ledger.js';
import { BUILTIN_PROFILES } from '../../src/profile/profile.js';
import { cancelImport, type CancelDeps } from '../../src/usecases/cancel-import.js';
import { testPrefix, useRedis } from '../helpers/redis.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('cancelImport', () => {
  const tmp = useTempDir('relsync-cancel-');
  const redis = useRedis();

  async function queuedImport(id: string): Promise<{ ledger: RunLedger; config: CancelDeps['config'] }> {
    const ledger = new RunLedger(redis.client(), testPrefix());
    const source = join(tmp.path, `${id}.csv`);
    await writeFile(source, 'contact_ext_id,deal_ext_id,contact_role\nC-1,D-1,\nC-2,D-2,\n');
    await ledger.createImport({ id, origin: 'cli', source, sourceName: 'in.csv', profileName: 'contacts-deals', profileJson: JSON.stringify(BUILTIN_PROFILES['contacts-deals']), reportPath: join(tmp.path, `${id}.report.csv`) });
    return { ledger, config: loadConfig({ REPORT_DIR: tmp.path }) };
  }

  it('ends a queued import whose job it removed: every row CANCELLED, the report written', async () => {
    const { ledger, config } = await queuedImport('imp-q');
    let putBack = 0;
    const result = await cancelImport({ ledger, config, log: pino({ level: 'silent' }), removeQueuedJob: async () => ({ putBack: async () => void (putBack += 1) }) }, 'imp-q');
    expect(result).toMatchObject({ kind: 'ended', record: { state: 'done', rows: 2, skipped: 2, stopCode: 'CANCELLED' } });
    expect(putBack).toBe(0);
  });

  it('puts the job back when it cannot end the import itself, so a worker does', async () => {
    const { ledger, config } = await queuedImport('imp-p');
    // Finalize fails once it has begun (Redis gone mid-way, say).
    const failing = new Proxy(ledger, {
      get(target, name) {
        if (name === 'setState') return async () => { throw new Error('connection lost'); };
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let putBack = 0;
    await expect(cancelImport({ ledger: failing, config, log: pino({ level: 'silent' }), removeQueuedJob: async () => ({ putBack: async () => void (putBack += 1) }) }, 'imp-p')).rejects.toThrow('connection lost');
    expect(putBack).toBe(1);
    expect(await ledger.stopOf('imp-p')).toMatchObject({ code: 'CANCELLED' });
  });

  it('leaves to the worker an import whose job a worker holds', async () => {
    const { ledger, config } = await queuedImport('imp-w');
    const result = await cancelImport({ ledger, config, log: pino({ level: 'silent' }), removeQueuedJob: async () => undefined }, 'imp-w');
    expect(result).toMatchObject({ kind: 'stopping', stop: { code: 'CANCELLED' }, record: { state: 'queued' } });
    expect(await ledger.getImport('imp-w')).toMatchObject({ state: 'queued', stopCode: 'CANCELLED' });
  });
});
