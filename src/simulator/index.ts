/**
 * The local Zoho CRM stand-in: the accounts server's token endpoint and the CRM's Update Related
 * Records (by record id or external id) with Zoho's limits, errors and faults. Used by the tests, the
 * demo, the benchmark and `relsync simulator`.
 */
export { startSimulator } from './simulator-server.js';
export type { RunningSimulator } from './simulator-server.js';
export { parseSimulatorArgs, SIMULATOR_FLAGS, simulatorHelp } from './simulator-args.js';
export { DEFAULT_SIMULATOR_OPTIONS } from './simulator-options.js';
export type { SimulatorOptions, MixedStatus, AllFailedStatus, RepeatMessage, DuplicateInBatch } from './simulator-options.js';
export type { SimulatorCounters, TooManyRequestsCause } from './counters.js';
export type { SimulatorDataset, Association, ContactRecord, DealRecord, ContactRole } from './dataset.js';
export {
  SAMPLE_CONTACT,
  SAMPLE_DEAL,
  SAMPLE_CONTACT_ROLE_ID,
  ODD_CONTACT_EXTERNAL_IDS,
  ODD_DEAL_EXTERNAL_IDS,
} from './dataset.js';
export { SCRIPTED_FAULTS } from './faults.js';
export type { ScriptedFault } from './faults.js';
export { MAX_ENTRIES } from './related-records-routes.js';
