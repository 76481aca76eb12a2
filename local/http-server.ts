import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  /** `http://<host>:<port>`, the port the system picked when asked for 0. */
  readonly url: string;
  readonly port: number;
  /** Closes the listener and every open socket, keep-alive ones included, then resolves. */
  stop(): Promise<void>;
}

/**
 * Listens on `port` (0, the default, picks a free one) on loopback unless told otherwise. Every
 * local server starts and stops this way: `close()` alone would wait for the SDK's keep-alive
 * sockets to time out.
 */
export async function listen(server: Server, options: { port?: number; host?: string } = {}): Promise<ListeningServer> {
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
