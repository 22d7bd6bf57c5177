/**
 * The targets, each figure held against the limit it chases, and the printed table.
 * A ratio is figure / limit: ≥ 1 is good for a rate, ≤ 1 for memory.
 */
import type { IngestBench, IngestRun } from './ingest-bench.js';
import type { ReportBench } from './report-bench.js';
import type { SyncRun } from './sync-bench.js';

export interface Efficiency {
  rows: number;
  sentRows: number;
  calls: number;
  minimumCalls: number;
  rowsPerCall: number;
  callsPer1000Rows: number;
  minimumCallsPer1000Rows: number;
}

export interface TargetRow {
  measure: string;
  figure: number;
  unit: string;
  /** What the figure is measured against, e.g. "target 150000" or "ceiling C/latency 100". */
  limitLabel: string;
  limit: number;
  ratio: number;
  /** undefined: a figure shown for context, with no target of its own. */
  met?: boolean;
  target?: string;
}

const INGEST_ROWS_PER_S = 150_000;
export const INGEST_RSS_MB = 200;
const SYNC_SHARE = 0.95;
const REPORT_ROWS_PER_S = 200_000;
const REPORT_RSS_MB = 200;

export function evaluate(input: { ingest: IngestBench; report: ReportBench; sync: SyncRun[]; efficiency: Efficiency; quick: boolean }): TargetRow[] {
  const { ingest, report, sync, efficiency } = input;
  const big = ingest.runs.at(-1)!;
  const rows = `${big.rows / 1000}k rows`;
  const out: TargetRow[] = [
    row(`Ingest ${rows}: rows/s`, big.rowsPerS, 'rows/s', `target`, INGEST_ROWS_PER_S, '≥ 1', (r) => r >= 1),
    row(`Ingest ${rows}: rows/s vs its building blocks alone`, big.rowsPerS, 'rows/s', 'csv-parse + addBulk alone', ingest.ceiling.rowsPerS),
    row(`Ingest ${rows}: peak RSS`, big.maxRssMb, 'MB', 'target', INGEST_RSS_MB, '≤ 1', (r) => r <= 1),
  ];
  for (const run of sync) {
    const c = `Sync C=${run.concurrency}, ${run.latencyMs} ms/call`;
    out.push(row(`${c}: calls/s`, run.callsPerS, 'calls/s', 'ceiling C/latency', run.ceilingCallsPerS, `≥ ${SYNC_SHARE}`, (r) => r >= SYNC_SHARE));
    out.push(row(`${c}: calls/s vs the HTTP client alone`, run.callsPerS, 'calls/s', 'same simulator, no queue/Redis', run.httpBoundCallsPerS));
    out.push({ measure: `${c}: 429s`, figure: run.tooManyRequests, unit: '', limitLabel: 'target', limit: 0, ratio: run.tooManyRequests, target: '= 0', met: run.tooManyRequests === 0 });
    out.push(row(`${c}: calls in flight, mean`, run.inFlightMean, '', 'cap C', run.concurrency));
    out.push(row(`${c}: calls in flight, max`, run.inFlightMax, '', 'cap C', run.concurrency, '≤ 1', (r) => r <= 1));
  }
  const reportRows = `${report.rows / 1000}k rows`;
  out.push(row(`Report ${reportRows}: rows/s`, report.rowsPerS, 'rows/s', 'target', REPORT_ROWS_PER_S, '≥ 1', (r) => r >= 1));
  out.push(row(`Report ${reportRows}: rows/s vs csv-parse alone`, report.rowsPerS, 'rows/s', 'csv-parse alone', ingest.ceiling.parseRowsPerS));
  out.push(row(`Report ${reportRows}: peak RSS`, report.maxRssMb, 'MB', 'target', REPORT_RSS_MB, '≤ 1', (r) => r <= 1));
  out.push(row(`Calls per 1,000 rows (${efficiency.rowsPerCall} rows/call)`, efficiency.callsPer1000Rows, '', 'minimum possible', efficiency.minimumCallsPer1000Rows, '= 1', () => efficiency.calls === efficiency.minimumCalls));
  return out;
}

function row(measure: string, figure: number, unit: string, limitLabel: string, limit: number, target?: string, isMet?: (ratio: number) => boolean): TargetRow {
  const ratio = Math.round((figure / limit) * 1000) / 1000;
  return { measure, figure, unit, limitLabel, limit, ratio, target, met: isMet?.(ratio) };
}

export function formatTable(rows: TargetRow[]): string {
  const lines = [
    '| Measure | Figure | Against | Ratio | Target | Met |',
    '|---|---:|---|---:|---|---|',
    ...rows.map((r) => `| ${r.measure} | ${fmt(r.figure)} ${r.unit} | ${r.limitLabel} ${fmt(r.limit)} | ${r.ratio.toFixed(3)} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`),
  ];
  return lines.join('\n');
}

/** How time and memory grow with rows: per-row cost should stay flat; what grows is the grouper's store. */
export function formatGrowth(runs: IngestRun[]): string {
  const lines = [
    '| Ingest rows | Time | rows/s | µs/row | CPU (node / redis) | parse+group / enqueue | Calls / jobs | Peak RSS (start → peak) | Redis data after |',
    '|---:|---:|---:|---:|---|---|---:|---|---:|',
    ...runs.map((r) => `| ${fmt(r.rows)} | ${(r.elapsedMs / 1000).toFixed(2)} s | ${fmt(r.rowsPerS)} | ${((r.elapsedMs * 1000) / r.rows).toFixed(2)} | ${fmt(r.cpuMs)} / ${fmt(r.redisCpuMs)} ms | ${fmt(r.parseAndGroupMs)} / ${fmt(r.enqueueMs)} ms | ${fmt(r.plannedCalls)} / ${fmt(r.jobsInQueue)} | ${r.startRssMb} → ${r.maxRssMb} MB | ${r.redisUsedMemoryMb} MB |`),
  ];
  return lines.join('\n');
}

function fmt(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}
