/**
 * A TCP proxy on a loopback port in front of a server, that can go down for real: `down()` closes
 * the listening socket and destroys open connections (new connections are refused, ECONNREFUSED),
 * `up()` listens on the same port again. Zoho unreachable, without touching the simulator's state.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface TcpProxy {
  url: string;
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Breaks every open connection (as a network fault would) and keeps listening for new ones. */
  cut(): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Called with the bytes sent from the server to clients so far (all connections): cut or kill mid-transfer. */
  onDownstream?: (totalBytes: number) => void;
}

export async function startTcpProxy(target: string, options: TcpProxyOptions = {}): Promise<TcpProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let downstream = 0;
  let accepted = 0;
  const listen = async (): Promise<void> => {
    const s = createServer((client) => {
      accepted += 1;
      const upstream = connect(Number(targetPort), hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      if (options.onDownstream) {
        upstream.on('data', (chunk: Buffer) => {
          downstream += chunk.length;
          options.onDownstream?.(downstream);
        });
      }
      // One side gone (the server refused or died, the client hung up): the other goes too, as a
      // direct connection would, instead of hanging open with nothing behind it.
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    s.listen(port, '127.0.0.1');
    await once(s, 'listening');
    port = (s.address() as { port: number }).port;
    server = s;
  };
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise((resolve) => s.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  const cut = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  await listen();
  return { url: `http://127.0.0.1:${port}`, port, down, up: listen, cut, connections: () => accepted, close: down };
}
