/**
 * squall through a real OpenSSH server (Debian's openssh-server, started here on 127.0.0.1 with throwaway keys):
 * the tunnel to a Nimbus and the leader it names, `tail -f` when the connection is killed, known_hosts as OpenSSH
 * reads it (rotated, revoked and CA-marked keys), a port that accepts and never answers, and each failed step named.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { connectSsh, SSH_KEEPALIVE, SshError } from '../src/ssh/connection.js';
import { execLines } from '../src/ssh/remote.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { FakeNimbus } from './helpers/nimbus-server.js';
import type { FakeTopology } from './helpers/nimbus-server.js';
import { findSshd, sshdMissing, sshKeygen, startSshd } from './helpers/sshd.js';
import type { Sshd } from './helpers/sshd.js';
import { temporaryFolder } from '../src/process/cleanup.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');

interface Project {
  cwd: string;
  home: string;
}

/** A project whose environment "remote" reaches Nimbus through the sshd, and a HOME whose known_hosts trusts it. */
function project(sshd: Sshd, env: Record<string, unknown>, knownHosts = `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`): Project {
  const cwd = temporaryFolder('squall-project-').path;
  const remote = { use_ssh_for_nimbus: true, ssh_port: sshd.port, user: sshd.user, ssh_identity_file: sshd.identityFile, ...env };
  writeFileSync(join(cwd, 'config.json'), JSON.stringify({ envs: { remote } }, null, 2));
  const home = temporaryFolder('squall-home-').path;
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh', 'known_hosts'), knownHosts);
  return { cwd, home };
}

function squall(where: Project & { agent?: string }, ...args: string[]) {
  return execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], {
    cwd: where.cwd,
    env: { HOME: where.home, SSH_AUTH_SOCK: where.agent ?? '', SQUALL_NIMBUS: '' },
    extendEnv: true,
    reject: false,
    timeout: 60_000,
  });
}

/** A running topology as the test Nimbus holds it. */
function running(nimbus: FakeNimbus, name: string, assignment?: FakeTopology['assignment']): FakeTopology {
  const topology = {
    id: `${name}-1-1700000000`,
    name,
    status: 'ACTIVE',
    conf: {},
    numTasks: 2,
    numExecutors: 2,
    numWorkers: 1,
    launchedAt: Date.now(),
    submitted: {} as FakeTopology['submitted'],
    ...(assignment ? { assignment } : {}),
  } satisfies FakeTopology;
  nimbus.topologies.set(name, topology);
  return topology;
}

