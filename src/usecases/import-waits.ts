/**
 * How a Zoho call made for an import outside a sync job (its links read, its lookup tables) waits:
 * while our credit budget is spent or the sync queue is paused, the import's status says why and until
 * when, as a sync call's pause does (`pausedReason`, `pausedUntil`), and the reason is cleared once the
 * call goes on. An import stopped meanwhile (`relsync cancel`, a failure) stops waiting.
 */
import type { RunLedger } from '../ledger/run-ledger.js';
import type { CallOptions } from '../zoho/call-gate.js';

export function importWaits(ledger: Pick<RunLedger, 'update' | 'stopOf'>, importId: string): Pick<CallOptions, 'onWait' | 'stopped'> {
  return {
    onWait: async (wait) => {
      await ledger.update(importId, wait ? { pausedReason: wait.reason, pausedUntil: wait.untilMs } : { pausedReason: undefined, pausedUntil: undefined });
    },
    stopped: async () => {
      const stop = await ledger.stopOf(importId);
      return stop ? `${stop.code}: ${stop.reason}` : undefined;
    },
  };
}
