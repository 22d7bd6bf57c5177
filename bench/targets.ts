/**
 * The targets, each figure held against the limit it chases, and the printed table.
 * A ratio is figure / limit: ≥ 1 is good for a rate, ≤ 1 for memory.
 */
import type { IngestBench, IngestRun } from './ingest-bench.js';
import type { ReportBench } from './report-bench.js';
import type { EndToEndRun } from './end-to-end-bench.js';
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
  /** Instead of a figure: why there is none ("not run (--big)", "not built"). */
  note?: string;
}

// First round (issue 11): kept as context.
const INGEST_ROWS_PER_S = 150_000;
const SYNC_SHARE = 0.95;
const REPORT_ROWS_PER_S = 200_000;
const REPORT_RSS_MB = 200;
// Second round (issue 19): each a same-run ratio.
const REPORT_VS_PARSE = 1.0;
const INGEST_VS_BLOCKS = 0.85;
export const INGEST_RSS_MB = 200;
const QUEUED_BYTES_PER_ROW = 40;
const FINISHED_BYTES_PER_ROW = 24;
const BIG_INGEST_RSS_MB = 600;
const BIG_REDIS_PEAK_MB = 500;
const END_TO_END_SHARE = 0.95;
const SYNC_VS_HTTP = 0.99;

export interface BigRun {
  rows: number;
  ingestMaxRssMb: number;
  redisPeakMb: number;
  reportRowsPerS: number;
  parseRowsPerS: number;
}

export interface EvaluateInput {
  ingest: IngestBench;
  report: ReportBench;
  sync: SyncRun[];
  efficiency: Efficiency;
  endToEnd: EndToEndRun;
  /** Undefined unless `--big` ran. */
  big?: BigRun;
  quick: boolean;
}

export function evaluate(input: EvaluateInput): TargetRow[] {
  const { ingest, report, sync, efficiency, endToEnd, big } = input;
  const run = ingest.runs.at(-1)!;
  const rows = `${run.rows / 1000}k rows`;
  const reportRows = `${report.rows / 1000}k rows`;
  const out: TargetRow[] = [
    row(`Report ${reportRows}: rows/s vs csv-parse alone`, report.rowsPerS, 'rows/s', 'csv-parse alone, same file', ingest.ceiling.parseRowsPerS, `≥ ${REPORT_VS_PARSE}`, (r) => r >= REPORT_VS_PARSE),
    row(`Ingest ${rows}: rows/s vs its building blocks alone`, run.rowsPerS, 'rows/s', 'csv-parse + addBulk alone', ingest.ceiling.rowsPerS, `≥ ${INGEST_VS_BLOCKS}`, (r) => r >= INGEST_VS_BLOCKS),
    row(`Ingest ${rows}: peak RSS`, run.maxRssMb, 'MB', 'target', INGEST_RSS_MB, '≤ 1', (r) => r <= 1),
    row(`Redis while ${rows} wait to sync: bytes per queued row (INFO used_memory)`, run.redisBytesPerQueuedRow, 'B', 'target', QUEUED_BYTES_PER_ROW, '≤ 1', (r) => r <= 1),
    row(`Redis after ${reportRows} finished: bytes per row retained (MEMORY USAGE of the ledger)`, report.ledgerBytesPerRow, 'B', 'target', FINISHED_BYTES_PER_ROW, '≤ 1', (r) => r <= 1),
  ];
  if (big) {
    const bigRows = `${big.rows / 1_000_000}M rows`;
    out.push(row(`--big ${bigRows}: ingest peak RSS`, big.ingestMaxRssMb, 'MB', 'target', BIG_INGEST_RSS_MB, '≤ 1', (r) => r <= 1));
    out.push(row(`--big ${bigRows}: Redis peak (used_memory_peak)`, big.redisPeakMb, 'MB', 'target', BIG_REDIS_PEAK_MB, '≤ 1', (r) => r <= 1));
    out.push(row(`--big ${bigRows}: report rows/s vs csv-parse alone`, big.reportRowsPerS, 'rows/s', 'csv-parse alone, same file', big.parseRowsPerS, `≥ ${REPORT_VS_PARSE}`, (r) => r >= REPORT_VS_PARSE));
  } else {
    for (const measure of ['ingest peak RSS ≤ 600 MB', 'Redis peak ≤ 500 MB', 'report ≥ 1.0 × csv-parse']) {
      out.push({ measure: `--big 10M rows: ${measure}`, figure: Number.NaN, unit: '', limitLabel: '', limit: Number.NaN, ratio: Number.NaN, note: 'not run (--big)' });
    }
  }
  out.push(...endToEndTargets(endToEnd), ...syncTargets(sync));
  out.push({ measure: 'Optional: --optimize credits (Composite API), credits per 1,000 rows vs plain', figure: Number.NaN, unit: '', limitLabel: '', limit: Number.NaN, ratio: Number.NaN, note: 'not built' });
  // Context: the first round's targets, and what the ratios above are made of.
  out.push(row(`(round 1) Ingest ${rows}: rows/s`, run.rowsPerS, 'rows/s', 'target', INGEST_ROWS_PER_S, '≥ 1', (r) => r >= 1));
  out.push(row(`(round 1) Report ${reportRows}: rows/s`, report.rowsPerS, 'rows/s', 'target', REPORT_ROWS_PER_S, '≥ 1', (r) => r >= 1));
  out.push(row(`(round 1) Report ${reportRows}: peak RSS`, report.maxRssMb, 'MB', 'target', REPORT_RSS_MB, '≤ 1', (r) => r <= 1));
  for (const s of sync) {
    const c = `(round 1) Sync C=${s.concurrency}, ${s.latencyMs} ms/call`;
    out.push(row(`${c}: calls/s`, s.callsPerS, 'calls/s', 'ceiling C/latency', s.ceilingCallsPerS, `≥ ${SYNC_SHARE}`, (r) => r >= SYNC_SHARE));
    out.push(row(`${c}: calls in flight, mean`, s.inFlightMean, '', 'cap C', s.concurrency));
  }
  out.push(row(`(round 1) Calls per 1,000 rows (${efficiency.rowsPerCall} rows/call)`, efficiency.callsPer1000Rows, '', 'minimum possible', efficiency.minimumCallsPer1000Rows, '= 1', () => efficiency.calls === efficiency.minimumCalls));
  return out;
}

