import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { connectSsh } from '../src/ssh/connection.js';
import { checkHostKey, fingerprint } from '../src/ssh/known-hosts.js';
import { execLines, scriptCommand, shellQuote } from '../src/ssh/remote.js';
import { openTunnel } from '../src/ssh/tunnel.js';
import { newPrivateKey, startSshServer } from './helpers/ssh-server.js';
import type { TestSshServer } from './helpers/ssh-server.js';
import { temporaryFolder } from '../src/process/cleanup.js';

const servers: TestSshServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

/** An SSH server and a client setup that trusts it (known_hosts + key file in a temp home). */
async function setup(knownHostsLine?: (server: TestSshServer) => string) {
  const server = await startSshServer();
  servers.push(server);
  const dir = temporaryFolder('squall-ssh-').path;
  const identityFile = join(dir, 'id_ecdsa');
  writeFileSync(identityFile, server.clientPrivateKey, { mode: 0o600 });
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, knownHostsLine ? knownHostsLine(server) : `[127.0.0.1]:${server.port} ${server.hostPublicKey}\n`);
  const target = { host: '127.0.0.1', port: server.port, username: 'storm', identityFile, knownHostsPath, readyTimeoutMs: 5000 };
  return { server, dir, target, knownHostsPath };
}

/** A TCP service on loopback standing in for Nimbus: answers each line with "echo: line". */
async function echoService(): Promise<{ port: number; close: () => void }> {
  const service = createServer((socket) => socket.on('data', (d) => socket.write(`echo: ${d.toString()}`)));
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', () => resolve()));
  return { port: (service.address() as { port: number }).port, close: () => service.close() };
}

describe('SSH', () => {
  it('tunnels a local port to a service reachable from the SSH host, and closes cleanly', async () => {
    const { server, target } = await setup();
    const service = await echoService();
    const client = await connectSsh(target);
    const tunnel = await openTunnel(client, '127.0.0.1', service.port);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = netConnect(tunnel.port, '127.0.0.1', () => socket.write('ping'));
      socket.once('data', (d) => (resolve(d.toString()), socket.end()));
      socket.once('error', reject);
    });
    assert.equal(reply, 'echo: ping');
    assert.deepEqual(server.forwards, [{ host: '127.0.0.1', port: service.port }]);
    await tunnel.close();
    client.end();
    await assert.rejects(
      new Promise((resolve, reject) => netConnect(tunnel.port, '127.0.0.1', () => resolve(undefined)).once('error', reject)),
      /ECONNREFUSED/,
      'the local port is closed',
    );
    service.close();
  });

  it('refuses an unknown host key, with the fingerprint and how to trust the host', async () => {
    const { server, target, knownHostsPath } = await setup(() => '');
    await assert.rejects(connectSsh(target), (err: Error) => {
      assert.match(err.message, /unknown SSH host key for \[127\.0\.0\.1\]:\d+ \(ecdsa-sha2-nistp256 SHA256:/);
      assert.ok(err.message.includes(`ssh-keyscan -p ${server.port} 127.0.0.1 >> ${knownHostsPath}`));
      return true;
    });
  });

  it('refuses a changed host key', async () => {
    const other = await startSshServer();
    servers.push(other);
    const { target } = await setup((server) => `[127.0.0.1]:${server.port} ${other.hostPublicKey}\n`);
    await assert.rejects(connectSsh(target), /host key of \[127\.0\.0\.1\]:\d+ CHANGED .* line 1 has another/);
  });

  it('matches hashed known_hosts entries and ports', () => {
    const key = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36, 7)]);
    const line = (hosts: string) => `${hosts} ssh-ed25519 ${key.toString('base64')}\n`;
    assert.equal(checkHostKey(line('nimbus.example.com'), 'nimbus.example.com', 22, key).status, 'trusted');
    assert.equal(checkHostKey(line('nimbus.example.com'), 'nimbus.example.com', 2222, key).status, 'unknown');
    assert.equal(checkHostKey(line('[nimbus.example.com]:2222'), 'nimbus.example.com', 2222, key).status, 'trusted');
    assert.equal(checkHostKey(line('*.example.com,!evil.example.com'), 'evil.example.com', 22, key).status, 'unknown');
    // |1|salt|HMAC-SHA1(salt, host), as `ssh-keygen -H` writes.
    const salt = Buffer.alloc(20, 3);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('nimbus.example.com').digest('base64')}`;
    assert.equal(checkHostKey(line(hashed), 'nimbus.example.com', 22, key).status, 'trusted');
    assert.match(fingerprint(key), /^SHA256:[A-Za-z0-9+/]+$/);
  });

  it('follows a growing log file until stopped, with user input passed only as quoted data', async () => {
    const { server, target, dir } = await setup();
    const logDir = join(dir, "worker logs; it's here");
    mkdirSync(logDir);
    const log = join(logDir, 'worker.log');
    writeFileSync(log, 'line 1\nline 2\n');
    const client = await connectSsh(target);
    const lines: string[] = [];
    const run = await execLines(client, scriptCommand('exec tail -n "$2" -F -- "$1"', [log, '1']), (l) => lines.push(l));
    const waitFor = async (n: number) => {
      for (let i = 0; i < 100 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await waitFor(1);
    appendFileSync(log, 'line 3\n');
    await waitFor(2);
    appendFileSync(log, 'line 4\n');
    await waitFor(3);
    assert.deepEqual(lines, ['line 2', 'line 3', 'line 4']);
    assert.ok(server.commands[0]!.includes(shellQuote(log)), server.commands[0]);
    run.stop();
    assert.equal(await run.done, null, 'tail was stopped, not finished');
    client.end();
  });

  it('quotes anything a shell would interpret', async () => {
    const { target } = await setup();
    const client = await connectSsh(target);
    const nasty = `$(echo pwned) \`id\` 'quoted' "double" ; rm -rf /nope | cat`;
    const lines: string[] = [];
    const run = await execLines(client, scriptCommand('printf "%s\\n" "$1"', [nasty]), (l) => lines.push(l));
    assert.equal(await run.done, 0);
    assert.deepEqual(lines, [nasty]);
    client.end();
  });

  it('makes test keys that ssh2 always parses (its own ed25519 generator makes an unparsable one about 1 in 300)', () => {
    const unparsable = Array.from({ length: 2000 }, newPrivateKey).filter((key) => ssh2.utils.parseKey(key) instanceof Error);
    assert.deepEqual(unparsable, []);
  });
});
