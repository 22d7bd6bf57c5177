/**
 * Lifecycle: every connection, worker and pool registers a closer when it is opened; shutdown closes
 * them in reverse order (workers first, connections last) under one deadline.
 */
import type { Logger } from 'pino';

type Closer = { name: string; close: () => Promise<unknown> };

export class Lifecycle {
  readonly #closers: Closer[] = [];
  #closing: Promise<boolean> | undefined;

  /** True once shutdown has begun (readiness turns false then). */
  get isClosing(): boolean {
    return this.#closing !== undefined;
  }

  add(name: string, close: () => Promise<unknown>): void {
    this.#closers.push({ name, close });
  }

  /** Close everything in reverse order; resolves true when all closed before the deadline. */
  closeAll(deadlineMs: number, log?: Logger): Promise<boolean> {
    this.#closing ??= this.#run(deadlineMs, log);
    return this.#closing;
  }

  async #run(deadlineMs: number, log?: Logger): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs)));
    const all = (async () => {
      for (const closer of [...this.#closers].reverse()) {
        try {
          await closer.close();
        } catch (error) {
          log?.warn({ err: error, closer: closer.name }, 'error while closing');
        }
      }
      return true as const;
    })();
    const finished = await Promise.race([all, deadline]);
    clearTimeout(timer);
    if (!finished) log?.warn({ deadlineMs }, 'shutdown deadline passed; unfinished work is handed back to the queue');
    return finished;
  }
}

/**
 * Run `shutdown` on the first SIGINT/SIGTERM; a second signal exits at once (an operator who presses
 * Ctrl-C twice means it). Returns a function that removes the handlers.
 */
export function onShutdownSignals(shutdown: (signal: NodeJS.Signals) => Promise<void>): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (received) process.exit(130);
    received = true;
    void shutdown(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
