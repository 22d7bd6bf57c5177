/**
 * `relsync simulator` flags -> a partial SimulatorOptions. Every flag takes a value (`--port 8080` or
 * `--port=8080`); a bad or unknown flag throws a one-line UserError "--flag: expected X, got Y".
 */
import { ErrorCodes, UserError } from '../errors.js';
import { validateOptionsPatch, type SimulatorOptions } from './simulator-options.js';

type FlagKind = 'number' | 'string' | 'list' | 'nullable';

interface FlagSpec {
  option: keyof SimulatorOptions;
  kind: FlagKind;
}

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  '--host': { option: 'host', kind: 'string' },
  '--port': { option: 'port', kind: 'number' },
  '--latency-ms': { option: 'latencyMs', kind: 'number' },
  '--jitter-ms': { option: 'jitterMs', kind: 'number' },
  '--concurrency': { option: 'concurrency', kind: 'number' },
  '--credits': { option: 'credits', kind: 'number' },
  '--credit-window-ms': { option: 'creditWindowMs', kind: 'number' },
  '--credits-per-call': { option: 'creditsPerCall', kind: 'number' },
  '--credits-per-ten-entries': { option: 'creditsPerTenEntries', kind: 'number' },
  '--refresh-token': { option: 'refreshToken', kind: 'string' },
  '--client-id': { option: 'clientId', kind: 'nullable' },
  '--client-secret': { option: 'clientSecret', kind: 'nullable' },
  '--token-ttl-s': { option: 'tokenTtlS', kind: 'number' },
  '--mint-limit': { option: 'mintLimit', kind: 'number' },
  '--mint-window-ms': { option: 'mintWindowMs', kind: 'number' },
  '--max-active-tokens': { option: 'maxActiveTokens', kind: 'number' },
  '--mint-denied-language': { option: 'mintDeniedLanguage', kind: 'string' },
  '--scopes': { option: 'scopes', kind: 'list' },
  '--deny-modules': { option: 'denyModules', kind: 'list' },
  '--mixed-status': { option: 'mixedStatus', kind: 'number' },
  '--all-failed-status': { option: 'allFailedStatus', kind: 'number' },
  '--repeat-message': { option: 'repeatMessage', kind: 'string' },
  '--duplicate-in-batch': { option: 'duplicateInBatch', kind: 'string' },
  '--delink-not-linked': { option: 'delinkNotLinked', kind: 'string' },
  '--role-in-list': { option: 'roleInList', kind: 'string' },
  '--per-page-over-max': { option: 'perPageOverMax', kind: 'string' },
  '--numeric-strings': { option: 'numericStrings', kind: 'string' },
  '--fail-rate': { option: 'failRate', kind: 'number' },
  '--lost-response-rate': { option: 'lostResponseRate', kind: 'number' },
  '--reset-rate': { option: 'resetRate', kind: 'number' },
  '--seed': { option: 'seed', kind: 'number' },
  '--contacts': { option: 'contacts', kind: 'number' },
  '--deals': { option: 'deals', kind: 'number' },
  '--records-per-module': { option: 'recordsPerModule', kind: 'number' },
  '--dataset': { option: 'datasetFile', kind: 'nullable' },
};

/** The flags `parseSimulatorArgs` understands, for the CLI's help text. */
export const SIMULATOR_FLAGS: readonly string[] = Object.keys(FLAGS);

const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A string that spells a number becomes that number; anything else stays a string for the error. */
function convert(kind: FlagKind, raw: string): unknown {
  switch (kind) {
    case 'number':
      return NUMBER_PATTERN.test(raw.trim()) ? Number(raw) : raw;
    case 'list':
      return raw.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    case 'string':
    case 'nullable':
      return raw;
  }
}

function fail(flag: string, expected: string, got: string): UserError {
  return new UserError(ErrorCodes.CONFIG_INVALID, `${flag}: expected ${expected}, got ${got}`);
}

/** Splits `--flag=value` / `--flag value` pairs; throws on positionals, unknown flags, missing values. */
function readPairs(argv: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw fail(arg, 'a flag such as --port', 'a positional argument');
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!Object.hasOwn(FLAGS, flag)) throw fail(flag, `one of ${SIMULATOR_FLAGS.join(' ')}`, 'an unknown flag');
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw fail(flag, 'a value', 'nothing');
      value = next;
      i += 1;
    }
    pairs.push([flag, value]);
  }
  return pairs;
}

/** Parses `relsync simulator` flags (argv without the command itself). Later flags win. */
export function parseSimulatorArgs(argv: string[]): Partial<SimulatorOptions> {
  const patch: Record<string, unknown> = {};
  const flagOf = new Map<string, string>();
  for (const [flag, raw] of readPairs(argv)) {
    const spec = FLAGS[flag];
    if (spec === undefined) continue;
    patch[spec.option] = convert(spec.kind, raw);
    flagOf.set(spec.option, flag);
  }
  validateOptionsPatch(patch as Partial<SimulatorOptions>, (name) => flagOf.get(name) ?? name);
  return patch as Partial<SimulatorOptions>;
}
