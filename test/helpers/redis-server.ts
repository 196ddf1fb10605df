/**
 * A real redis-server for tests: started by the test on a free loopback port with a throwaway directory, append-only
 * file on and fsync'd on every write (so a SIGKILL loses nothing Redis confirmed), never a system service.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach } from 'node:test';
import { createClient } from 'redis';
import { loadTopology } from '../../src/packaging/load.js';
import type { RuntimeEvent } from '../../src/runtime/local-cluster.js';
import { LocalCluster } from '../../src/runtime/local-cluster.js';

/** `loadTopology` for the Redis tests, with `conf` as `-o` overrides (the one validated resolution). */
export function load(target: string, conf: Record<string, unknown> = {}): ReturnType<typeof loadTopology> {
  return loadTopology(target, { config: { commandLine: conf } });
}

/** A client to a test server, RESP2 (plain arrays, the shapes the connector parses). */
export type RedisTestClient = ReturnType<typeof createClient>;

/**
 * For a describe block: one redis-server for the block and a client to it (handed to `use`), emptied before each
 * test, both stopped after the block.
 */
export function useRedisServer(use: (server: RedisServer, client: RedisTestClient) => void): void {
  let server: RedisServer | undefined;
  let client: RedisTestClient | undefined;
  before(async () => {
    server = await RedisServer.start();
    client = createClient({ url: server.url, RESP: 2 });
    client.on('error', () => {});
    await client.connect();
    use(server, client);
  });
  after(async () => {
    await client?.close();
    await server?.stop();
  });
  beforeEach(async () => {
    await client!.flushAll();
  });
}

/** Start a loaded topology on the embedded runtime (a restarted task after 200 ms), each event to `onEvent`. */
export async function startCluster(loaded: Awaited<ReturnType<typeof load>>, onEvent: (event: RuntimeEvent) => void): Promise<LocalCluster> {
  const cluster = new LocalCluster(loaded.spec, {
    squall: { command: process.execPath, script: loaded.bundle },
    resourcesDir: loaded.resourcesDir,
    restartDelayMs: 200,
    onEvent,
  });
  await cluster.start();
  return cluster;
}

/** Why redis-server cannot run here, or undefined when it can (for `it(..., { skip })`). */
export function redisServerMissing(): string | undefined {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return found.error || found.status !== 0 ? 'redis-server is not installed (.ci/run installs it: apt-get install redis-server)' : undefined;
}

/** A port nothing listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One RESP command over a fresh socket; resolves with the raw reply text. Enough to probe readiness. */
function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const timer = setTimeout(() => (socket.destroy(), reject(new Error('no reply'))), 1000);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (err) => (clearTimeout(timer), reject(err)));
  });
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extraArgs: string[],
  ) {}

  /** Start a server on a free port (or `port`) in a new temporary directory, and wait until it answers PING. */
  static async start(extraArgs: string[] = [], port?: number): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'squall-redis-')), extraArgs);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Kill it with SIGKILL (no shutdown, no final save: only what was fsync'd survives), and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** Start it again on the same port and directory: it reloads its append-only file. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Kill it and remove its directory. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    this.output = '';
    const child = spawn(
      'redis-server',
      [
        '--port', String(this.port),
        '--bind', '127.0.0.1',
        '--dir', this.dir,
        '--save', '',
        '--appendonly', 'yes',
        '--appendfsync', 'always',
        '--daemonize', 'no',
        '--logfile', '',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    child.stderr!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000)));
    this.child = child;
    // Bounded: 10 s of 50 ms probes.
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) break;
      try {
        // While it loads the append-only file, Redis answers -LOADING.
        // With requirepass set, an unauthenticated PING answers -NOAUTH: the server is up all the same.
        if (/^(\+PONG|-NOAUTH)/.test(await rawCommand(this.port, 'PING'))) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server on port ${this.port} did not start: ${this.output.trim().slice(-1000)}`);
  }
}

/** Certificates for a TLS test: a CA, a server certificate for 127.0.0.1 and a client certificate, both signed by it. */
export interface TlsFiles {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** Make a throwaway CA and certificates with openssl in a new temporary directory (remove `dir` after). */
export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'squall-redis-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    const done = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (done.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${done.stderr}`);
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=squall test CA');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? '127.0.0.1' : 'squall test client'}`);
    writeFileSync(at(`${who}.ext`), who === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.crt`, '-days', '1', '-extfile', `${who}.ext`);
  }
  return { dir, ca: at('ca.crt'), serverCert: at('server.crt'), serverKey: at('server.key'), clientCert: at('client.crt'), clientKey: at('client.key') };
}

/** redis-server arguments for a TLS port next to the plain one (which the readiness probe uses). */
export function tlsArgs(files: TlsFiles, tlsPort: number, authClients: boolean): string[] {
  return [
    '--tls-port', String(tlsPort),
    '--tls-cert-file', files.serverCert,
    '--tls-key-file', files.serverKey,
    '--tls-ca-cert-file', files.ca,
    '--tls-auth-clients', authClients ? 'yes' : 'no',
  ];
}
