/**
 * A dataset read from a JSON file (`--dataset file.json`), in the shape `GET /__sim/dataset` returns.
 * Checked fully before the server starts: record ids must be digit strings, ids and external values
 * unique per module, initial associations must point at known records and roles.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ErrorCodes, UserError } from '../errors.js';
import { defaultContactRoles, type SimulatorDataset } from './dataset.js';

const recordId = z.string().regex(/^\d{1,19}$/, 'expected a record id of 1-19 digits');
const externalValue = z.string().min(1);

const datasetSchema = z.object({
  seed: z.number().int().nullable().optional(),
  contacts: z.array(z.looseObject({ id: recordId, External_Contact_ID: externalValue })),
  deals: z.array(z.looseObject({ id: recordId, External_Deal_ID: externalValue })),
  contactRoles: z.array(z.object({ id: recordId, name: z.string().min(1), sequence_number: z.number().int() })).optional(),
  associations: z
    .array(z.object({ contactId: recordId, dealId: recordId, contactRoleId: recordId.nullable() }))
    .optional(),
});

function problem(source: string, where: string, message: string): UserError {
  return new UserError(ErrorCodes.FILE_INVALID, `${source}: ${where}: ${message}`);
}

function checkUnique<T>(source: string, list: readonly T[], key: keyof T & string, label: string): void {
  const seen = new Set<unknown>();
  list.forEach((item, index) => {
    if (seen.has(item[key])) throw problem(source, `${label}[${index}].${key}`, `duplicate value ${JSON.stringify(item[key])}`);
    seen.add(item[key]);
  });
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

/** Validates parsed JSON as a dataset; `source` names it in errors. Roles default to Zoho's defaults. */
export function parseDataset(json: unknown, source: string): SimulatorDataset {
  const parsed = datasetSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw problem(source, issue?.path.join('.') || '(root)', issue?.message ?? 'invalid dataset');
  }
  const dataset: SimulatorDataset = {
    seed: parsed.data.seed ?? null,
    contacts: parsed.data.contacts,
    deals: parsed.data.deals,
    contactRoles: parsed.data.contactRoles ?? defaultContactRoles(),
    associations: parsed.data.associations ?? [],
  };
  checkUnique(source, dataset.contacts, 'id', 'contacts');
  checkUnique(source, dataset.contacts, 'External_Contact_ID', 'contacts');
  checkUnique(source, dataset.deals, 'id', 'deals');
  checkUnique(source, dataset.deals, 'External_Deal_ID', 'deals');
  checkUnique(source, dataset.contactRoles, 'id', 'contactRoles');
  checkAssociations(source, dataset);
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
