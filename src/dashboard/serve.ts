/** The dashboard on a server of its own (`squall ui`): its pages, and nothing else. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dashboard } from './server.js';

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serveDashboard(dashboard: Dashboard, port: number, host: string): Promise<Served> {
  const server = createServer((req, res) => {
    if (dashboard.handle(req, res)) return;
    const body = JSON.stringify({ error: '404 Not Found', errorMessage: `squall ui serves the dashboard at / only, not ${req.url ?? ''}` });
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `--port ${port}: that port is in use; pick another (or 0 for any free port)` : `--port ${port} on ${host}: ${err.message}`)),
    );
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        dashboard.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
