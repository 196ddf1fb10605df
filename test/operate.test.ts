/**
 * The operate commands end to end: the real CLI in a child process, against the test Nimbus (framed binary
 * Thrift, decoded independently), directly and through an SSH tunnel from the test SSH server, plus the UI
 * test server for stats and worker logs read over SSH for tail.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { FakeNimbus } from './helpers/nimbus-server.js';
import { startSshServer } from './helpers/ssh-server.js';
import type { TestSshServer } from './helpers/ssh-server.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { startUiServer, wordcountFixture } from './helpers/ui-server.js';
import type { UiServer } from './helpers/ui-server.js';
import { temporaryFolder } from '../src/process/cleanup.js';
import { withCluster } from '../src/cluster/access.js';
import { submitProject } from '../src/deploy/submit.js';
import { stderrSubmitProgress } from '../src/cli/progress.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const WORDCOUNT = join(ROOT, 'examples', 'wordcount');

/** A project folder with config.json, and a HOME whose known_hosts trusts the test SSH server. */
function project(envs: Record<string, unknown>, knownHosts = ''): { cwd: string; home: string } {
  const cwd = temporaryFolder('squall-project-').path;
  writeFileSync(join(cwd, 'config.json'), JSON.stringify({ envs }, null, 2));
  const home = temporaryFolder('squall-home-').path;
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh', 'known_hosts'), knownHosts);
  return { cwd, home };
}

function squall(where: { cwd: string; home: string }, ...args: string[]) {
  return execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], {
    cwd: where.cwd,
    env: { HOME: where.home, SSH_AUTH_SOCK: '', SQUALL_NIMBUS: '' },
    extendEnv: true,
    reject: false,
    timeout: 60_000,
  });
}

