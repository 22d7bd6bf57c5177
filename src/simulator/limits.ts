/**
 * Zoho's limits as the simulator enforces them: a concurrency cap on CRM calls in progress
 * (docs/zoho.md#concurrency), a credit budget over a rolling window (docs/zoho.md#credits: each spend is
 * freed 24 h after it was made) and, reused by the token store, the rolling count of mints
 * (docs/zoho.md#access-tokens).
 */
import type { SimulatorCounters } from './counters.js';

/** A rolling sum: amounts added at a time, forgotten once older than the window. */
export class RollingWindow {
  private readonly entries: { at: number; amount: number }[] = [];
  private head = 0;
  private sum = 0;

  /** Sum of the amounts added in (now - windowMs, now]. */
  total(now: number, windowMs: number): number {
    this.expire(now, windowMs);
    return this.sum;
  }

  add(now: number, amount: number): void {
    this.entries.push({ at: now, amount });
    this.sum += amount;
  }

  /** When the oldest amount still counted leaves the window (epoch ms), or null when empty. */
  oldestExpiry(now: number, windowMs: number): number | null {
    this.expire(now, windowMs);
    const oldest = this.entries[this.head];
    return oldest === undefined ? null : oldest.at + windowMs;
  }

  clear(): void {
    this.entries.length = 0;
    this.head = 0;
    this.sum = 0;
  }

  private expire(now: number, windowMs: number): void {
    for (let oldest = this.entries[this.head]; oldest !== undefined && oldest.at <= now - windowMs; oldest = this.entries[this.head]) {
      this.sum -= oldest.amount;
      this.head += 1;
    }
    // Compact now and then so a long run does not keep every spend ever made.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}

/**
 * Counts CRM calls from arrival until their response is written. A call over the cap is refused at
 * arrival and never holds a slot, so one burst of N+1 calls against cap N yields exactly one 429.
 */
export class ConcurrencyGate {
  constructor(
    private readonly counters: SimulatorCounters,
    private readonly capOf: () => number,
  ) {}

  tryAcquire(): boolean {
    if (this.counters.inFlight >= this.capOf()) return false;
    this.counters.inFlight += 1;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    return true;
  }

  release(): void {
    this.counters.inFlight -= 1;
  }
}

export interface CreditSettings {
  credits: number;
  creditWindowMs: number;
}

/** The org's credit budget over a rolling window. */
export class CreditLedger {
  private readonly window = new RollingWindow();

  used(now: number, settings: CreditSettings): number {
    return this.window.total(now, settings.creditWindowMs);
  }

  /** Charges `cost` when it fits in what is left of the budget; false (nothing charged) when not. */
  tryCharge(cost: number, now: number, settings: CreditSettings): boolean {
    if (this.used(now, settings) + cost > settings.credits) return false;
    if (cost > 0) this.window.add(now, cost);
    return true;
  }

  /**
   * Value of X-API-CREDITS-REMAINING, or null while under half the budget is used: Zoho sends the header
   * only once ≥50 % of the day's credits are spent (docs/zoho.md#credits; known from secondary copies).
   */
  remainingHeader(now: number, settings: CreditSettings): string | null {
    const used = this.used(now, settings);
    if (used * 2 < settings.credits) return null;
    return String(Math.max(0, settings.credits - used));
  }

  clear(): void {
    this.window.clear();
  }
}
