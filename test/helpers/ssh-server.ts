import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection } from 'ssh2';

const { Server, utils } = ssh2;

/**
 * A fresh ECDSA P-256 private key in PEM, made by node:crypto. Not ssh2's own generator: about one ed25519 key in
 * 300 that ssh2 generates is one its parser then rejects ("Malformed OpenSSH private key"), a flaky test.
 */
export function newPrivateKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
}

export interface TestSshServer {
  port: number;
  /** `ecdsa-sha2-nistp256 AAAA…`: the host key's public line, for known_hosts. */
  hostPublicKey: string;
  /** The client key accepted for `user`, in OpenSSH format. */
  clientPrivateKey: string;
  /** Commands the server was asked to run. */
  commands: string[];
  /** Connections to forward targets the server opened. */
  forwards: Array<{ host: string; port: number }>;
  /** Open SSH connections. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * An SSH server on loopback, as sshd behaves for what squall uses: public-key auth for one user, direct-tcpip
 * forwarding (`ssh -L`), and exec through `sh -c` (so quoting mistakes show up as they would on a real host).
 */
export async function startSshServer(options: { user?: string; hostKey?: string } = {}): Promise<TestSshServer> {
  const user = options.user ?? 'storm';
  const hostKeys = options.hostKey ?? newPrivateKey();
  const clientPrivateKey = newPrivateKey();
  const allowed = utils.parseKey(clientPrivateKey);
  if (allowed instanceof Error) throw allowed;
  const hostParsed = utils.parseKey(hostKeys);
  if (hostParsed instanceof Error) throw hostParsed;
  const commands: string[] = [];
  const forwards: Array<{ host: string; port: number }> = [];
  const open = new Set<Connection>();
  const server = new Server({ hostKeys: [hostKeys] }, (client: Connection) => {
    open.add(client);
    // As sshd hangs up a session's processes when the connection drops, stop every command of this client.
    const stops = new Set<() => void>();
    client.on('close', () => {
      open.delete(client);
      for (const stop of stops) stop();
    });
    client.on('error', () => {});
    client.on('authentication', (ctx: AuthContext) => {
      if (ctx.method === 'publickey' && ctx.username === user && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
        if (!ctx.signature) return ctx.accept();
        if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('tcpip', (accept, reject, info) => {
        forwards.push({ host: info.destIP, port: info.destPort });
        const socket = connect(info.destPort, info.destIP);
        socket.once('connect', () => {
          const channel = accept();
          socket.pipe(channel).pipe(socket);
          channel.on('close', () => socket.destroy());
          socket.on('close', () => channel.close());
        });
        socket.once('error', () => reject());
      });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command);
          const channel = acceptExec();
          const child = spawn('sh', ['-c', info.command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
          // Keep the channel open after the output ends: the exit status must be sent before EOF, as sshd does.
          child.stdout.pipe(channel, { end: false });
          child.stderr.pipe(channel.stderr, { end: false });
          const stop = () => {
            try {
              process.kill(-child.pid!, 'SIGTERM');
            } catch {
              // already gone
            }
          };
          stops.add(stop);
          channel.on('close', stop);
          session.on('signal', stop);
          child.on('close', (code, signal) => {
            stops.delete(stop);
            // As sshd: exit-signal for a killed command, exit-status otherwise.
            if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
            else channel.exit(code ?? 0);
            channel.end();
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    hostPublicKey: `${hostParsed.type} ${hostParsed.getPublicSSH().toString('base64')}`,
    clientPrivateKey,
    commands,
    forwards,
    get connections() {
      return open.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of open) c.end();
        server.close(() => resolve());
      }),
  };
}
