/**
 * The incremental phase (docs/performance.md#incremental-sync): a generated export imported once, then
 * the same export with 1 % of its pairs changed (another role) and 0.5 % new. Tonight's incremental
 * ingest is held against the fewest calls that can send its changes (the base records that hold at
 * least one new or changed pair), against a plain ingest of the same file (time), against the ingest's
 * RSS target; and the state's Redis memory per pair is measured.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../src/dev/private-redis.js';
import { defaultContactRoles } from '../src/simulator/dataset.js';
import { runChild, type Cleanup } from './bench-process.js';
import type { GeneratedFile } from './generate-csv.js';
import type { IncrementalChildInput, IncrementalChildResult, SeedChildResult } from './incremental-child.js';
import type { IngestChildInput, IngestChildResult } from './ingest-child.js';
import { redisCpuMs } from './redis-stats.js';
import type { TargetRow } from './targets.js';

export interface IncrementalBench {
  rows: number;
  changedPairs: number;
  newPairs: number;
  /** Base records holding at least one new or changed pair: the fewest calls tonight can make. */
  minimumCalls: number;
  /** `redisCpuMs`: the Redis server's CPU during the ingest. */
  incremental: IncrementalChildResult & { redisCpuMs: number };
  /** A plain (not incremental) ingest of tonight's file, on a fresh Redis. */
  plain: Pick<IngestChildResult, 'elapsedMs' | 'cpuMs' | 'maxRssMb' | 'plannedCalls'> & { redisCpuMs: number };
}

const STATE_BYTES_PER_PAIR = 40;

export async function benchIncremental(cleanup: Cleanup, first: GeneratedFile, dir: string, log: (line: string) => void): Promise<IncrementalBench> {
  const tonight = await deriveTonight(first.path, `${dir}/tonight-${first.rows}.csv`);
  log(`incremental: tonight's export has ${tonight.changedPairs} changed and ${tonight.newPairs} new pairs over ${tonight.minimumCalls} base records`);
  const plain = await onFreshRedis(cleanup, 'plain ingest of tonight', async (redisUrl) => {
    const admin = new Redis(redisUrl);
    try {
      const before = await redisCpuMs(admin);
      const result = await runChild<IngestChildResult>(cleanup, './ingest-child.ts', { redisUrl, prefix: 'bench', importId: 'bench-plain-tonight', csvPath: tonight.path } satisfies IngestChildInput);
      return { ...result, redisCpuMs: (await redisCpuMs(admin)) - before };
    } finally {
      admin.disconnect();
    }
  });
  const incremental = await onFreshRedis(cleanup, 'incremental ingest', async (redisUrl) => {
    const { seedMs } = await runChild<SeedChildResult>(cleanup, './incremental-child.ts', { redisUrl, prefix: 'bench', phase: 'seed', csvPath: first.path } satisfies IncrementalChildInput);
    log(`incremental: last night's ${first.rows} rows recorded as answered, with their state, in ${seedMs} ms`);
    const admin = new Redis(redisUrl);
    try {
      const before = await redisCpuMs(admin);
      const result = await runChild<IncrementalChildResult>(cleanup, './incremental-child.ts', { redisUrl, prefix: 'bench', phase: 'measure', csvPath: tonight.path } satisfies IncrementalChildInput);
      return { ...result, redisCpuMs: (await redisCpuMs(admin)) - before };
    } finally {
      admin.disconnect();
    }
  });
  log(`incremental: ${incremental.plannedCalls} calls (minimum ${tonight.minimumCalls}) in ${incremental.elapsedMs} ms (plain ${plain.elapsedMs} ms), state ${Math.round(incremental.stateMemoryBytes / incremental.statePairs * 10) / 10} bytes/pair`);
  return {
    rows: first.rows, changedPairs: tonight.changedPairs, newPairs: tonight.newPairs, minimumCalls: tonight.minimumCalls, incremental,
    plain: { elapsedMs: plain.elapsedMs, cpuMs: plain.cpuMs, maxRssMb: plain.maxRssMb, plannedCalls: plain.plannedCalls, redisCpuMs: plain.redisCpuMs },
  };
}

