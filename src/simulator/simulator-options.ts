/**
 * Every knob of the simulator, with its unit, default and the Zoho fact behind it (docs/zoho.md, cited
 * by section). Defaults model a Standard-edition org.
 */
import { ErrorCodes, UserError } from '../errors.js';

export type MixedStatus = 207 | 200;
export type AllFailedStatus = 400 | 200;
/** 'DUPLICATE_DATA': a repeated pair is refused with a per-entry error and left unchanged. */
export type RepeatMessage = 'relation updated' | 'relation added' | 'DUPLICATE_DATA';
export type DuplicateInBatch = 'last-wins' | 'error';
export type DelinkNotLinked = 'relation not found' | 'relation removed';
export type RoleInList = 'number' | 'string';
export type PerPageOverMax = 'error' | 'cap';
export type NumericStrings = 'reject' | 'accept';
export type MintDeniedLanguage = 'en' | 'zh';

export interface SimulatorOptions {
  /** Interface to listen on. Default '127.0.0.1': the simulator has no security and must stay local. */
  host: string;
  /** TCP port; default 0 = a free port chosen by the OS (read it back from `RunningSimulator.port`). */
  port: number;
  /** Time each call (CRM and OAuth) takes before it is answered, in ms. Default 150, a realistic
   *  round trip; a CRM call holds its concurrency slot for this long. Tests use 0. */
  latencyMs: number;
  /** Uniform ± spread added to `latencyMs`, in ms (never below 0). Default 50. */
  jitterMs: number;
  /** Most CRM calls in progress at once; the next one gets 429 TOO_MANY_REQUESTS. Default 10 (Standard,
   *  docs/zoho.md#concurrency). */
  concurrency: number;
  /** API credits per rolling window. Default 50_000 (Standard base allowance, docs/zoho.md#credits). */
  credits: number;
  /** Length of the rolling credit window, in ms. Default 86_400_000 (24 h, docs/zoho.md#credits). */
  creditWindowMs: number;
  /** Credits charged per authenticated CRM call. Default 1 ("all other APIs = 1", docs/zoho.md#credits). */
  creditsPerCall: number;
  /** Extra credits per started block of 10 entries in a PUT, for the pessimistic reading of
   *  docs/zoho.md#unknown-credit-cost-of-a-call ("1 per 10 records"). Default 0. */
  creditsPerTenEntries: number;
  /** The one refresh token the accounts server accepts. Default 'simulator-refresh-token'
   *  (docs/contract.md#simulator-defaults). */
  refreshToken: string;
  /** When set, the only client_id accepted (else `invalid_client`). Default null: any. */
  clientId: string | null;
  /** When set, the only client_secret accepted (else `invalid_client_secret`). Default null: any. */
  clientSecret: string | null;
  /** Access-token lifetime, in seconds (fractions allowed, for tests). Default 3600 (docs/zoho.md#access-tokens). */
  tokenTtlS: number;
  /** Most tokens minted per refresh token per `mintWindowMs`; the next mint is denied. Default 10
   *  (docs/zoho.md#access-tokens). */
  mintLimit: number;
  /** Rolling window of `mintLimit`, in ms. Default 600_000 (10 min, docs/zoho.md#access-tokens). */
  mintWindowMs: number;
  /** Most live access tokens per refresh token; a new mint invalidates the oldest. Default 15 (the CRM
   *  page's figure; docs/zoho.md#unknown-live-tokens-per-refresh-token). */
  maxActiveTokens: number;
  /** Language of the HTTP 400 answer to a mint over `mintLimit`: Zoho translates both its `error` and
   *  its `error_description` (docs/zoho.md#errors-from-the-accounts-server). Default 'en' ("Access
   *  Denied"); 'zh' answers as recorded from a Chinese-language account ("拒绝访问"). */
  mintDeniedLanguage: MintDeniedLanguage;
  /** Scopes granted to minted tokens (space-joined in the token reply). Default
   *  ['ZohoCRM.modules.ALL', 'ZohoCRM.settings.ALL']: modules for the PUT, settings for the metadata calls. */
  scopes: string[];
  /** Modules whose calls answer 403 NO_PERMISSION (a user lacking the profile permission). Default []. */
  denyModules: string[];
  /** HTTP status of a PUT whose entries partly fail. Default 207
   *  (docs/zoho.md#unknown-status-of-a-partly-failed-call). */
  mixedStatus: MixedStatus;
  /** HTTP status of a PUT whose entries all fail. Default 400
   *  (docs/zoho.md#unknown-status-of-a-partly-failed-call). */
  allFailedStatus: AllFailedStatus;
  /** Answer for an entry whose pair already exists. Default 'relation updated'
   *  (docs/zoho.md#unknown-answer-to-a-pair-that-already-exists; the Contact Roles API's wording), so a
   *  client that insists on 'relation added' fails here;
   *  'DUPLICATE_DATA' models the third plausible answer: a per-entry error, nothing changed. */
  repeatMessage: RepeatMessage;
  /** The same related record twice in one `data`: 'last-wins' (each answered, applied in order) or
   *  'error' (later copies get DUPLICATE_DATA). Default 'last-wins'
   *  (docs/zoho.md#unknown-the-same-pair-twice-in-one-call). */
  duplicateInBatch: DuplicateInBatch;
  /** Answer for a DELETE of a related record that exists but is not linked to the base record
   *  (unknown: the delink pages document only unknown ids). Default 'relation not found': a per-entry
   *  INVALID_DATA `{ id }`, the answer Zoho's own OpenAPI examples show, so a client cannot take a delink
   *  of nothing for a success; 'relation removed' models an idempotent delete (SUCCESS, nothing changed). */
  delinkNotLinked: DelinkNotLinked;
  /** How `Contact_Role` is written in a GET of related records (list form). Default 'number': the docs'
   *  sample shows a bare JSON number with all its digits (above 2^53, so a client must not read it as a
   *  double); 'string' as the single-record sample shows it. The single-record form is always a string. */
  roleInList: RoleInList;
  /** A GET with `per_page` over 200 (docs: "the default and the maximum possible value is 200"; what a
   *  larger value gets is unknown). Default 'error': 400 INVALID_DATA naming `per_page`; 'cap': 200. */
  perPageOverMax: PerPageOverMax;
  /** A numeric string (`"12.5"`) sent as `list_price` (unknown whether Zoho converts it). Default
   *  'reject': INVALID_DATA, expected `double`, as for any other non-number; 'accept': read as a number. */
  numericStrings: NumericStrings;
  /** Probability (0..1) that a CRM call is answered 500/502/503 without being applied. Default 0. */
  failRate: number;
  /** Probability (0..1) that a CRM call is applied and then answered 502 or its socket destroyed. Default 0. */
  lostResponseRate: number;
  /** Probability (0..1) that a CRM call's connection is destroyed before it is applied. Default 0. */
  resetRate: number;
  /** Seed of the dataset, the jitter and the random faults. Default 42. */
  seed: number;
  /** Generated contacts (beside the page's samples and the odd ids). Default 1000. */
  contacts: number;
  /** Generated deals (beside the page's samples and the odd ids). Default 1000. */
  deals: number;
  /** Generated records of each other module (Campaigns, Leads, Products, Price_Books, Accounts,
   *  Appointments__s, Services__s). Default 300. */
  recordsPerModule: number;
  /** A dataset JSON file (shape of `GET /__sim/dataset`) used instead of generating one. Default null. */
  datasetFile: string | null;
  /** Clock for token expiry and the mint and credit windows, in epoch ms. Default Date.now; tests inject one. */
  now: () => number;
}

