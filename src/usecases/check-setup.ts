/**
 * `relsync check`: is this configuration and profile ready to import? Gets the access token the way
 * workers do — the one they share through Redis, minted under their lock only when none is valid —
 * then reads Zoho's metadata (docs/zoho.md#metadata) to verify, for the profile:
 *   the module exists (`GET /crm/{v}/settings/fields?module=X`: 200 with fields, else INVALID_MODULE),
 *   the related list exists on it (`GET /crm/{v}/settings/related_lists?module=X`, by `api_name`) and
 *   holds records of `related.module`, `related.module` exists, and each side's `externalField` is a
 *   field of its module that the metadata marks External (or, where it says nothing about External,
 *   unique).
 *
 * Then the relation (check-relation.ts): that the list is one this API can write (not made by a lookup
 * field, which the metadata marks with `connectedlookupApiName`), that each relation field
 * (`fields`, e.g. Contact_Role) is one of the list's fields, and that each lookup's table can be read;
 * with a file, that every name in its lookup columns resolves and every price is one.
 *
 * Every problem is ONE line that names what to change. Costs: at most four metadata calls and one per
 * lookup (1 API credit each), and a token mint only when no valid token is stored (one more if Zoho
 * refuses the stored one). Nothing here prints a secret: lines are built from our
 * own words, API names and Zoho codes, never from the credentials.
 */
import { Agent, type Dispatcher } from 'undici';
import type { Config } from '../config/config.js';
import { ErrorCodes, RelsyncError } from '../errors.js';
import type { CallGate } from '../zoho/call-gate.js';
import { DATA_CENTRES } from '../config/data-centres.js';
import type { Profile } from '../profile/profile.js';
import { getContactRoles, getModuleFields, getRelatedLists, probeRelatedWrite, type MetadataAnswer, type MetadataRequest, type ZohoField, type ZohoRelatedList } from '../zoho/metadata-client.js';
import { AccountsError, type AccessToken, type TokenProvider } from '../zoho/oauth-client.js';
import { csvOptionsFor } from './import-record.js';
import { note, ok, problem, type CheckLine } from './check-lines.js';
import { entryFieldLines, fileValueLines, lookupTables, writableLine } from './check-relation.js';
import type { LookupReader } from './lookup-tables.js';

export type { CheckLine, CheckStatus } from './check-lines.js';

export interface CheckResult {
  /** No line is a problem. */
  ok: boolean;
  lines: CheckLine[];
}

export interface CheckSetupDeps {
  config: Config;
  /**
   * The access token the workers share (zoho/shared-tokens.ts). Asked only when the three credentials
   * are set; without them the check lists what is missing and calls nobody.
   */
  tokens?: TokenProvider;
  /** For the API. Default: an Agent opened for this check and closed after it. */
  dispatcher?: Dispatcher;
  /** Per HTTP exchange, in ms. Default 15 000: a check should answer promptly or say it could not. */
  timeoutMs?: number;
  /** Clock, epoch ms (to tell a token minted by this check from one already shared). Default Date.now. */
  now?: () => number;
  /**
   * A credit of our budget and a slot of the org-wide cap for every read (zoho/call-gate.ts), as the
   * workers' calls take: a check run during an import does not push Zoho over its limit. A spent budget
   * is a problem line, not a wait.
   */
  gate?: CallGate;
}

export interface CheckSetupOptions {
  /** A CSV to check the lookup and typed columns of (`--file`): its path, and its name as the user gave it. */
  file?: { path: string; name: string };
}

const SELF_CLIENT = 'see README: Self Client';
const CHECK_SCOPES = 'ZohoCRM.modules.ALL,ZohoCRM.settings.fields.READ,ZohoCRM.settings.related_lists.READ';

