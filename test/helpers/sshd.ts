/**
 * OpenSSH's server (`sshd`, found by `findSshd`: Debian's is /usr/sbin/sshd), started by a test on 127.0.0.1 with everything it needs made in a
 * throwaway folder: host key, client key, authorized_keys, sshd_config. Never a system service. The behaviours
 * tested with it (known_hosts rotation, a connection killed mid-command, forwarding to what the SSH host resolves)
 * are OpenSSH's, which the ssh2 test server only imitates.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where sshd usually is when it is not on PATH (the sbin folders are often left off a non-root user's PATH). */
const SBIN_FOLDERS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/opt/homebrew/sbin'];

/** The sshd to start: the first executable `sshd` on PATH, then in the usual sbin folders; undefined when none. */
export function findSshd(path = process.env.PATH ?? '', fallbacks: readonly string[] = SBIN_FOLDERS): string | undefined {
  const folders = [...path.split(delimiter).filter(Boolean), ...fallbacks];
  return folders.map((folder) => join(folder, 'sshd')).find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Why the OpenSSH tests cannot run here (for `describe(..., { skip })`), or undefined when they can. */
export function sshdMissing(path?: string, fallbacks?: readonly string[]): string | undefined {
  const how = 'install OpenSSH (apt-get install openssh-server openssh-client, as .ci/run does)';
  const elsewhere = (fallbacks ?? SBIN_FOLDERS).join(', ');
  if (!findSshd(path, fallbacks)) return `OpenSSH's sshd is not installed (looked on PATH${elsewhere ? ` and in ${elsewhere}` : ''}): ${how}`;
  if (spawnSync('ssh-keygen', ['-V'], { stdio: 'ignore' }).error) return `ssh-keygen is not on PATH: ${how}`;
  return undefined;
}

export interface Sshd {
  port: number;
  /** The user that may log in: whoever runs the tests (root here and in CI). */
  user: string;
  /** The throwaway folder holding keys and config. */
  dir: string;
  /** Private key file accepted for `user` (ed25519, OpenSSH format, made by ssh-keygen). */
  identityFile: string;
  /** `ssh-ed25519 AAAA…` of the host key sshd presents. */
  hostPublicKey: string;
  /** sshd's log so far (`-e`: to stderr). */
  log(): string;
  /** Logins accepted so far. */
  logins(): number;
  /** Kill every connection's sshd process (and what runs under it) with SIGKILL, leaving the listener up. */
  killConnections(): void;
  /**
   * Stop every connection's sshd process with SIGSTOP: the host "freezes" while the kernel keeps the TCP
   * connection open, so nothing closes and nothing answers (killConnections or close() ends them later).
   */
  freezeConnections(): void;
  close(): Promise<void>;
}

/** A new ed25519 key pair made by ssh-keygen: [private key file, public key line]. */
export function sshKeygen(dir: string, name: string): [string, string] {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return [file, readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')];
}

/** A port free on 127.0.0.1 a moment ago (sshd picks no port itself). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startSshd(options: { hostKey?: [string, string] } = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'squall-sshd-'));
  const [hostKeyFile, hostPublicKey] = options.hostKey ?? sshKeygen(dir, 'host_key');
  const [identityFile, clientPublicKey] = sshKeygen(dir, 'id_ed25519');
  writeFileSync(join(dir, 'authorized_keys'), `${clientPublicKey}\n`, { mode: 0o600 });
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      // StrictModes refuses an authorized_keys under a world-writable folder such as /tmp (sshd's safe_path walks
      // up to / unless it meets the user's home); the files themselves are 0600 in a 0700 folder.
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'PidFile none',
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // Privilege separation needs this (empty, root-owned) folder when sshd runs as root.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const sshd = findSshd();
  if (!sshd) throw new Error(sshdMissing()!);
  let child: ChildProcess | undefined;
  let log = '';
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const started = spawn(sshd, ['-D', '-e', '-p', String(port), '-o', 'ListenAddress=127.0.0.1', '-f', config, '-h', hostKeyFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    log = '';
    started.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const listening = await new Promise<boolean>((resolve) => {
      started.stderr!.on('data', () => {
        if (/Server listening on/.test(log)) resolve(true);
      });
      started.once('exit', () => resolve(false));
      started.once('error', () => resolve(false));
    });
    if (listening) child = started;
    else if (!/Address already in use/.test(log)) throw new Error(`sshd did not start: ${log.trim()}`);
  }
  if (!child) throw new Error(`sshd found no free port: ${log.trim()}`);
  const listener = child;

  const descendants = (pid: number): number[] => {
    const children: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || !existsSync(`/proc/${entry}/stat`)) continue;
      try {
        // Field 4 of /proc/PID/stat is the parent pid; the command name (field 2) may hold spaces, so skip past ')'.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === pid) children.push(Number(entry), ...descendants(Number(entry)));
      } catch {
        // gone meanwhile
      }
    }
    return children;
  };

  const signalConnections = (signal: NodeJS.Signals) => {
    for (const pid of descendants(listener.pid!)) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };

  return {
    port,
    user: userInfo().username,
    dir,
    identityFile,
    hostPublicKey,
    log: () => log,
    logins: () => (log.match(/Accepted publickey for /g) ?? []).length,
    killConnections: () => signalConnections('SIGKILL'),
    freezeConnections: () => signalConnections('SIGSTOP'),
    close: async () => {
      if (listener.exitCode !== null || listener.signalCode !== null) return rmSync(dir, { recursive: true, force: true });
      const exited = new Promise<void>((resolve) => listener.once('exit', () => resolve()));
      // The listener and every connection's process: sshd -D leaves running sessions alone when it is stopped.
      signalConnections('SIGKILL');
      listener.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