export const DEFAULT_SIMULATOR_OPTIONS: Readonly<SimulatorOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  latencyMs: 150,
  jitterMs: 50,
  concurrency: 10,
  credits: 50_000,
  creditWindowMs: 86_400_000,
  creditsPerCall: 1,
  creditsPerTenEntries: 0,
  refreshToken: 'simulator-refresh-token',
  clientId: null,
  clientSecret: null,
  tokenTtlS: 3600,
  mintLimit: 10,
  mintWindowMs: 600_000,
  maxActiveTokens: 15,
  mintDeniedLanguage: 'en',
  scopes: ['ZohoCRM.modules.ALL', 'ZohoCRM.settings.ALL'],
  denyModules: [],
  mixedStatus: 207,
  allFailedStatus: 400,
  repeatMessage: 'relation updated',
  duplicateInBatch: 'last-wins',
  delinkNotLinked: 'relation not found',
  roleInList: 'number',
  perPageOverMax: 'error',
  numericStrings: 'reject',
  failRate: 0,
  lostResponseRate: 0,
  resetRate: 0,
  seed: 42,
  contacts: 1000,
  deals: 1000,
  recordsPerModule: 300,
  datasetFile: null,
  now: Date.now,
});

/** Options fixed at start (they shape the server or the dataset); `setOptions` refuses them. */
export const START_ONLY_OPTIONS: readonly (keyof SimulatorOptions)[] = ['host', 'port', 'seed', 'contacts', 'deals', 'recordsPerModule', 'datasetFile'];

/** Returns what a valid value looks like, or null when `value` is valid. */
type Rule = (value: unknown) => string | null;

const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isNum = (v: unknown, min: number, max = Number.MAX_VALUE): boolean =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const isText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

