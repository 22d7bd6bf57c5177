/**
 * `relsync state show [--profile P] [--json]` and `relsync state clear [--profile P]`: the incremental
 * sync state (docs/operating.md#incremental-sync), of every target or of the profile's alone.
 */
import type { Config } from '../../config/config.js';
import { SyncStateStore, type TargetSummary } from '../../ledger/sync-state.js';
import { dayOf, syncTargetOf } from '../../plan/pair-state.js';
import { resolveProfile } from '../../usecases/resolve-source.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { withCliRuntime } from '../cli-runtime.js';

const DAY_MS = 86_400_000;

export interface StateOptions { profile?: string; json?: boolean; now?: () => number }

export async function runStateShow(io: CliIO, config: Config, options: StateOptions): Promise<number> {
  const targetId = await targetIdOf(io, config, options.profile);
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const summaries = await new SyncStateStore(runtime.redis, config.prefix).describe(targetId);
    if (options.json) {
      io.stdout.write(`${JSON.stringify(summaries.map((s) => ({ ...s, oldestConfirmation: s.oldestDay === undefined ? null : isoDay(s.oldestDay) })))}\n`);
      return ExitCode.ok;
    }
    if (summaries.length === 0) io.stdout.write(`no incremental sync state${options.profile ? ` for ${options.profile}` : ''}\n`);
    const today = dayOf((options.now ?? Date.now)());
    for (const summary of summaries) io.stdout.write(`${describeTarget(summary, today)}\n`);
    return ExitCode.ok;
  });
}

export async function runStateClear(io: CliIO, config: Config, options: StateOptions): Promise<number> {
  const targetId = await targetIdOf(io, config, options.profile);
  return withCliRuntime(config, { persistent: false }, async (runtime) => {
    const removed = await new SyncStateStore(runtime.redis, config.prefix).clear(targetId);
    io.stdout.write(`cleared the incremental sync state${options.profile ? ` of ${options.profile}` : ''}: ${removed} pair(s) forgotten; the next incremental import sends every pair\n`);
    return ExitCode.ok;
  });
}

async function targetIdOf(io: CliIO, config: Config, profile: string | undefined): Promise<string | undefined> {
  if (profile === undefined) return undefined;
  return syncTargetOf(config.zoho, (await resolveProfile(profile, io.cwd)).profile).id;
}

/**
 * target 3f9a0c12  Contacts / Deals  (External_Contact_ID, Deals.External_Deal_ID)  https://www.zohoapis.com
 *   pairs held: 1000000   memory: 27.9 MB (29 bytes per pair)   oldest confirmation: 2026-11-23 (7 days ago)
 */
function describeTarget(summary: TargetSummary, today: number): string {
  const { target, pairs, memoryBytes, oldestDay } = summary;
  const perPair = pairs > 0 ? ` (${Math.round(memoryBytes / pairs)} bytes per pair)` : '';
  const oldest = oldestDay === undefined ? 'none' : `${isoDay(oldestDay)} (${today - oldestDay} day(s) ago)`;
  return [
    `target ${target.id}  ${target.module} / ${target.relatedList}  (${target.baseField}, ${target.relatedModule}.${target.relatedField})  ${target.apiDomain}`,
    `  pairs held: ${pairs}   memory: ${(memoryBytes / 1e6).toFixed(1)} MB${perPair}   oldest confirmation: ${oldest}`,
  ].join('\n');
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