interface Context {
  profile: Profile;
  /** "profile contacts-deals" */
  label: string;
  lines: CheckLine[];
  /** Set when no later check can say anything useful (API unreachable, token rejected, 429). */
  stopped: boolean;
  api: MetadataRequest;
  gate?: CallGate;
  file?: CheckSetupOptions['file'];
  config: Config;
  /** Each module's fields are read once (a lookup's picklist may be on a module already read). */
  fieldReads: Map<string, Promise<MetadataAnswer<ZohoField[]>>>;
  /**
   * When the token came from Redis rather than from this check: drop it and get a fresh one, for a
   * stored token the API refuses (expired or revoked since). Used once, then cleared.
   */
  renewToken?: () => Promise<AccessToken | undefined>;
}

/** Runs every check it can; never throws for what it finds (that is what the lines are for). */
export async function checkSetup(deps: CheckSetupDeps, profile: Profile, options: CheckSetupOptions = {}): Promise<CheckResult> {
  const { config } = deps;
  const timeoutMs = deps.timeoutMs ?? 15_000;
  const ownDispatcher = deps.dispatcher ? undefined : new Agent();
  const dispatcher = deps.dispatcher ?? (ownDispatcher as Agent);
  const lines: CheckLine[] = [];
  const now = deps.now ?? Date.now;
  try {
    const startedAtMs = now();
    const token = await getToken(deps, lines);
    if (token !== undefined) {
      const api = { apiDomain: apiDomainOf(config, token), apiVersion: config.zoho.apiVersion, accessToken: token.accessToken, dispatcher, timeoutMs };
      const ctx: Context = { profile, label: `profile ${profile.name ?? '(unnamed)'}`, lines, stopped: false, api, file: options.file, config, fieldReads: new Map(), gate: deps.gate };
      if (!mintedSince(token, startedAtMs)) ctx.renewToken = () => renewToken(deps, token, lines);
      await checkProfile(ctx);
    }
  } finally {
    await ownDispatcher?.close();
  }
  return { ok: lines.every((line) => line.status !== 'problem'), lines: dedupe(lines) };
}

// ── Token ─────────────────────────────────────────────────────────────────────────────────────────────

/** Where the token comes from, as a user would name it in their configuration. */
function accountsTarget(config: Config): string {
  return config.zoho.accountsUrl ? `accounts server ${config.zoho.accountsUrl}` : `data centre '${config.zoho.dc}'`;
}

const accountsUrlOf = (config: Config): string => config.zoho.accountsUrl ?? DATA_CENTRES[config.zoho.dc].accountsUrl;

/** Minted at or after `sinceMs`: by this check (or by a worker while it ran), not found in Redis. */
function mintedSince(token: AccessToken, sinceMs: number): boolean {
  return token.mintedAtMs !== undefined && token.mintedAtMs >= sinceMs;
}

async function getToken(deps: CheckSetupDeps, lines: CheckLine[]): Promise<AccessToken | undefined> {
  const { config } = deps;
  const { clientId, clientSecret, refreshToken } = config.zoho;
  const target = accountsTarget(config);
  if (!clientId) lines.push(problem(`ZOHO_CLIENT_ID: not set — create a Self Client in the Zoho API console for ${target} and copy its client id (${SELF_CLIENT})`));
  if (!clientSecret) lines.push(problem(`ZOHO_CLIENT_SECRET: not set — copy the Self Client's client secret from the Zoho API console (${SELF_CLIENT})`));
  if (!refreshToken) lines.push(problem(`ZOHO_REFRESH_TOKEN: not set — generate a refresh token for ${target} (${SELF_CLIENT})`));
  if (!clientId || !clientSecret || !refreshToken || !deps.tokens) return undefined;
  const startedAtMs = (deps.now ?? Date.now)();
  try {
    const token = await deps.tokens.getToken();
    const domain = `API domain ${apiDomainOf(config, token)}${config.zoho.apiDomain ? ' (ZOHO_API_DOMAIN)' : ''}`;
    lines.push(ok(mintedSince(token, startedAtMs)
      ? `ZOHO_REFRESH_TOKEN: ${accountsUrlOf(config)} issued an access token; ${domain}`
      : `ZOHO_REFRESH_TOKEN: using the access token the workers share (issued by ${accountsUrlOf(config)}); ${domain}`));
    return token;
  } catch (error) {
    lines.push(problem(tokenProblem(config, error)));
    return undefined;
  }
}

