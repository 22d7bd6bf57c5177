/**
 * Simulators a test starts on its own (the harness starts its own): real HTTP over loopback, no
 * latency unless the test asks. Every one started here is closed by `closeSimulators()` (call it in
 * afterEach).
 */
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';

/** The Contact Role of the Zoho API page's samples ("Decision Maker"), in every simulated data set. Written
 *  out rather than imported, so the tests hold the simulator to it. */
export const ROLE_ID = '111111000000026002';

const running: RunningSimulator[] = [];

/** No latency or jitter, and a small data set (20 contacts, 20 deals, 30 records of each other module), unless the test says otherwise. */
export async function startTestSimulator(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ latencyMs: 0, jitterMs: 0, contacts: 20, deals: 20, recordsPerModule: 30, ...options });
  running.push(sim);
  return sim;
}

export async function closeSimulators(): Promise<void> {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
}

/** The Zoho id of a contact of the simulator's data set, by external id. */
export function contactId(sim: RunningSimulator, external: string): string {
  const found = sim.dataset.contacts.find((contact) => contact.External_Contact_ID === external);
  if (found === undefined) throw new Error(`no contact ${external} in the simulator's data set`);
  return found.id;
}

/** The Zoho id of a deal of the simulator's data set, by external id. */
export function dealId(sim: RunningSimulator, external: string): string {
  const found = sim.dataset.deals.find((deal) => deal.External_Deal_ID === external);
  if (found === undefined) throw new Error(`no deal ${external} in the simulator's data set`);
  return found.id;
}
