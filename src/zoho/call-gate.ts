/**
 * What every Zoho call made outside a sync job goes through (the links an unlink or mirror reads, the
 * lookup tables, `relsync check`, the dry-run preview): a credit of our own ZOHO_DAILY_CREDITS budget
 * (credit-budget.ts, the same one the sync calls take from) and a slot of the org-wide cap on calls in
 * flight (call-slots.ts, the sync queue's global concurrency). A sync job is itself a slot and takes its
 * credit in usecases/sync-call.ts, so every call relsync makes is counted once in each.
 *
 * Zoho charges a GET as any other call: 1 credit ("all other APIs", docs/zoho.md#credits).
 *
 * A spent budget is waited out by default (a worker: the import shows why, as a sync call's pause
 * does, and goes on when a credit frees); `waitForCredit: false` refuses at once with CREDIT_BUDGET
 * (the command line, which should not sit for hours).
 */
import { ErrorCodes, RelsyncError } from '../errors.js';
import { creditBudgetSpent, type CreditTake } from './credit-budget.js';

export interface CreditSource {
  tryTake(credits?: number): Promise<CreditTake | { ok: true }>;
  readonly limit: number;
}

export interface SlotSource {
  take(options?: { signal?: AbortSignal }): Promise<() => Promise<void>>;
}

/** Why a call waits, and until when at most (a paused import's status). */
export interface CallWait {
  reason: string;
  untilMs: number;
}

export interface CallOptions {
  /** Told why the call waits for a credit (and `undefined` once it goes on): the import's status. */
  onWait?: (wait: CallWait | undefined) => Promise<void>;
  /** Asked while waiting: a reason to give up (the import was stopped), thrown as CREDIT_BUDGET. */
  stopped?: () => Promise<string | undefined>;
  /** Wait for a credit (default) or refuse at once with CREDIT_BUDGET. */
  waitForCredit?: boolean;
  signal?: AbortSignal;
}

export interface CallGate {
  call<T>(send: () => Promise<T>, options?: CallOptions): Promise<T>;
}

export interface ZohoCallGateOptions {
  budget?: CreditSource;
  slots?: SlotSource;
  /** Longest wait between two looks at the budget (RELSYNC_PAUSE_PROBE_MS). */
  probeMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class ZohoCallGate implements CallGate {
  readonly #o: ZohoCallGateOptions;

  constructor(options: ZohoCallGateOptions) {
    this.#o = options;
  }

  async call<T>(send: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    await this.#credit(options);
    const giveBack = this.#o.slots ? await this.#o.slots.take({ signal: options.signal }) : undefined;
    try {
      return await send();
    } finally {
      await giveBack?.();
    }
  }

  async #credit(options: CallOptions): Promise<void> {
    const { budget } = this.#o;
    if (!budget) return;
    const now = this.#o.now ?? Date.now;
    const sleep = this.#o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let waited = false;
    for (;;) {
      const take = await budget.tryTake(1);
      if (take.ok) break;
      const reason = creditBudgetSpent(budget.limit, take.retryAtMs);
      if (options.waitForCredit === false) throw new RelsyncError(ErrorCodes.CREDIT_BUDGET, reason);
      const stop = await options.stopped?.();
      if (stop) throw new RelsyncError(ErrorCodes.CREDIT_BUDGET, `${reason}; not waiting: ${stop}`);
      const waitMs = Math.max(100, Math.min(take.retryAtMs - now(), this.#o.probeMs));
      await options.onWait?.({ reason, untilMs: now() + waitMs });
      waited = true;
      await sleep(waitMs);
    }
    if (waited) await options.onWait?.(undefined);
  }
}
