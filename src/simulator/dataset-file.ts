/**
 * A dataset read from a JSON file (`--dataset file.json`), in the shape `GET /__sim/dataset` returns.
 * Checked fully before the server starts: record ids must be digit strings, ids and each external
 * field's values unique per module, initial associations and links must point at known records and
 * carry values their relation accepts. Only `contacts` and `deals` are required; other modules default
 * to none.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../errors.js';
import { defaultContactRoles } from './dataset.js';
import type { Link, ModuleRecord, SimulatorDataset } from './dataset-types.js';
import { MODULES, moduleSpec } from './modules.js';
import { RELATIONS, relationSpec, type RelationId } from './relations.js';

const recordId = z.string().regex(/^\d{1,19}$/, 'expected a record id of 1-19 digits');
const externalValue = z.string().min(1);
const moduleRecords = z.array(z.object({ id: recordId }).catchall(z.string())).optional();
const relationIds = RELATIONS.map((relation) => relation.id) as [RelationId, ...RelationId[]];

const datasetSchema = z.object({
  seed: z.number().int().nullable().optional(),
  contacts: z.array(z.object({ id: recordId, External_Contact_ID: externalValue }).catchall(z.string())),
  deals: z.array(z.object({ id: recordId, External_Deal_ID: externalValue }).catchall(z.string())),
  campaigns: moduleRecords,
  leads: moduleRecords,
  products: moduleRecords,
  priceBooks: moduleRecords,
  accounts: moduleRecords,
  appointments: moduleRecords,
  services: moduleRecords,
  contactRoles: z.array(z.object({ id: recordId, name: z.string().min(1), sequence_number: z.number().int() })).optional(),
  associations: z
    .array(z.object({ contactId: recordId, dealId: recordId, contactRoleId: recordId.nullable() }))
    .optional(),
  links: z
    .array(z.object({ relation: z.enum(relationIds), ids: z.tuple([recordId, recordId]), value: z.union([z.string(), z.number()]).nullable() }))
    .optional(),
});

function problem(source: string, where: string, message: string): UserError {
  return new UserError(ErrorCodes.FILE_INVALID, `${source}: ${where}: ${message}`);
}

function checkUnique<T>(source: string, list: readonly T[], key: keyof T & string, label: string): void {
  const seen = new Set<unknown>();
  list.forEach((item, index) => {
    const value = item[key];
    if (value === undefined || value === '') return;
    if (seen.has(value)) throw problem(source, `${label}[${index}].${key}`, `duplicate value ${JSON.stringify(value)}`);
    seen.add(value);
  });
}

function checkModules(source: string, dataset: SimulatorDataset): void {
  for (const module of MODULES) {
    const records: readonly ModuleRecord[] = dataset[module.recordsKey];
    checkUnique(source, records, 'id', module.recordsKey);
    for (const field of module.externalFields) checkUnique(source, records, field, module.recordsKey);
  }
  checkUnique(source, dataset.contactRoles, 'id', 'contactRoles');
}

function checkAssociations(source: string, dataset: SimulatorDataset): void {
  const contacts = new Set(dataset.contacts.map((c) => c.id));
  const deals = new Set(dataset.deals.map((d) => d.id));
  const roles = new Set(dataset.contactRoles.map((r) => r.id));
  dataset.associations.forEach((a, index) => {
    const where = `associations[${index}]`;
    if (!contacts.has(a.contactId)) throw problem(source, `${where}.contactId`, `no contact ${a.contactId}`);
    if (!deals.has(a.dealId)) throw problem(source, `${where}.dealId`, `no deal ${a.dealId}`);
    if (a.contactRoleId !== null && !roles.has(a.contactRoleId)) {
      throw problem(source, `${where}.contactRoleId`, `no contact role ${a.contactRoleId}`);
    }
  });
}

/** Why a link's value does not suit its relation's entry field, or null when it does. */
function valueProblem(dataset: SimulatorDataset, link: Link): string | null {
  const field = relationSpec(link.relation).entryField;
  if (link.value === null) return null;
  if (field === null) return `${link.relation} has no entry field; expected null`;
  const fits =
    field.kind === 'number'
      ? typeof link.value === 'number'
      : field.kind === 'picklist'
        ? (field.values ?? []).includes(String(link.value))
        : dataset.contactRoles.some((role) => role.id === link.value);
  return fits ? null : `${JSON.stringify(link.value)} is not a valid ${field.apiName}`;
}

function checkLinks(source: string, dataset: SimulatorDataset): void {
  const seen = new Set(dataset.associations.map((a) => `Contacts-Deals|${a.contactId}|${a.dealId}`));
  dataset.links.forEach((link, index) => {
    const where = `links[${index}]`;
    const relation = relationSpec(link.relation);
    relation.modules.forEach((name, side) => {
      const id = link.ids[side];
      if (!dataset[moduleSpec(name).recordsKey].some((record) => record.id === id)) throw problem(source, `${where}.ids[${side}]`, `no ${name} record ${id}`);
    });
    const value = valueProblem(dataset, link);
    if (value !== null) throw problem(source, `${where}.value`, value);
    const key = `${link.relation}|${link.ids[0]}|${link.ids[1]}`;
    if (seen.has(key)) throw problem(source, where, `duplicate link ${key}`);
    seen.add(key);
  });
}

/** Validates parsed JSON as a dataset; `source` names it in errors. Roles default to Zoho's defaults. */
export function parseDataset(json: unknown, source: string): SimulatorDataset {
  const parsed = datasetSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw problem(source, issue?.path.join('.') || '(root)', issue?.message ?? 'invalid dataset');
  }
  const data = parsed.data;
  const dataset: SimulatorDataset = {
    seed: data.seed ?? null,
    contacts: data.contacts,
    deals: data.deals,
    campaigns: data.campaigns ?? [],
    leads: data.leads ?? [],
    products: data.products ?? [],
    priceBooks: data.priceBooks ?? [],
    accounts: data.accounts ?? [],
    appointments: data.appointments ?? [],
    services: data.services ?? [],
    contactRoles: data.contactRoles ?? defaultContactRoles(),
    associations: data.associations ?? [],
    links: data.links ?? [],
  };
  checkModules(source, dataset);
  checkAssociations(source, dataset);
  checkLinks(source, dataset);
  return dataset;
}

export async function loadDatasetFile(path: string): Promise<SimulatorDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(ErrorCodes.FILE_NOT_FOUND, `${path}: cannot read the dataset file`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(ErrorCodes.FILE_INVALID, `${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return parseDataset(json, path);
}
