/**
 * `relsync simulator` flags -> a partial SimulatorOptions. Every flag takes a value (`--port 8080` or
 * `--port=8080`); a bad or unknown flag throws a one-line UserError "--flag: expected X, got Y".
 */
import { ErrorCodes, UserError } from '../errors.js';
import { DEFAULT_SIMULATOR_OPTIONS, validateOptionsPatch, type SimulatorOptions } from './simulator-options.js';

type FlagKind = 'number' | 'string' | 'list' | 'nullable';

interface FlagSpec {
  flag: string;
  kind: FlagKind;
  /** How the value reads in the help: `--port N`. */
  value: string;
  /** One line for the help; the default is appended from DEFAULT_SIMULATOR_OPTIONS. */
  help: string;
}

/**
 * Every option's flag, in the order the help lists them: the one table the parser and `--help` both
 * read, so the help cannot drift from what is parsed. Keyed by option, so an option added to
 * SimulatorOptions without a flag here fails to compile (`now`, a clock for tests, has none).
 */
const FLAG_TABLE: { readonly [K in Exclude<keyof SimulatorOptions, 'now'>]: FlagSpec } = {
  host: { flag: '--host', kind: 'string', value: 'ADDRESS', help: 'interface to listen on; keep it local: the simulator has no security' },
  port: { flag: '--port', kind: 'number', value: 'N', help: 'TCP port; 0 = any free port' },
  latencyMs: { flag: '--latency-ms', kind: 'number', value: 'MS', help: 'time each call takes before it is answered' },
  jitterMs: { flag: '--jitter-ms', kind: 'number', value: 'MS', help: 'uniform ± spread added to --latency-ms' },
  concurrency: { flag: '--concurrency', kind: 'number', value: 'N', help: 'most CRM calls in progress at once; the next one gets 429' },
  credits: { flag: '--credits', kind: 'number', value: 'N', help: 'API credits per rolling window' },
  creditWindowMs: { flag: '--credit-window-ms', kind: 'number', value: 'MS', help: 'length of the rolling credit window' },
  creditsPerCall: { flag: '--credits-per-call', kind: 'number', value: 'N', help: 'credits charged per CRM call' },
  creditsPerTenEntries: { flag: '--credits-per-ten-entries', kind: 'number', value: 'N', help: 'extra credits per started block of 10 entries in a PUT' },
  refreshToken: { flag: '--refresh-token', kind: 'string', value: 'TOKEN', help: 'the one refresh token the accounts server accepts' },
  clientId: { flag: '--client-id', kind: 'nullable', value: 'ID', help: 'the only client_id accepted; none = any' },
  clientSecret: { flag: '--client-secret', kind: 'nullable', value: 'SECRET', help: 'the only client_secret accepted; none = any' },
  tokenTtlS: { flag: '--token-ttl-s', kind: 'number', value: 'S', help: 'access-token lifetime, in seconds' },
  mintLimit: { flag: '--mint-limit', kind: 'number', value: 'N', help: 'most tokens minted per refresh token per --mint-window-ms' },
  mintWindowMs: { flag: '--mint-window-ms', kind: 'number', value: 'MS', help: 'rolling window of --mint-limit' },
  maxActiveTokens: { flag: '--max-active-tokens', kind: 'number', value: 'N', help: 'most live access tokens per refresh token; a new one invalidates the oldest' },
  mintDeniedLanguage: { flag: '--mint-denied-language', kind: 'string', value: 'en|zh', help: 'language of the accounts server\'s throttle answer (Zoho localises it)' },
  scopes: { flag: '--scopes', kind: 'list', value: 'LIST', help: 'scopes granted to minted tokens, comma-separated' },
  denyModules: { flag: '--deny-modules', kind: 'list', value: 'LIST', help: 'modules whose calls answer 403 NO_PERMISSION, comma-separated' },
  mixedStatus: { flag: '--mixed-status', kind: 'number', value: '207|200', help: 'HTTP status of a PUT whose entries partly fail' },
  delinkNotLinked: { flag: '--delink-not-linked', kind: 'string', value: "'relation not found'|'relation removed'", help: 'answer to a DELETE of a record that is not linked' },
  roleInList: { flag: '--role-in-list', kind: 'string', value: 'number|string', help: 'Contact_Role in a GET of related records (Zoho\'s sample: a bare number)' },
  perPageOverMax: { flag: '--per-page-over-max', kind: 'string', value: 'error|cap', help: 'a GET of related records with per_page over 200' },
  numericStrings: { flag: '--numeric-strings', kind: 'string', value: 'reject|accept', help: 'list_price sent as a numeric string' },
  allFailedStatus: { flag: '--all-failed-status', kind: 'number', value: '400|200', help: 'HTTP status of a PUT whose entries all fail' },
  repeatMessage: { flag: '--repeat-message', kind: 'string', value: 'TEXT', help: "answer for a pair already linked: 'relation updated', 'relation added' or DUPLICATE_DATA" },
  duplicateInBatch: { flag: '--duplicate-in-batch', kind: 'string', value: 'MODE', help: 'the same related record twice in one call: last-wins or error' },
  failRate: { flag: '--fail-rate', kind: 'number', value: 'P', help: 'share of calls answered 500/502/503 before applying, 0-1' },
  lostResponseRate: { flag: '--lost-response-rate', kind: 'number', value: 'P', help: 'share of calls applied, then answered 502 or reset, 0-1' },
  resetRate: { flag: '--reset-rate', kind: 'number', value: 'P', help: 'share of calls whose connection is reset before applying, 0-1' },
  seed: { flag: '--seed', kind: 'number', value: 'N', help: 'seed of the generated data set, the jitter and the random faults' },
  contacts: { flag: '--contacts', kind: 'number', value: 'N', help: 'generated contacts (beside the API page\'s samples)' },
  deals: { flag: '--deals', kind: 'number', value: 'N', help: 'generated deals (beside the API page\'s samples)' },
  recordsPerModule: { flag: '--records-per-module', kind: 'number', value: 'N', help: 'generated records of each module beyond Contacts and Deals' },
  datasetFile: { flag: '--dataset', kind: 'nullable', value: 'FILE', help: 'a data set JSON file (shape of GET /__sim/dataset) instead of generating one' },
};