/** The stored token was refused: drop it (only if still current) and get one fresh token. */
async function renewToken(deps: CheckSetupDeps, refused: AccessToken, lines: CheckLine[]): Promise<AccessToken | undefined> {
  try {
    await deps.tokens!.invalidate(refused.accessToken);
    return await deps.tokens!.getToken();
  } catch (error) {
    lines.push(problem(tokenProblem(deps.config, error)));
    return undefined;
  }
}

function tokenProblem(config: Config, error: unknown): string {
  const target = accountsTarget(config);
  if (error instanceof AccountsError && error.throttled) {
    return 'ZOHO_REFRESH_TOKEN: the accounts server throttles token requests (Zoho allows 10 per 10 minutes) — wait 10–30 minutes, then run relsync check again';
  }
  const zohoError = error instanceof AccountsError ? error.zohoError : undefined;
  switch (zohoError) {
    case 'invalid_code':
      return `ZOHO_REFRESH_TOKEN: the accounts server answered invalid_code — generate a new refresh token for ${target} (${SELF_CLIENT})`;
    case 'invalid_client':
      return `ZOHO_CLIENT_ID: the accounts server answered invalid_client — use the client id of a Self Client made for ${target}, or set ZOHO_DC to the data centre where it was made (${SELF_CLIENT})`;
    case 'invalid_client_secret':
      return `ZOHO_CLIENT_SECRET: the accounts server answered invalid_client_secret — copy the client secret again from the Self Client in the Zoho API console (${SELF_CLIENT})`;
    case undefined: {
      const variable = config.zoho.accountsUrl ? 'ZOHO_ACCOUNTS_URL' : 'ZOHO_DC';
      const why = error instanceof Error ? error.message : String(error);
      return `${variable}: no token from ${target}: ${why} — check the network and ${variable}`;
    }
    default:
      return `ZOHO_REFRESH_TOKEN: the accounts server answered ${zohoError} — generate a new refresh token for ${target} (${SELF_CLIENT})`;
  }
}

/**
 * ZOHO_API_DOMAIN, else the token reply's api_domain (docs/contract.md#environment); the data centre's
 * when Zoho sent none.
 */
function apiDomainOf(config: Config, token: AccessToken): string {
  return config.zoho.apiDomain ?? (token.apiDomain || DATA_CENTRES[config.zoho.dc].apiDomain);
}

// ── Profile ───────────────────────────────────────────────────────────────────────────────────────────

async function checkProfile(ctx: Context): Promise<void> {
  const { profile } = ctx;
  const baseFields = await moduleFields(ctx, 'module', profile.module);
  if (ctx.stopped) return;
  const list = baseFields === undefined ? 'unchecked' : await checkRelatedList(ctx);
  if (ctx.stopped) return;
  if (baseFields !== undefined) checkExternalField(ctx, 'base', profile.module, profile.base.externalField, baseFields);
  // A related.module left to default is the related list's name: when that list is missing, the
  // module check would only repeat the same mistake in other words.
  const relatedDefaulted = profile.related.module === profile.relatedList;
  if (list !== 'missing' || !relatedDefaulted) {
    const relatedFields = await moduleFields(ctx, 'related.module', profile.related.module);
    if (ctx.stopped) return;
    if (relatedFields !== undefined) checkExternalField(ctx, 'related', profile.related.module, profile.related.externalField, relatedFields);
  }
  if (typeof list === 'object') await checkWriteScope(ctx);
  if (ctx.stopped) return;
  if (typeof list === 'object') ctx.lines.push(...entryFieldLines(ctx.label, profile, list));
  else for (const name of Object.keys(profile.fields)) ctx.lines.push(note(`${ctx.label}: fields.${name} not checked: the related list could not be read`));
  const tables = await lookupTables(ctx.label, profile, lookupReader(ctx), ctx.lines);
  if (ctx.file) ctx.lines.push(...(await fileValueLines(ctx.file, profile, tables, csvOptionsFor(profile, ctx.config.limits))));
}

