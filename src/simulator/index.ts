/**
 * The local Zoho CRM stand-in: the accounts server's token endpoint and the CRM's related-records API
 * (update, read and delink, by record id or external id, for every relation it serves), the contact
 * roles list and the metadata `relsync check` reads, with Zoho's limits, errors and faults. Used by the
 * tests, the demo, the benchmark and `relsync simulator`.
 */
export { startSimulator } from './simulator-server.js';
export type { RunningSimulator } from './simulator-server.js';
export { parseSimulatorArgs, SIMULATOR_FLAGS, simulatorHelp } from './simulator-args.js';
export { DEFAULT_SIMULATOR_OPTIONS } from './simulator-options.js';
export type {
  SimulatorOptions,
  MixedStatus,
  AllFailedStatus,
  RepeatMessage,
  DuplicateInBatch,
  DelinkNotLinked,
  RoleInList,
  PerPageOverMax,
  NumericStrings,
} from './simulator-options.js';
export type { SimulatorCounters, TooManyRequestsCause } from './counters.js';
export type { SimulatorDataset, Association, ContactRecord, DealRecord, ContactRole, ModuleRecord, Link, EntryValue } from './dataset.js';
export {
  SAMPLE_CONTACT,
  SAMPLE_DEAL,
  ODD_CONTACT_EXTERNAL_IDS,
  ODD_DEAL_EXTERNAL_IDS,
} from './dataset.js';
export { SCRIPTED_FAULTS } from './faults.js';
export type { ScriptedFault } from './faults.js';
export { MAX_ENTRIES } from './related-records-routes.js';
export { MAX_PER_PAGE } from './related-read-routes.js';
export { MAX_DELINK_IDS } from './related-delink-routes.js';
export { MODULES, MEMBER_STATUSES } from './modules.js';
export type { ModuleName, ModuleSpec, FieldSpec } from './modules.js';
export { RELATIONS, relatedListsOf } from './relations.js';
export type { RelationId, RelationSpec, RelatedListSpec } from './relations.js';