describe('operating a cluster directly', () => {
  let nimbus: FakeNimbus;
  let where: { cwd: string; home: string };
  before(async () => {
    nimbus = await FakeNimbus.start();
    where = project({ local: { nimbus: nimbus.address, use_ssh_for_nimbus: false, options: { 'topology.workers': 2, 'topology.debug': false } } });
  });
  after(() => nimbus.close());

  it('submits wordcount: JAR uploaded, topology decoded component by component, config precedence kept', async () => {
    const result = await squall(where, 'submit', WORDCOUNT, '-o', 'topology.debug=true');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`submitted wordcount to ${nimbus.address} \\(local\\), ACTIVE`));
    assert.deepEqual(nimbus.protocolErrors, []);
    const submitted = nimbus.submitted.at(-1)!;
    const conf = JSON.parse(submitted.jsonConf);
    assert.equal(conf['topology.workers'], 2, 'environment option');
    assert.equal(conf['topology.max.spout.pending'], 200, 'topology config');
    assert.equal(conf['topology.debug'], true, 'command line beats the environment');
    const count = submitted.bolts.find((b) => b.id === 'count')!;
    assert.deepEqual(count.object, { kind: 'shell', command: 'node', script: 'squall-topology.mjs' });
    assert.deepEqual(count.inputs, [{ componentId: 'split', streamId: 'default', grouping: { type: 'fields', fields: ['word'] } }]);
    assert.equal(count.jsonConf?.['topology.tick.tuple.freq.secs'], 2);
    const jar = nimbus.uploads.get(submitted.uploadedJarLocation)!.bytes();
    assert.equal(jar.subarray(0, 2).toString(), 'PK', 'a zip (JAR) was uploaded');
  });

  it('submits with -p and --tasks overriding the topology, as a doctor plan needs', async () => {
    const result = await squall(where, 'submit', WORDCOUNT, '-n', 'wordcount-scaled', '-p', 'count=3', '--tasks', 'count=6', '-p', 'split=4');
    assert.equal(result.exitCode, 0, result.stderr);
    const submitted = nimbus.submitted.at(-1)!;
    const count = submitted.bolts.find((b) => b.id === 'count')!;
    assert.equal(count.parallelismHint, 3);
    assert.equal(count.jsonConf?.['topology.tasks'], 6);
    const split = submitted.bolts.find((b) => b.id === 'split')!;
    assert.equal(split.parallelismHint, 4);
    assert.equal(split.jsonConf?.['topology.tasks'], 4, 'tasks follow the executors when the topology did not set them apart');
    const unknown = await squall(where, 'submit', WORDCOUNT, '-n', 'wordcount-x', '-p', 'counter=3');
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.stderr, /-p counter=…: the topology has no component "counter" \(it has sentences, split, count\)/);
  });

  it('refuses a second submit with what to do, and --force replaces the running topology', async () => {
    const again = await squall(where, 'submit', WORDCOUNT);
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /already running: kill it \(squall kill wordcount\) or submit with --force/);
    const forced = await squall(where, 'submit', WORDCOUNT, '--force', '--wait', '0');
    assert.equal(forced.exitCode, 0, forced.stderr);
    assert.match(forced.stderr, /killing the running wordcount/);
  });

  it('submit --force refuses an invalid topology before killing the running one', async () => {
    assert.ok(nimbus.topologies.has('wordcount'), 'wordcount runs (submitted above)');
    const calls = nimbus.calls.length;
    const invalid = join(ROOT, 'test', 'topologies', 'double-subscription.ts');
    const forced = await squall(where, 'submit', invalid, '-n', 'wordcount', '--force', '--wait', '0');
    assert.equal(forced.exitCode, 1);
    assert.match(forced.stderr, /bolt "tally" subscribes twice to stream "default" of "words": Storm keeps one grouping per stream/);
    assert.doesNotMatch(forced.stderr, /killing/);
    assert.deepEqual(nimbus.calls.slice(calls), [], 'Nimbus was not even asked: nothing killed, nothing uploaded');
    assert.equal(nimbus.topologies.get('wordcount')?.status, 'ACTIVE', 'the running topology stays');
  });

  it('lists, deactivates, activates, rebalances and kills by name', async () => {
    const list = await squall(where, 'list');
    assert.match(list.stdout, /^name\s+status/m);
    assert.match(list.stdout, /^wordcount\s+ACTIVE/m);
    assert.equal((await squall(where, 'deactivate', 'wordcount')).exitCode, 0);
    assert.equal(nimbus.topologies.get('wordcount')!.status, 'INACTIVE');
    assert.equal((await squall(where, 'activate', 'wordcount')).exitCode, 0);
    assert.equal(nimbus.topologies.get('wordcount')!.status, 'ACTIVE');
    const rebalance = await squall(where, 'rebalance', 'wordcount', '-p', 'count=2', '-w', '3', '--wait', '0');
    assert.equal(rebalance.exitCode, 0, rebalance.stderr);
    assert.deepEqual(nimbus.rebalances.at(-1), { name: 'wordcount', waitSecs: 0, numWorkers: 3, numExecutors: { count: 2 } });
    assert.equal((await squall(where, 'kill', 'wordcount', '--wait', '0')).exitCode, 0);
    const gone = await squall(where, 'kill', 'wordcount');
    assert.equal(gone.exitCode, 1);
    assert.match(gone.stderr, /no topology named "wordcount" is running \(squall list shows what is\)/);
  });

  it('works with --nimbus and no config.json', async () => {
    const bare = { cwd: temporaryFolder('squall-bare-').path, home: where.home };
    const result = await squall(bare, 'list', '--nimbus', nimbus.address, '--json');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(Array.isArray(JSON.parse(result.stdout)));
  });

  it('gives up on a silent Nimbus with a clear message', async () => {
    const silent = await FakeNimbus.start({ silent: true });
    try {
      const result = await squall({ cwd: where.cwd, home: where.home }, 'list', '--nimbus', silent.address, '--timeout', '1');
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, new RegExp(`${silent.address.replace(/\./g, '\\.')}`));
      assert.match(result.stderr, /time|answer/i);
    } finally {
      await silent.close();
    }
  });
});

