import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';

export interface Tunnel {
  /** Local port on 127.0.0.1 that reaches `remoteHost:remotePort` from the SSH host. */
  port: number;
  /** Why the SSH host last refused to open the forward (e.g. "Connection refused"), if it did. */
  readonly failure: string | undefined;
  close(): Promise<void>;
}

/**
 * A local port forward (`ssh -L`): connections to 127.0.0.1:<port> are carried over the SSH connection and
 * opened from the SSH host to `remoteHost:remotePort` (e.g. Nimbus 6627, the UI 8080).
 */
export async function openTunnel(client: Client, remoteHost: string, remotePort: number): Promise<Tunnel> {
  const sockets = new Set<Socket>();
  let failure: string | undefined;
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // The local client sees the refused forward as a closed connection; an unheard 'error' would crash squall.
    socket.on('error', () => {});
    client.forwardOut('127.0.0.1', socket.remotePort ?? 0, remoteHost, remotePort, (err, stream) => {
      if (err) {
        failure = err.message.replace(/^\(SSH\) Channel open failure: /, '');
        socket.destroy(new Error(`SSH host could not open ${remoteHost}:${remotePort}: ${err.message}`));
        return;
      }
      socket.pipe(stream).pipe(socket);
      stream.on('close', () => socket.destroy());
      socket.on('close', () => stream.close());
      socket.once('error', () => stream.close());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get failure() {
      return failure;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