/**
 * May the token write this related list? Reading metadata needs only settings scopes, so a Self Client
 * made without the modules' write scope passes every read and fails every call of an import.
 */
async function checkWriteScope(ctx: Context): Promise<void> {
  const { profile } = ctx;
  const answer = await readOnce(ctx, (api) => probeRelatedWrite(api, profile.module, profile.relatedList));
  const where = `related list ${profile.relatedList} on ${profile.module}`;
  if (answer.ok) return void ctx.lines.push(ok(`${ctx.label}: the token may write ${where}`));
  switch (answer.code) {
    case 'OAUTH_SCOPE_MISMATCH':
      return void ctx.lines.push(problem(`ZOHO_REFRESH_TOKEN: its scopes do not allow writing ${where} (OAUTH_SCOPE_MISMATCH) — make a refresh token with ZohoCRM.modules.ALL or ZohoCRM.modules.${profile.module}.WRITE (${SELF_CLIENT})`));
    case 'NO_PERMISSION':
    case 'AUTHORIZATION_FAILED':
      return void ctx.lines.push(problem(`${ctx.label}: the Zoho user of ZOHO_REFRESH_TOKEN may not update ${where} (${answer.code}) — give that user's Zoho profile edit access to ${profile.module}`));
    case 'INVALID_TOKEN':
    case 'AUTHENTICATION_FAILURE':
    case ErrorCodes.CREDIT_BUDGET:
    case 'TOO_MANY_REQUESTS':
      return apiProblem(ctx, answer, profile.module, 'related_lists');
    default:
      // Refused for the empty body or the record id no record has: the scope and permission held.
      if (answer.httpStatus >= 400 && answer.httpStatus < 500) return void ctx.lines.push(ok(`${ctx.label}: the token may write ${where} (a write of no entries was refused as empty; nothing changed)`));
      ctx.lines.push(note(`${ctx.label}: could not learn whether the token may write ${where}: HTTP ${answer.httpStatus} ${answer.code}`));
  }
}

/** The lookups' reads with this check's token; a module's fields already read are not read again. */
function lookupReader(ctx: Context): LookupReader {
  return { apiVersion: ctx.api.apiVersion, contactRoles: () => readOnce(ctx, (api) => getContactRoles(api)), moduleFields: (module) => readFields(ctx, module) };
}

function readFields(ctx: Context, module: string): Promise<MetadataAnswer<ZohoField[]>> {
  let read = ctx.fieldReads.get(module);
  if (read === undefined) ctx.fieldReads.set(module, (read = readOnce(ctx, (api) => getModuleFields(api, module))));
  return read;
}

async function moduleFields(ctx: Context, key: 'module' | 'related.module', module: string): Promise<ZohoField[] | undefined> {
  const answer = await readFields(ctx, module);
  if (answer.ok) {
    ctx.lines.push(ok(`${ctx.label}: ${key} ${module} exists (${answer.value.length} fields)`));
    return answer.value;
  }
  if (answer.code === 'INVALID_MODULE') {
    ctx.lines.push(problem(`${ctx.label}: ${key} '${module}' is not a module of this org (Zoho answered INVALID_MODULE) — set "${key}" to the module's API name (Setup → Developer Hub → APIs and SDKs → API names), e.g. Contacts`));
  } else {
    apiProblem(ctx, answer, module, 'fields');
  }
  return undefined;
}