describe('a submit whose upload Nimbus refuses', () => {
  it('ends the upload progress after the failure, as doctor --apply redeploys through the same path', async () => {
    const refusing = await FakeNimbus.start();
    refusing.authorize = (method) => (method === 'finishFileUpload' ? 'user bob may not upload' : undefined);
    const events: string[] = [];
    try {
      const submitting = withCluster({ nimbus: refusing.address }, (access) =>
        submitProject(access, WORDCOUNT, { force: false, inactive: false, option: {}, parallelism: {}, tasks: {}, concurrency: {}, bundleNode: false, typecheck: false }, {
          onUpload: (sent, total) => events.push(`upload ${sent === total ? 'all' : 'part'}`),
          onEnd: () => events.push('end'),
        }),
      );
      await assert.rejects(submitting, /user bob may not upload/);
      assert.deepEqual(events, ['upload all', 'end'], 'the upload was under way, then its display ended once');
      assert.equal(refusing.submitted.length, 0);
    } finally {
      await refusing.close();
    }
  });

  it("the CLI's upload bar gives the terminal back (cursor shown) when the submit ends part way", () => {
    const written: string[] = [];
    const { isTTY, write } = process.stderr;
    process.stderr.isTTY = true;
    process.stderr.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      const progress = stderrSubmitProgress();
      progress.onUpload!(307_200, 1_000_000);
      assert.match(written.join(''), /\x1b\[\?25l/, 'the bar hides the cursor while it shows');
      progress.onEnd!();
    } finally {
      process.stderr.isTTY = isTTY;
      process.stderr.write = write;
    }
    assert.match(written.join(''), /\x1b\[\?25h/, 'the cursor is shown again');
  });
});

describe('operating a cluster through SSH', () => {
  let nimbus: FakeNimbus;
  let ssh: TestSshServer;
  let ui: UiServer;
  let where: { cwd: string; home: string };
  let logs: string;
  before(async () => {
    nimbus = await FakeNimbus.start();
    ssh = await startSshServer();
    logs = temporaryFolder('squall-logs-').path;
    const dir = temporaryFolder('squall-key-').path;
    writeFileSync(join(dir, 'id'), ssh.clientPrivateKey, { mode: 0o600 });
    const tunnelEnv = {
      nimbus: `127.0.0.1:${nimbus.port}`,
      use_ssh_for_nimbus: true,
      ssh_port: ssh.port,
      user: 'storm',
      ssh_identity_file: join(dir, 'id'),
      workers: ['127.0.0.1'],
      log: { path: logs },
      ui: 0,
    };
    where = project({ tunnel: tunnelEnv }, `[127.0.0.1]:${ssh.port} ${ssh.hostPublicKey}\n`);
    ui = await startUiServer({ topologies: [wordcountFixture()] });
    tunnelEnv.ui = Number(new URL(ui.url).port);
    writeFileSync(join(where.cwd, 'config.json'), JSON.stringify({ envs: { tunnel: tunnelEnv } }));
  });
  after(async () => {
    await nimbus.close();
    await ssh.close();
    await ui.close();
  });

  it('submits and lists through the tunnel, and closes it afterwards', async () => {
    const submit = await squall(where, 'submit', WORDCOUNT, '-e', 'tunnel');
    assert.equal(submit.exitCode, 0, submit.stderr);
    const list = await squall(where, 'list', '-e', 'tunnel');
    assert.match(list.stdout, /^wordcount\s+ACTIVE/m);
    assert.ok(ssh.forwards.every((f) => f.host === 'localhost'), 'forwarded to the service on the SSH host itself');
    assert.ok(ssh.forwards.some((f) => f.port === nimbus.port));
    assert.equal(ssh.connections, 0, 'no SSH connection outlives the command');
  });

  it('reads stats from the Storm UI through the tunnel, and points to doctor for a verdict without the project', async () => {
    const stats = await squall(where, 'stats', 'wordcount', '-e', 'tunnel');
    assert.equal(stats.exitCode, 0, stats.stderr);
    assert.match(stats.stdout, /^count\s+bolt\s+2\s+8\b/m);
    assert.match(stats.stdout, /^verdict: squall doctor wordcount --topology PATH/m);
    assert.ok(ui.requests.some((r) => r.startsWith('/api/v1/topology/summary')));
  });

  it('tails worker logs on the worker hosts, prefixed with host:port, filtered by pattern', async () => {
    const id = nimbus.topologies.get('wordcount')!.id;
    for (const port of ['6700', '6701']) {
      mkdirSync(join(logs, 'workers-artifacts', id, port), { recursive: true });
      writeFileSync(join(logs, 'workers-artifacts', id, port, 'worker.log'), `INFO started ${port}\nERROR broke on ${port}\nINFO done ${port}\n`);
    }
    const tail = await squall(where, 'tail', 'wordcount', '-e', 'tunnel', '-n', '2', '--pattern', 'ERROR');
    assert.equal(tail.exitCode, 0, tail.stderr);
    assert.deepEqual(tail.stdout.trim().split('\n').sort(), ['127.0.0.1:6700 | ERROR broke on 6700', '127.0.0.1:6701 | ERROR broke on 6701']);
  });

  it("doctor reads the components' measurement lines from the worker logs over SSH", async () => {
    const id = nimbus.topologies.get('wordcount')!.id;
    const line = (component: string, task: number, executed: number, busySecs: number, emitted: Record<string, number>) =>
      `2026-11-26 14:00:00.000 o.a.s.t.ShellBolt Thread-1 [INFO] ShellLog pid:1, name:${component} squall.metrics ` +
      JSON.stringify({ v: 1, component, task, kind: component === 'sentences' ? 'spout' : 'bolt', at: 1_700_000_000_000, secs: 60, executed, busySecs, cpuSecs: busySecs / 2, emitted, concurrency: 1 });
    mkdirSync(join(logs, 'workers-artifacts', id, '6702'), { recursive: true });
    writeFileSync(
      join(logs, 'workers-artifacts', id, '6702', 'worker.log'),
      [
        'INFO an ordinary line',
        line('sentences', 7, 6000, 6, { default: 6000 }),
        line('split', 8, 3000, 3, { default: 18000 }),
        line('split', 9, 3000, 3, { default: 18000 }),
        line('count', 5, 18000, 9, {}),
        line('count', 6, 18000, 9, {}),
      ].join('\n') + '\n',
    );
    const doctor = await squall(where, 'doctor', 'wordcount', '-e', 'tunnel', '--topology', WORDCOUNT, '--json');
    assert.equal(doctor.exitCode, 0, doctor.stderr);
    const report = JSON.parse(doctor.stdout);
    // Measured from the logs, not the UI's counts; the UI's task counts (4 and 8) show who sent none.
    assert.deepEqual(report.coarse, ['split: 2 of 4 tasks sent measurements; the others are assumed alike', 'count: 2 of 8 tasks sent measurements; the others are assumed alike']);
    const split = report.figures.components.find((c: { id: string }) => c.id === 'split');
    assert.equal(split.serviceSecs, 0.001);
    assert.equal(split.emitsPerTuple.default, 6);
    assert.equal(report.rate, 100);
  });

  it('follows logs with -f until Ctrl-C, then closes every SSH connection', async () => {
    const id = nimbus.topologies.get('wordcount')!.id;
    const log = join(logs, 'workers-artifacts', id, '6700', 'worker.log');
    const child = execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'tail', 'wordcount', '-e', 'tunnel', '-f', '-n', '1'], {
      cwd: where.cwd,
      env: { HOME: where.home, SSH_AUTH_SOCK: '', SQUALL_NIMBUS: '' },
      reject: false,
    });
    const seen: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => seen.push(...chunk.toString().split('\n').filter(Boolean)));
    const waitFor = async (test: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(test(), `timed out waiting for ${what}; saw ${JSON.stringify(seen)}`);
    };
    await waitFor(() => seen.length >= 2, 'the last line of each log');
    writeFileSync(log, 'INFO a new line while following\n', { flag: 'a' });
    await waitFor(() => seen.includes('127.0.0.1:6700 | INFO a new line while following'), 'the appended line');
    child.kill('SIGINT');
    const result = await child;
    assert.equal(result.exitCode, 130, 'stopped by Ctrl-C');
    await waitFor(() => ssh.connections === 0, 'SSH connections to close');
  });

  it('refuses an SSH host it does not know, saying how to trust it', async () => {
    const stranger = project({ tunnel: JSON.parse(JSON.stringify({ nimbus: `127.0.0.1:${nimbus.port}`, use_ssh_for_nimbus: true, ssh_port: ssh.port, user: 'storm' })) });
    const result = await squall(stranger, 'list', '-e', 'tunnel');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /unknown SSH host key for \[127\.0\.0\.1\]:\d+/);
    assert.match(result.stderr, /ssh-keyscan -p \d+ 127\.0\.0\.1/);
  });
});
