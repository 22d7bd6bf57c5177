/**
 * Fails a test file that leaves a connection, server or child process open (a worker not closed, a
 * simulator left listening, a Redis client not quit): after the file's tests, those resources must be
 * gone within a short grace period (closing sockets take a tick or two).
 */
import { afterAll } from 'vitest';

const LEAKY = new Set(['TCPSocketWrap', 'TCPServerWrap', 'ProcessWrap']);

function leaks(): string[] {
  return process.getActiveResourcesInfo().filter((type) => LEAKY.has(type));
}

afterAll(async () => {
  const deadline = Date.now() + 3_000;
  while (leaks().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const open = leaks();
  if (open.length > 0) throw new Error(`test file left open: ${open.join(', ')} (close every worker, server, connection and child process)`);
});