/** The related list when it exists (whether or not related.module matches it). */
async function checkRelatedList(ctx: Context): Promise<ZohoRelatedList | 'missing' | 'unchecked'> {
  const { profile, label } = ctx;
  const answer = await readOnce(ctx, (api) => getRelatedLists(api, profile.module));
  if (!answer.ok) {
    apiProblem(ctx, answer, profile.module, 'related_lists');
    return 'unchecked';
  }
  const list = answer.value.find((candidate) => candidate.api_name === profile.relatedList);
  if (list === undefined) {
    ctx.lines.push(problem(`${label}: related list '${profile.relatedList}' not found on ${profile.module}; available: ${listNames(answer.value)} — set "relatedList" to one of these API names`));
    return 'missing';
  }
  const holds = list.module?.api_name;
  const unwritable = writableLine(label, profile, list);
  if (unwritable !== undefined) {
    ctx.lines.push(unwritable);
  } else if (holds && holds !== profile.related.module) {
    ctx.lines.push(problem(`${label}: related list ${list.api_name} on ${profile.module} holds ${holds} records, but related.module is '${profile.related.module}' — set "related.module" to ${holds} (or leave it out)`));
  } else {
    ctx.lines.push(ok(`${label}: related list ${list.api_name} exists on ${profile.module}${holds ? ` and holds ${holds} records` : ''}`));
  }
  return list;
}

function listNames(lists: readonly ZohoRelatedList[]): string {
  const MAX_SHOWN = 12;
  if (lists.length === 0) return 'none';
  const names = lists.slice(0, MAX_SHOWN).map((list) => list.api_name).join(', ');
  return lists.length > MAX_SHOWN ? `${names}, … (${lists.length - MAX_SHOWN} more)` : names;
}

type Marking = 'external' | 'not-external' | 'unknown';

/** Zoho marks External fields with an `external` object (null otherwise); older metadata only says `unique`. */
function marking(field: ZohoField): Marking {
  if ('external' in field) return field.external ? 'external' : 'not-external';
  if ('unique' in field) return field.unique ? 'unknown' : 'not-external';
  return 'unknown';
}

function checkExternalField(ctx: Context, side: 'base' | 'related', module: string, name: string | undefined, fields: readonly ZohoField[]): void {
  const key = `${side}.externalField`;
  if (name === undefined) {
    ctx.lines.push(note(`${ctx.label}: no ${key}: column '${ctx.profile[side].column}' must hold ${module} record ids`));
    return;
  }
  const externals = fields.filter((field) => marking(field) === 'external').map((field) => field.api_name);
  const hint = externals.length > 0 ? `External fields of ${module}: ${externals.join(', ')}` : `${module} has no field marked External: create one (Setup → Modules and Fields)`;
  const field = fields.find((candidate) => candidate.api_name === name);
  if (field === undefined) {
    ctx.lines.push(problem(`${ctx.label}: ${key} '${name}' is not a field of ${module} — set "${key}" to the field's API name; ${hint}`));
  } else if (marking(field) === 'not-external') {
    ctx.lines.push(problem(`${ctx.label}: ${key} '${name}' is a field of ${module} but not marked External — tick "External field" on it in Setup → Modules and Fields, or use another; ${hint}`));
  } else {
    const what = marking(field) === 'external' ? 'an External field' : 'a field (the metadata does not say whether it is External)';
    ctx.lines.push(ok(`${ctx.label}: ${key} ${name} is ${what} of ${module}`));
  }
}

/**
 * One metadata read. A stored token the API refuses (INVALID_TOKEN) is renewed once and the read sent
 * again; a token this check minted that is refused is left to apiProblem: the API domain is wrong.
 */
