/**
 * A real HTTP server that stands for a webhook receiver: it records every POST (headers and raw body)
 * and answers each with the next status of a script (then 200), as a receiver that is down and comes back.
 */
import { createServer } from 'node:http';
import { once } from 'node:events';

export interface ReceivedHook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiverServer {
  url: string;
  received: ReceivedHook[];
  /** The requests answered 2xx, their bodies parsed. */
  delivered(): Array<Record<string, unknown>>;
  /** From now on, keep each request unanswered until `release()`, as a receiver that hangs. */
  hold(): void;
  /** Requests held now. */
  held(): number;
  /** Answer the held requests (each with the next status of the script) and stop holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(script: number[] = []): Promise<WebhookReceiverServer> {
  const answers = [...script];
  const received: ReceivedHook[] = [];
  let holding = false;
  let waiting: Array<() => void> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (holding) waiting.push(answer);
      else answer();
    });
    const answer = (): void => {
      const status = answers.shift() ?? 200;
      received.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'down');
    };
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    delivered: () => received.filter((r) => r.status < 300).map((r) => JSON.parse(r.body) as Record<string, unknown>),
    hold: () => (holding = true),
    held: () => waiting.length,
    release: () => {
      holding = false;
      const answers = waiting;
      waiting = [];
      for (const answer of answers) answer();
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