type FlaggedOption = keyof typeof FLAG_TABLE;

const FLAGS: ReadonlyMap<string, { option: FlaggedOption } & FlagSpec> = new Map(
  (Object.entries(FLAG_TABLE) as Array<[FlaggedOption, FlagSpec]>).map(([option, spec]) => [spec.flag, { option, ...spec }]),
);

/** The flags `parseSimulatorArgs` understands, in the help's order. */
export const SIMULATOR_FLAGS: readonly string[] = [...FLAGS.keys()];

/**
 * `relsync simulator --help`, one line per flag of the table with its default: DEFAULT_SIMULATOR_OPTIONS
 * overridden by `defaults` (the command's own, e.g. port 8080).
 */
export function simulatorHelp(defaults: Partial<SimulatorOptions> = {}): string {
  const shown = { ...DEFAULT_SIMULATOR_OPTIONS, ...defaults };
  const usages = [...FLAGS.values()].map((spec) => `${spec.flag} ${spec.value}`);
  const width = Math.max(...usages.map((usage) => usage.length)) + 2;
  const lines = [...FLAGS.values()].map((spec, i) => `  ${(usages[i] as string).padEnd(width)}${spec.help} (default ${formatDefault(shown[spec.option])})`);
  return [
    'Usage: relsync simulator [flags]',
    '',
    'The local Zoho CRM stand-in. Every flag takes a value: --port 8080 or --port=8080.',
    '',
    ...lines,
    '',
  ].join('\n');
}

function formatDefault(value: unknown): string {
  if (value === null) return 'none';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(',');
  return typeof value === 'string' && value.includes(' ') ? `'${value}'` : String(value);
}

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
    if (!FLAGS.has(flag)) throw fail(flag, `one of ${SIMULATOR_FLAGS.join(' ')}`, 'an unknown flag');
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
    const spec = FLAGS.get(flag);
    if (spec === undefined) continue;
    patch[spec.option] = convert(spec.kind, raw);
    flagOf.set(spec.option, flag);
  }
  validateOptionsPatch(patch as Partial<SimulatorOptions>, (name) => flagOf.get(name) ?? name);
  return patch as Partial<SimulatorOptions>;
}