export function incrementalTargets(bench: IncrementalBench, ingestRssMb: number): TargetRow[] {
  const { incremental: inc, plain } = bench;
  const rows = `${bench.rows / 1000}k rows`;
  const bytesPerPair = Math.round((inc.stateMemoryBytes / inc.statePairs) * 10) / 10;
  return [
    ratioRow(`Incremental ${rows}, 1 % changed + 0.5 % new: calls`, inc.plannedCalls, '', 'minimum possible', bench.minimumCalls, '= 1', (r) => r === 1),
    ratioRow(`Incremental ${rows}: ingest time`, inc.elapsedMs, 'ms', 'plain ingest of the same file', plain.elapsedMs, '≤ 1.3', (r) => r <= 1.3),
    ratioRow(`Incremental ${rows}: ingest CPU (node + redis)`, inc.cpuMs + inc.redisCpuMs, 'ms', 'plain ingest of the same file', plain.cpuMs + plain.redisCpuMs),
    ratioRow(`Incremental ${rows}: state's Redis memory per pair`, bytesPerPair, 'bytes', 'target', STATE_BYTES_PER_PAIR, '≤ 1', (r) => r <= 1),
    ratioRow(`Incremental ${rows}: peak RSS`, inc.maxRssMb, 'MB', 'ingest target', ingestRssMb, '≤ 1', (r) => r <= 1),
  ];
}

function ratioRow(measure: string, figure: number, unit: string, limitLabel: string, limit: number, target?: string, isMet?: (ratio: number) => boolean): TargetRow {
  const ratio = Math.round((figure / limit) * 1000) / 1000;
  return { measure, figure, unit, limitLabel, limit, ratio, target, met: isMet?.(ratio) };
}

async function onFreshRedis<T>(cleanup: Cleanup, name: string, run: (redisUrl: string) => Promise<T>): Promise<T> {
  const redis = await startPrivateRedis();
  const destroy = cleanup.add(`redis for the ${name}`, () => redis.destroy());
  try {
    return await run(redis.url);
  } finally {
    await destroy();
  }
}

/**
 * Tonight's export: last night's rows with the role of every 100th pair that is sent (the last row of
 * its pair) changed, then 0.5 % new pairs (known contacts, deals no export had) appended.
 */
async function deriveTonight(firstPath: string, path: string): Promise<{ path: string; changedPairs: number; newPairs: number; minimumCalls: number }> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(firstPath), crlfDelay: Infinity })) if (line !== '') lines.push(line);
  const lastOf = new Map<string, number>();
  const cells = lines.map((line) => line.split(','));
  cells.forEach((c, i) => {
    if (i > 0 && c.length === 4 && c[0] && c[1]) lastOf.set(`${c[0]},${c[1]}`, i);
  });
  const roles = defaultContactRoles();
  const touched = new Set<string>();
  let changedPairs = 0;
  let sent = 0;
  for (const i of [...lastOf.values()].sort((a, b) => a - b)) {
    if (sent++ % 100 !== 0) continue;
    const c = cells[i]!;
    const next = roles[(roles.findIndex((r) => r.id === c[2]) + 1) % roles.length]!;
    lines[i] = [c[0], c[1], next.id, next.name].join(',');
    touched.add(c[0]!);
    changedPairs++;
  }
  const bases = [...new Set([...lastOf.keys()].map((pair) => pair.slice(0, pair.indexOf(','))))];
  const newPairs = Math.round(lastOf.size * 0.005);
  for (let k = 0; k < newPairs; k++) {
    const base = bases[(k * 7919) % bases.length]!;
    lines.push([base, `D-9${String(k).padStart(6, '0')}`, roles[k % roles.length]!.id, roles[k % roles.length]!.name].join(','));
    touched.add(base);
  }
  await writeFile(path, `${lines.join('\n')}\n`);
  return { path, changedPairs, newPairs, minimumCalls: touched.size };
}
