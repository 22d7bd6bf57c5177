/** `relsync check [--profile p] [--file f]`: credentials, data centre and profile against Zoho's metadata; a file's names against the lookup tables. */
import type { Config } from '../../config/config.js';
import { loadProfile } from '../../profile/profile.js';
import { checkSetup, type CheckLine, type CheckResult, type CheckSetupDeps } from '../../usecases/check-setup.js';
import { preflight } from '../../usecases/register-import.js';
import { createSharedTokens } from '../../zoho/shared-tokens.js';
import { ExitCode, type CliIO } from '../cli-io.js';
import { commandCallGate } from '../../app/call-gates.js';
import { withCliRuntime } from '../cli-runtime.js';

export interface CheckOptions {
  /** Built-in profile name or profile JSON file (relative to the working directory). */
  profile: string;
  /** A CSV whose lookup names and prices to check (relative to the working directory). */
  file?: string;
}

const SYMBOL: Readonly<Record<CheckLine['status'], string>> = { ok: '✓', problem: '✗', note: '·' };

/**
 * One line per check: passed (✓) and notes (·) on stdout, problems (✗) on stderr, so that a script
 * reads exactly the problems from stderr. Exit 0 when nothing is wrong, 1 otherwise. A profile that
 * cannot be loaded, or a file that is missing or lacks the profile's columns, throws its UserError
 * (one line, exit 1) before any call to Zoho.
 *
 * The token is the workers' own, from Redis (an unreachable Redis is one line naming REDIS_URL, exit 1):
 * a check never mints while a valid token is stored, and mints under the workers' lock when it must.
 */
export async function runCheck(io: CliIO, config: Config, options: CheckOptions, deps: Omit<CheckSetupDeps, 'config' | 'tokens'> = {}): Promise<number> {
  const profile = await loadProfile(options.profile, { cwd: io.cwd });
  const file = options.file === undefined ? undefined : { path: await preflight(options.file, profile, config, io.cwd), name: options.file };
  const { clientId, clientSecret, refreshToken } = config.zoho;
  const result: CheckResult = clientId && clientSecret && refreshToken
    ? await withCliRuntime(config, { persistent: false }, (runtime) => checkSetup({ ...deps, config, tokens: createSharedTokens(config, runtime.redis), gate: commandCallGate(config, runtime.redis, runtime.queues) }, profile, { file }))
    : await checkSetup({ ...deps, config }, profile, { file });
  for (const line of result.lines) {
    (line.status === 'problem' ? io.stderr : io.stdout).write(`${SYMBOL[line.status]} ${line.text}\n`);
  }
  return result.ok ? ExitCode.ok : ExitCode.couldNotRun;
}
