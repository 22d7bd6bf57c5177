/**
 * Faults injected into CRM calls: random ones (probabilities from the options, drawn from the seeded
 * PRNG, one draw per call so a seed replays the same sequence) and a scripted queue for exact
 * sequences, consumed one per CRM call in arrival order before any random draw.
 */
import { ErrorCodes, UserError } from '../errors.js';
import { pick, type Random } from './prng.js';
import type { TooManyRequestsCause } from './counters.js';

/**
 * Scripted faults:
 * - `ok`: no fault (a placeholder in a sequence);
 * - `reset`: destroy the connection before applying anything;
 * - `429` / `429-concurrency` / `429-credits`: answer 429 TOO_MANY_REQUESTS without applying;
 * - `500` (INTERNAL_ERROR JSON), `502`, `503` (HTML gateway pages): answer before applying;
 * - `lost-502` / `lost-reset`: apply the writes, then answer a 502 page / destroy the connection.
 */
export const SCRIPTED_FAULTS = ['ok', 'reset', '429', '429-concurrency', '429-credits', '500', '502', '503', 'lost-502', 'lost-reset'] as const;
export type ScriptedFault = (typeof SCRIPTED_FAULTS)[number];

export type ServerErrorStatus = 500 | 502 | 503;

export type FaultPlan =
  | { kind: 'none' }
  | { kind: 'reset' }
  | { kind: 'server-error'; status: ServerErrorStatus }
  | { kind: 'too-many'; cause: TooManyRequestsCause }
  | { kind: 'lost'; then: 'bad-gateway' | 'reset' };

export interface FaultRates {
  failRate: number;
  lostResponseRate: number;
  resetRate: number;
}

function isScriptedFault(value: unknown): value is ScriptedFault {
  return typeof value === 'string' && (SCRIPTED_FAULTS as readonly string[]).includes(value);
}

function planOf(fault: ScriptedFault): FaultPlan {
  switch (fault) {
    case 'ok':
      return { kind: 'none' };
    case 'reset':
      return { kind: 'reset' };
    case '429':
    case '429-concurrency':
      return { kind: 'too-many', cause: 'concurrency' };
    case '429-credits':
      return { kind: 'too-many', cause: 'credits' };
    case '500':
    case '502':
    case '503':
      return { kind: 'server-error', status: Number(fault) as ServerErrorStatus };
    case 'lost-502':
      return { kind: 'lost', then: 'bad-gateway' };
    case 'lost-reset':
      return { kind: 'lost', then: 'reset' };
  }
}

export class FaultInjector {
  private readonly queue: FaultPlan[] = [];

  constructor(private readonly random: Random) {}

  /** Appends scripted faults; throws "faults[i]: expected one of …, got …" on an unknown name. */
  enqueue(faults: readonly unknown[]): void {
    faults.forEach((fault, index) => {
      if (!isScriptedFault(fault)) {
        throw new UserError(
          ErrorCodes.CONFIG_INVALID,
          `faults[${index}]: expected one of ${SCRIPTED_FAULTS.join(', ')}, got ${JSON.stringify(fault) ?? String(fault)}`,
        );
      }
    });
    for (const fault of faults as ScriptedFault[]) this.queue.push(planOf(fault));
  }

  /** Scripted faults not yet consumed. */
  get pending(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** The fault for the next CRM call. */
  next(rates: FaultRates): FaultPlan {
    const scripted = this.queue.shift();
    if (scripted !== undefined) return scripted;
    const draw = this.random();
    if (draw < rates.resetRate) return { kind: 'reset' };
    if (draw < rates.resetRate + rates.failRate) return { kind: 'server-error', status: pick(this.random, [500, 502, 503] as const) };
    if (draw < rates.resetRate + rates.failRate + rates.lostResponseRate) {
      return { kind: 'lost', then: pick(this.random, ['bad-gateway', 'reset'] as const) };
    }
    return { kind: 'none' };
  }
}
