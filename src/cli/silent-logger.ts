import { pino, type Logger } from 'pino';

/** A logger that writes nothing, for in-process work whose progress the command reports itself. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