const int = (min: number, max: number, what: string): Rule => (v) => (isInt(v, min, max) ? null : what);
const num = (min: number, what: string): Rule => (v) => (isNum(v, min) ? null : what);
const rate: Rule = (v) => (isNum(v, 0, 1) ? null : 'a probability 0-1');
const text: Rule = (v) => (isText(v) ? null : 'a non-empty string');
const textOrNull: Rule = (v) => (v === null || isText(v) ? null : 'a non-empty string or null');
const textList: Rule = (v) => (Array.isArray(v) && v.every(isText) ? null : 'a list of non-empty strings');
const oneOf = (...allowed: unknown[]): Rule => (v) => (allowed.includes(v) ? null : `one of ${allowed.join(', ')}`);

const RULES: { [K in keyof SimulatorOptions]: Rule } = {
  host: text,
  port: int(0, 65_535, 'an integer 0-65535'),
  latencyMs: num(0, 'a number of ms >= 0'),
  jitterMs: num(0, 'a number of ms >= 0'),
  concurrency: int(1, 10_000, 'an integer 1-10000'),
  credits: int(0, Number.MAX_SAFE_INTEGER, 'an integer >= 0'),
  creditWindowMs: num(1, 'a number of ms >= 1'),
  creditsPerCall: int(0, 1_000_000, 'an integer >= 0'),
  creditsPerTenEntries: int(0, 1_000_000, 'an integer >= 0'),
  refreshToken: text,
  clientId: textOrNull,
  clientSecret: textOrNull,
  tokenTtlS: (v) => (isNum(v, 0) && v !== 0 ? null : 'a number of seconds > 0'),
  mintLimit: int(1, 1_000_000, 'an integer >= 1'),
  mintWindowMs: num(1, 'a number of ms >= 1'),
  maxActiveTokens: int(1, 1_000_000, 'an integer >= 1'),
  mintDeniedLanguage: oneOf('en', 'zh'),
  scopes: textList,
  denyModules: textList,
  mixedStatus: oneOf(207, 200),
  allFailedStatus: oneOf(400, 200),
  repeatMessage: oneOf('relation updated', 'relation added', 'DUPLICATE_DATA'),
  duplicateInBatch: oneOf('last-wins', 'error'),
  delinkNotLinked: oneOf('relation not found', 'relation removed'),
  roleInList: oneOf('number', 'string'),
  perPageOverMax: oneOf('error', 'cap'),
  numericStrings: oneOf('reject', 'accept'),
  failRate: rate,
  lostResponseRate: rate,
  resetRate: rate,
  seed: int(0, 0xffff_ffff, 'an integer 0-4294967295'),
  contacts: int(0, 5_000_000, 'an integer 0-5000000'),
  deals: int(0, 5_000_000, 'an integer 0-5000000'),
  recordsPerModule: int(0, 1_000_000, 'an integer 0-1000000'),
  datasetFile: textOrNull,
  now: (v) => (typeof v === 'function' ? null : 'a function returning epoch ms'),
};

export function isOptionName(name: string): name is keyof SimulatorOptions {
  return Object.hasOwn(RULES, name);
}

/** How a bad value reads in "expected X, got Y". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  return JSON.stringify(value) ?? String(value);
}

function invalid(label: string, expected: string, got: string): UserError {
  return new UserError(ErrorCodes.CONFIG_INVALID, `${label}: expected ${expected}, got ${got}`);
}

/**
 * Checks a partial set of options; throws a one-line UserError "label: expected X, got Y" on the first
 * bad one. `labelOf` maps an option name to how the caller named it (a CLI flag, say).
 */
export function validateOptionsPatch(
  patch: Partial<SimulatorOptions>,
  labelOf: (name: string) => string = (name) => name,
): void {
  for (const [name, value] of Object.entries(patch)) {
    if (!isOptionName(name)) throw invalid(labelOf(name), 'a simulator option', 'an unknown option');
    if (value === undefined) continue;
    const expected = RULES[name](value);
    if (expected !== null) throw invalid(labelOf(name), expected, describeValue(value));
  }
}

/** Fills in defaults and validates, including that the three fault rates add up to at most 1. */
export function resolveOptions(patch: Partial<SimulatorOptions> = {}, base: SimulatorOptions = DEFAULT_SIMULATOR_OPTIONS): SimulatorOptions {
  validateOptionsPatch(patch);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  const options: SimulatorOptions = { ...base, ...defined };
  const faultTotal = options.failRate + options.lostResponseRate + options.resetRate;
  if (faultTotal > 1) throw invalid('failRate + lostResponseRate + resetRate', 'a total of at most 1', String(faultTotal));
  return options;
}
