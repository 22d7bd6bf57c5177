/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`), as a share of the sampled time.
 * Used by `npm run bench -- --cpu-prof` on the 1M-row ingest child; also runnable on any .cpuprofile:
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  fn: string;
  where: string;
  ms: number;
  share: number;
}

export async function summarizeProfile(path: string, top = 15): Promise<SelfTime[]> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, { fn: string; where: string; us: number }>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)?.callFrame;
    const delta = profile.timeDeltas[i] ?? 0;
    if (frame === undefined || frame.functionName === '(idle)') return;
    totalUs += delta;
    const where = frame.url === '' ? '' : whereOf(frame.url, frame.lineNumber + 1);
    const fn = frame.functionName || '(anonymous)';
    const key = `${fn} ${where}`;
    const entry = selfUs.get(key) ?? { fn, where, us: 0 };
    entry.us += delta;
    selfUs.set(key, entry);
  });
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((entry) => ({ fn: entry.fn, where: entry.where, ms: Math.round(entry.us / 1000), share: Math.round((entry.us / totalUs) * 1000) / 10 }));
}

function whereOf(url: string, line: number): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules !== -1) return `${path.slice(inModules + 'node_modules/'.length)}:${line}`;
  // Children run the tsc output in bench/.build: name the source file (its line numbers differ).
  const built = path.indexOf('/bench/.build/');
  if (built !== -1) return path.slice(built + '/bench/.build/'.length).replace(/\.js$/, '.ts');
  return `${path.startsWith('/') ? relative(process.cwd(), path) : path}:${line}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  for (const entry of await summarizeProfile(file, Number(top ?? 20))) {
    process.stdout.write(`${String(entry.share).padStart(5)}%  ${String(entry.ms).padStart(6)} ms  ${entry.fn}  ${entry.where}\n`);
  }
}