async function waitFor(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !test(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(test(), `timed out waiting for ${what}`);
}

describe('finding OpenSSH for these tests', () => {
  it('finds sshd on PATH or in an sbin folder, and says why the tests skip when it is nowhere', () => {
    const bin = temporaryFolder('squall-sshd-path-').path;
    try {
      const fake = join(bin, 'sshd');
      writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
      assert.equal(findSshd(bin, []), fake, 'sshd on PATH, wherever it is installed');
      assert.equal(findSshd('', [bin]), fake, 'sshd in an sbin folder left off PATH');
      assert.equal(findSshd(join(bin, 'none'), []), undefined);
      assert.match(sshdMissing(join(bin, 'none'), [])!, /OpenSSH's sshd is not installed \(looked on PATH\): install OpenSSH \(apt-get install openssh-server/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

// Skipped, saying why, where OpenSSH is not installed (README: Requirements).
describe('through a real OpenSSH server', { skip: sshdMissing() }, () => {
  let sshd: Sshd;
  let nimbus: FakeNimbus;
  before(async () => {
    sshd = await startSshd();
    nimbus = await FakeNimbus.start();
  });
  after(async () => {
    await nimbus.close();
    await sshd.close();
  });

  it('lists through the tunnel and names Nimbus by its address, not the local tunnel port', async () => {
    const where = project(sshd, { nimbus: `127.0.0.1:${nimbus.port}` });
    const before = sshd.logins();
    const list = await squall(where, 'list', '-e', 'remote');
    assert.equal(list.exitCode, 0, list.stderr);
    assert.equal(list.stdout, `no topologies running on 127.0.0.1:${nimbus.port} (through SSH)`);
    assert.equal(sshd.logins(), before + 1);
  });

  it('reaches a leader that Nimbus names "localhost" through the same SSH connection, never on this machine', async () => {
    const leader = await FakeNimbus.start();
    try {
      running(leader, 'on-the-leader');
      // The seed is a follower naming the leader as the SSH host sees it: on another port of its own loopback.
      const follower = await FakeNimbus.start({ leader: { host: 'localhost', port: leader.port } });
      try {
        const where = project(sshd, { nimbus: `127.0.0.1:${follower.port}` });
        const before = sshd.logins();
        const list = await squall(where, 'list', '-e', 'remote');
        assert.equal(list.exitCode, 0, list.stderr);
        assert.match(list.stdout, /^on-the-leader\s+ACTIVE/m);
        assert.equal(sshd.logins(), before + 1, 'one SSH connection: the leader was forwarded to through it');
        assert.ok(leader.calls.some((c) => c.method === 'getClusterInfo'));
      } finally {
        await follower.close();
      }
    } finally {
      await leader.close();
    }
  });

  it('reuses the tunnel when the leader is the Nimbus reached, under a loopback name', async () => {
    const self = await FakeNimbus.start();
    try {
      self.leader = { host: 'localhost', port: self.port };
      const where = project(sshd, { nimbus: `127.0.0.1:${self.port}` });
      const before = sshd.logins();
      const list = await squall(where, 'list', '-e', 'remote');
      assert.equal(list.exitCode, 0, list.stderr);
      assert.equal(sshd.logins(), before + 1);
    } finally {
      await self.close();
    }
  });

  it('tail -f exits non-zero saying the connection to the host was lost when sshd drops it', async () => {
    const logs = temporaryFolder('squall-logs-').path;
    const topology = running(nimbus, 'followed');
    const log = join(logs, 'workers-artifacts', topology.id, '6700', 'worker.log');
    mkdirSync(join(log, '..'), { recursive: true });
    writeFileSync(log, 'INFO first\n');
    const where = project(sshd, { nimbus: `127.0.0.1:${nimbus.port}`, workers: ['127.0.0.1'], log: { path: logs } });
    const child = execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'tail', 'followed', '-e', 'remote', '-f', '-n', '1'], {
      cwd: where.cwd,
      env: { HOME: where.home, SSH_AUTH_SOCK: '', SQUALL_NIMBUS: '' },
      reject: false,
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out.includes('127.0.0.1:6700 | INFO first'), 'the last line of the log');
    appendFileSync(log, 'INFO growing\n');
    await waitFor(() => out.includes('127.0.0.1:6700 | INFO growing'), 'the appended line');
    sshd.killConnections();
    const result = await child;
    assert.notEqual(result.exitCode, 0, 'a lost connection is a failure');
    assert.match(result.stderr, /the SSH connection to 127\.0\.0\.1 was lost while following the logs/);
    assert.doesNotMatch(result.stderr, /Unhandled|at .*\.js:\d+/);
    nimbus.topologies.delete('followed');
  });

  it('tail fails when no host has logs, and marks logs of workers no longer assigned', async () => {
    const logs = temporaryFolder('squall-logs-').path;
    const topology = running(nimbus, 'rebalanced', [{ componentId: 'count', host: '127.0.0.1', port: 6701 }]);
    const where = project(sshd, { nimbus: `127.0.0.1:${nimbus.port}`, workers: ['127.0.0.1'], log: { path: logs } });
    const none = await squall(where, 'tail', 'rebalanced', '-e', 'remote');
    assert.equal(none.exitCode, 1);
    assert.match(none.stderr, /no worker logs of rebalanced .* on 127\.0\.0\.1 under /);
    for (const port of ['6700', '6701']) {
      mkdirSync(join(logs, 'workers-artifacts', topology.id, port), { recursive: true });
      writeFileSync(join(logs, 'workers-artifacts', topology.id, port, 'worker.log'), `INFO from ${port}\n`);
    }
    const tail = await squall(where, 'tail', 'rebalanced', '-e', 'remote', '-n', '1');
    assert.equal(tail.exitCode, 0, tail.stderr);
    assert.deepEqual(tail.stdout.trim().split('\n').sort(), ['127.0.0.1:6700 (old worker) | INFO from 6700', '127.0.0.1:6701 | INFO from 6701']);
    nimbus.topologies.delete('rebalanced');
  });

  it('says which step failed: the forward, when nothing listens where Nimbus should', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const list = await squall(project(sshd, { nimbus: `127.0.0.1:${port}` }), 'list', '-e', 'remote');
    assert.equal(list.exitCode, 1);
    assert.match(list.stderr, new RegExp(`SSH host 127\\.0\\.0\\.1 could not open localhost:${port} for the tunnel \\(.+\\): check that Nimbus is running on 127\\.0\\.0\\.1`));
    assert.doesNotMatch(list.stderr, /check the nimbus host\(s\)/);
  });

  it('says which step failed: authentication, naming the key it tried', async () => {
    const dir = temporaryFolder('squall-key-').path;
    const [stranger] = sshKeygen(dir, 'id_stranger');
    const list = await squall(project(sshd, { nimbus: `127.0.0.1:${nimbus.port}`, ssh_identity_file: stranger }), 'list', '-e', 'remote');
    assert.equal(list.exitCode, 1);
    assert.match(list.stderr, new RegExp(`SSH authentication to ${sshd.user}@127\\.0\\.0\\.1:${sshd.port} failed \\(tried key ${stranger}\\)`));
    assert.doesNotMatch(list.stderr, /Nimbus is running/);
  });

  it('refuses an ssh_identity_file with a passphrase, saying to use ssh-agent', async () => {
    const dir = temporaryFolder('squall-key-').path;
    const locked = join(dir, 'id_locked');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', locked]);
    const list = await squall(project(sshd, { nimbus: `127.0.0.1:${nimbus.port}`, ssh_identity_file: locked }), 'list', '-e', 'remote');
    assert.equal(list.exitCode, 1);
    assert.match(list.stderr, new RegExp(`^squall: ssh_identity_file ${locked} cannot be used \\(.+\\): a key with a passphrase must be loaded into ssh-agent`));
  });

  it('says which step failed: authentication, naming the ssh-agent identities it tried', async () => {
    const dir = temporaryFolder('squall-agent-').path;
    const [stranger] = sshKeygen(dir, 'agent_stranger');
    const socket = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await waitFor(() => existsSync(socket), 'ssh-agent to listen');
      await execa('ssh-add', [stranger], { env: { SSH_AUTH_SOCK: socket } });
      const where = project(sshd, { nimbus: `127.0.0.1:${nimbus.port}`, ssh_identity_file: undefined });
      const list = await squall({ ...where, agent: socket }, 'list', '-e', 'remote');
      assert.equal(list.exitCode, 1);
      assert.match(list.stderr, /failed \(tried ssh-agent identities ssh-ed25519 agent_stranger\)/);
    } finally {
      agent.kill();
    }
  });

  it('says which step failed: the forward to the Storm UI, for stats', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const stats = await squall(project(sshd, { nimbus: `127.0.0.1:${nimbus.port}`, ui: port }), 'stats', 'wordcount', '-e', 'remote');
    assert.equal(stats.exitCode, 1);
    assert.match(stats.stderr, new RegExp(`could not open localhost:${port} for the tunnel \\(.+\\): check that the Storm UI is running on 127\\.0\\.0\\.1 and listening on port ${port} \\("ui" in config\\.json\\)`));
  });

  it('a port that accepts and never answers: one clean timeout line, no crash', async () => {
    const silent: Server = createServer((socket: Socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const where = project(sshd, { nimbus: `127.0.0.1:${nimbus.port}`, ssh_port: (silent.address() as { port: number }).port });
      const list = await squall(where, 'list', '-e', 'remote', '--timeout', '2');
      assert.equal(list.exitCode, 1);
      const lines = list.stderr.trim().split('\n');
      assert.equal(lines.length, 1, list.stderr);
      assert.match(lines[0]!, /^squall: SSH to .*127\.0\.0\.1:\d+ timed out after 2s without an SSH handshake/);
    } finally {
      silent.close();
    }
  });

  describe('known_hosts as OpenSSH reads it', () => {
    const target = (knownHosts: string) => {
      const dir = temporaryFolder('squall-kh-').path;
      const knownHostsPath = join(dir, 'known_hosts');
      writeFileSync(knownHostsPath, knownHosts);
      return { host: '127.0.0.1', port: sshd.port, username: sshd.user, identityFile: sshd.identityFile, knownHostsPath, readyTimeoutMs: 10_000 };
    };
    const name = () => `[127.0.0.1]:${sshd.port}`;
    const oldKey = () => sshKeygen(temporaryFolder('squall-old-').path, 'old_host_key')[1];

    it('accepts a rotated key listed below the old one (after ssh-keyscan >> or UpdateHostKeys)', async () => {
      const client = await connectSsh(target(`${name()} ${oldKey()}\n${name()} ${sshd.hostPublicKey}\n`));
      client.end();
    });

    it('refuses a changed key, naming the file it read in the ssh-keygen -R advice', async () => {
      const t = target(`${name()} ${oldKey()}\n`);
      await assert.rejects(connectSsh(t), (err: Error) => {
        assert.match(err.message, /CHANGED .* line 1 has another/);
        assert.ok(err.message.includes(`ssh-keygen -R "${name()}" -f ${t.knownHostsPath}`), err.message);
        return true;
      });
    });

    it('refuses a key marked @revoked even when another line lists it', async () => {
      await assert.rejects(
        connectSsh(target(`${name()} ${sshd.hostPublicKey}\n@revoked * ${sshd.hostPublicKey}\n`)),
        /host key of \[127\.0\.0\.1\]:\d+ \(ssh-ed25519 SHA256:.+\) is marked @revoked in .* line 2/,
      );
    });

    it('says @cert-authority is not supported rather than trusting or ignoring it silently', async () => {
      const ca = oldKey();
      await assert.rejects(connectSsh(target(`@cert-authority ${name()} ${ca}\n`)), /line 1 trusts host certificates for it \(@cert-authority\), which squall does not support/);
    });
  });

  it('the test sshd logs no strict-modes or permission complaints', () => {
    assert.doesNotMatch(sshd.log(), /bad ownership|Authentication refused/);
    assert.ok(readFileSync(join(sshd.dir, 'authorized_keys'), 'utf8').startsWith('ssh-ed25519 '));
  });
});

describe('an SSH host that freezes without closing the connection', () => {
  let sshd: Sshd;
  let knownHostsPath: string;
  before(async () => {
    sshd = await startSshd();
    knownHostsPath = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHostsPath, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
  });
  after(() => sshd.close());
  const target = () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.user, identityFile: sshd.identityFile, knownHostsPath });

  it('fails a running remote command (tail -f) once keepalives go unanswered, saying why, instead of hanging', { timeout: 30_000 }, async () => {
    // Short keepalives so the test takes a second; the defaults (SSH_KEEPALIVE) take about a minute.
    const client = await connectSsh({ ...target(), keepalive: { intervalMs: 200, countMax: 2 } });
    try {
      let out = '';
      const run = await execLines(client, 'echo following; exec sleep 600', (line) => (out += line));
      await waitFor(() => out.includes('following'), 'the remote command to start');
      sshd.freezeConnections(); // SIGSTOP: the TCP connection stays open, nothing answers
      await assert.rejects(run.done, (err: Error) => {
        assert.ok(err instanceof SshError);
        assert.equal(err.step, 'lost');
        assert.match(
          err.message,
          /^the SSH connection was lost before the remote command ended: \S+@127\.0\.0\.1:\d+ stopped answering: no reply to 2 SSH keepalives sent every 0\.2s \(the host froze or the network drops packets\)$/,
        );
        return true;
      });
    } finally {
      client.end();
      sshd.killConnections();
    }
  });

  it('sends keepalives by default', async () => {
    const client = await connectSsh(target());
    try {
      // ssh2 keeps the options it was given; without them it sends no keepalive at all.
      const config = (client as unknown as { config: { keepaliveInterval: number; keepaliveCountMax: number } }).config;
      assert.deepEqual({ intervalMs: config.keepaliveInterval, countMax: config.keepaliveCountMax }, SSH_KEEPALIVE);
    } finally {
      client.end();
    }
  });
});