/** The end-to-end target: its time against the least any import of the file can take. */
export function endToEndTargets(endToEnd: EndToEndRun): TargetRow[] {
  return [row(
    `End to end, ${endToEnd.rows} single-pair calls at C=${endToEnd.concurrency}, ${endToEnd.latencyMs} ms: import start to exit, report written`,
    endToEnd.elapsedMs, 'ms', 'ceiling rows × latency / C', endToEnd.ceilingMs, `≥ ${END_TO_END_SHARE}`, (r) => r >= END_TO_END_SHARE, true,
  )];
}

/** The sync targets of each run: calls/s against the bare HTTP client, in flight at most C, no 429. */
export function syncTargets(sync: SyncRun[]): TargetRow[] {
  const out: TargetRow[] = [];
  for (const s of sync) {
    const c = `Sync C=${s.concurrency}, ${s.latencyMs} ms/call`;
    out.push(row(`${c}: calls/s vs the HTTP client alone`, s.callsPerS, 'calls/s', 'same simulator, no queue/Redis', s.httpBoundCallsPerS, `≥ ${SYNC_VS_HTTP}`, (r) => r >= SYNC_VS_HTTP));
    out.push(row(`${c}: calls in flight, max`, s.inFlightMax, '', 'cap C', s.concurrency, '= 1', (r) => r === 1));
    out.push({ measure: `${c}: 429s`, figure: s.tooManyRequests, unit: '', limitLabel: 'target', limit: 0, ratio: s.tooManyRequests, target: '= 0', met: s.tooManyRequests === 0 });
  }
  return out;
}

/** `inverse`: the ratio is limit / figure (a time against the least it can take). */
function row(measure: string, figure: number, unit: string, limitLabel: string, limit: number, target?: string, isMet?: (ratio: number) => boolean, inverse = false): TargetRow {
  const ratio = Math.round((inverse ? limit / figure : figure / limit) * 1000) / 1000;
  return { measure, figure, unit, limitLabel, limit, ratio, target, met: isMet?.(ratio) };
}

export function formatTable(rows: TargetRow[]): string {
  const lines = [
    '| Measure | Figure | Against | Ratio | Target | Met |',
    '|---|---:|---|---:|---|---|',
    ...rows.map((r) => (r.note !== undefined
      ? `| ${r.measure} | | | | | ${r.note} |`
      : `| ${r.measure} | ${fmt(r.figure)} ${r.unit} | ${r.limitLabel} ${fmt(r.limit)} | ${r.ratio.toFixed(3)} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`)),
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