async function readOnce<T>(ctx: Context, unGated: (api: MetadataRequest) => Promise<MetadataAnswer<T>>): Promise<MetadataAnswer<T>> {
  const send = (api: MetadataRequest) => gated(ctx.gate, () => unGated(api));
  const answer = await send(ctx.api);
  const renew = ctx.renewToken;
  if (answer.ok || answer.code !== 'INVALID_TOKEN' || renew === undefined) return answer;
  ctx.renewToken = undefined;
  const fresh = await renew();
  if (fresh === undefined) {
    ctx.stopped = true;
    return answer;
  }
  ctx.api = { ...ctx.api, accessToken: fresh.accessToken, apiDomain: apiDomainOf(ctx.config, fresh) };
  return send(ctx.api);
}

/** One read through the gate; our spent budget is an answer (CREDIT_BUDGET: the check stops, one line), not a wait. */
async function gated<T>(gate: CallGate | undefined, read: () => Promise<MetadataAnswer<T>>): Promise<MetadataAnswer<T>> {
  if (!gate) return read();
  try {
    return await gate.call(read, { waitForCredit: false });
  } catch (error) {
    if (error instanceof RelsyncError && error.code === ErrorCodes.CREDIT_BUDGET) return { ok: false, httpStatus: 429, code: ErrorCodes.CREDIT_BUDGET, message: error.message };
    throw error;
  }
}

// ── Zoho API answers ──────────────────────────────────────────────────────────────────────────────────

/** A failed metadata read other than INVALID_MODULE → one line; stops the check when nothing else can work. */
function apiProblem(ctx: Context, answer: Extract<MetadataAnswer<unknown>, { ok: false }>, module: string, resource: 'fields' | 'related_lists'): void {
  if (ctx.stopped) return; // a line already says why (a stored token was refused and no new one could be had)
  const origin = ctx.api.apiDomain;
  const fatal = (text: string): void => {
    ctx.lines.push(problem(text));
    ctx.stopped = true;
  };
  if (answer.httpStatus === 0) return fatal(`ZOHO_API_DOMAIN: could not reach the Zoho API at ${origin}: ${answer.message} — check the network, ZOHO_DC and ZOHO_API_DOMAIN`);
  switch (answer.code) {
    case 'INVALID_TOKEN':
    case 'AUTHENTICATION_FAILURE':
      return fatal(`ZOHO_API_DOMAIN: the Zoho API at ${origin} rejected a token just issued (${answer.code}) — the API domain must be in the same data centre as the accounts server: check ZOHO_DC, ZOHO_ACCOUNTS_URL and ZOHO_API_DOMAIN`);
    case ErrorCodes.CREDIT_BUDGET:
      return fatal(`ZOHO_DAILY_CREDITS: ${answer.message} — run relsync check again then, or raise ZOHO_DAILY_CREDITS`);
    case 'TOO_MANY_REQUESTS':
      return fatal(`Zoho API: the org's API limit is reached (TOO_MANY_REQUESTS) — wait until credits or concurrency free up, then run relsync check again`);
    case 'OAUTH_SCOPE_MISMATCH':
      ctx.lines.push(problem(`ZOHO_REFRESH_TOKEN: its scopes do not allow reading Zoho's metadata (OAUTH_SCOPE_MISMATCH) — relsync check needs a refresh token made with the scopes ${CHECK_SCOPES} (${SELF_CLIENT})`));
      return;
    case 'NO_PERMISSION':
      ctx.lines.push(problem(`${ctx.label}: the Zoho user of ZOHO_REFRESH_TOKEN may not read ${module} (NO_PERMISSION) — give that user's Zoho profile access to ${module}, or use a refresh token of a user who has it`));
      return;
    default:
      ctx.lines.push(problem(`${ctx.label}: reading the ${resource} of ${module} failed: HTTP ${answer.httpStatus} ${answer.code}: ${answer.message} — fix what Zoho names, then run relsync check again`));
  }
}


/** The same scope problem is found by every metadata read; say it once. */
function dedupe(lines: readonly CheckLine[]): CheckLine[] {
  const seen = new Set<string>();
  return lines.filter((line) => !seen.has(line.text) && seen.add(line.text));
}
