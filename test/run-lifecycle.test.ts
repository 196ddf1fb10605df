/**
 * `squall run` as a user drives it from a terminal: it ends right after its summary, a Ctrl-C (SIGINT to the whole
 * process group, as a terminal sends it) drains cleanly, a second one stops at once, and nothing is left behind:
 * no component process, no temporary folder.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { temporaryFolder } from '../src/process/cleanup.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
/** Process groups started here: a failed test must not leave them running (they would keep this file alive). */
const groups: number[] = [];
after(() => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** `squall run …` in its own process group (as a shell starts a job), with a temp folder of its own. */
function startRun(...args: string[]) {
  const temp = temporaryFolder('squall-lifecycle-').path;
  const child = execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'run', ...args], {
    cwd: ROOT,
    env: { TMPDIR: temp },
    detached: true,
    reject: false,
  });
  groups.push(child.pid!);
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  const changed = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), changed()));
  child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), changed()));
  void child.then(changed);
  return {
    child,
    temp,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Wait until the output satisfies `condition` (the test's own timeout bounds the wait). */
    async until(condition: () => boolean): Promise<void> {
      while (!condition()) {
        if (child.exitCode !== null) throw new Error(`squall exited early:\n${stderr}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    /** What a terminal does on Ctrl-C: SIGINT to every process of the foreground group. */
    interrupt() {
      process.kill(-child.pid!, 'SIGINT');
    },
  };
}

/** Pids the components logged ("pid 1234"). */
const loggedPids = (stdout: string) => [...stdout.matchAll(/\] INFO pid (\d+)/g)].map((m) => Number(m[1]));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead; only nobody has reaped it yet.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every component process is gone (killed processes take a moment to disappear; the test timeout bounds this). */
async function allGone(pids: number[]): Promise<void> {
  while (pids.some(alive)) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('squall run, start to exit', () => {
  it('exits right after the summary, not a message timeout later', { timeout: 60_000 }, async () => {
    // A timeout of an hour: before the fix the process lingered that long after printing its summary.
    const run = startRun('test/topologies/interrupt.ts', '--time', '1', '-o', 'topology.message.timeout.secs=3600');
    const result = await run.child;
    assert.equal(result.exitCode, 0, run.stderr);
    assert.match(run.stdout, /summary after/);
    assert.deepEqual(readdirSync(run.temp), [], 'no squall-build-* or squall-pids-* folder left');
  });

  it('drains cleanly on one Ctrl-C to the whole process group and exits 0', { timeout: 60_000 }, async () => {
    const run = startRun('test/topologies/interrupt.ts');
    await run.until(() => loggedPids(run.stdout).length === 3 && /INFO acked 10/.test(run.stdout));
    run.interrupt();
    const result = await run.child;
    assert.doesNotMatch(run.stderr, /DIED/, 'no component died of the SIGINT');
    assert.equal(result.exitCode, 0, run.stderr);
    const spout = run.stdout.split('\n').find((line) => line.startsWith('ticks'))!;
    const [, , , emitted, acked, failed] = spout.trim().split(/\s+/);
    assert.ok(Number(emitted) > 0 && acked === emitted && failed === '0', `every tree acked: ${spout}`);
    await allGone(loggedPids(run.stdout));
    assert.deepEqual(readdirSync(run.temp), [], 'no temporary folder left');
  });

  it('stops at once on a second Ctrl-C, killing its components and removing its folders', { timeout: 60_000 }, async () => {
    // The bolt holds every tuple: the drain would wait the whole message timeout.
    const run = startRun('test/topologies/interrupt.ts', '-o', 'test.hold=true', '-o', 'topology.message.timeout.secs=3600');
    await run.until(() => loggedPids(run.stdout).length === 3 && /running "interrupt"/.test(run.stderr));
    run.interrupt();
    await run.until(() => /Ctrl-C again/.test(run.stderr));
    run.interrupt();
    const result = await run.child;
    assert.equal(result.exitCode, 130, run.stderr);
    assert.match(run.stderr, /stopped at once/);
    await allGone(loggedPids(run.stdout));
    assert.deepEqual(readdirSync(run.temp), [], 'no temporary folder left');
  });

  it('refuses a shell component whose script is missing, as `squall jar` does', { timeout: 60_000 }, async () => {
    const run = startRun('test/topologies/missing-script.ts', '--time', '1');
    const result = await run.child;
    assert.equal(result.exitCode, 1);
    assert.match(run.stderr, /resource "no_such_script\.py" does not exist/);
    assert.doesNotMatch(run.stderr, /DIED|running "/, 'nothing was started');
    assert.deepEqual(readdirSync(run.temp), [], 'no temporary folder left');
  });

  it('exits 1 at once when the --ui port is taken, before bundling or starting anything', { timeout: 60_000 }, async () => {
    const holder = await listen(0);
    try {
      const port = (holder.address() as { port: number }).port;
      // --time 3600: before the fix the run went on (ignoring --time), and only a second Ctrl-C ended it.
      const run = startRun('test/topologies/interrupt.ts', '--ui', String(port), '--time', '3600');
      const result = await run.child;
      assert.equal(result.exitCode, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`--ui ${port}: that port is in use; pick another \\(or 0 for any free port\\)`));
      assert.doesNotMatch(run.stderr + run.stdout, /bundling|running "|INFO pid/, 'nothing was bundled or started');
      assert.deepEqual(readdirSync(run.temp), [], 'no temporary folder left');
    } finally {
      holder.close();
    }
  });

  it('takes the bare --ui as port 8080 and refuses it the same way when 8080 is taken', { timeout: 60_000 }, async () => {
    // 8080 is a Storm UI's own port: hold it here, unless something else already does (taken either way).
    const holder = await listen(8080).catch(() => undefined);
    try {
      const run = startRun('test/topologies/interrupt.ts', '--ui', '--time', '3600');
      const result = await run.child;
      assert.equal(result.exitCode, 1, run.stderr);
      assert.match(run.stderr, /--ui 8080: that port is in use/);
      assert.doesNotMatch(run.stderr, /running "/);
    } finally {
      holder?.close();
    }
  });

  it('drains on the first Ctrl-C with --ui serving, and exits 0', { timeout: 60_000 }, async () => {
    const run = startRun('test/topologies/interrupt.ts', '--ui', '0');
    await run.until(() => /Storm UI REST API at http:\/\/127\.0\.0\.1:\d+/.test(run.stderr) && /INFO acked 10/.test(run.stdout));
    run.interrupt();
    const result = await run.child;
    assert.equal(result.exitCode, 0, run.stderr);
    assert.match(run.stdout, /summary after/);
    assert.deepEqual(readdirSync(run.temp), [], 'no temporary folder left');
  });

  it('stops at start with exit 1 when a task cannot start at all, naming it and the fix', { timeout: 60_000 }, async () => {
    // --time 3600: before the fix the run went on without the task, and its stop waited out the message timeout.
    const run = startRun('test/topologies/unstartable.ts', '--time', '3600');
    const result = await run.child;
    assert.equal(result.exitCode, 1, run.stderr);
    assert.match(
      run.stderr,
      /squall: "unstartable" cannot run: bolt "ghost" \(task \d+\) cannot start "no-such-interpreter": command not found\. Install the command, or fix it in the topology/,
    );
    assert.doesNotMatch(run.stdout, /summary after/);
    assert.deepEqual(readdirSync(run.temp), [], 'no temporary folder left');
  });

  it('says while it drains which trees it waits for, where they are, and how long at most', { timeout: 60_000 }, async () => {
    const run = startRun('test/topologies/interrupt.ts', '--time', '1', '-o', 'test.hold=true', '-o', 'topology.message.timeout.secs=4');
    const result = await run.child;
    assert.equal(result.exitCode, 0, run.stderr);
    // Not a terminal here: plain lines.
    assert.match(
      run.stderr,
      /^squall: stopping, at most [1-5]s more: waiting for \d+ tuple trees to complete or time out \(topology\.message\.timeout\.secs=4\); pass:\d+ holds \d+; pass:\d+ holds \d+$/m,
    );
    assert.doesNotMatch(run.stderr, /\r/);
  });

  it('names a bolt the heartbeat timeout killed as what the drain waits for', { timeout: 60_000 }, async () => {
    // The bolt blocks its process on its first tuple, answering no heartbeat: killed after 1s, its trees lost.
    const run = startRun(
      'test/topologies/interrupt.ts',
      '--time', '4',
      '-o', 'test.block=true',
      '-o', 'topology.subprocess.timeout.secs=1',
      '-o', 'topology.message.timeout.secs=8',
    );
    const result = await run.child;
    assert.equal(result.exitCode, 1, 'a task died');
    assert.match(run.stderr, /\[pass:\d+\] DIED subprocess heartbeat timeout: no message for more than 1s/);
    assert.match(
      run.stderr,
      /^squall: stopping, at most \d+s more: waiting for \d+ tuple trees to complete or time out \(topology\.message\.timeout\.secs=8\).*; pass:\d+ died holding \d+ \(subprocess heartbeat timeout: no message for more than 1s\): those can only time out/m,
    );
  });

  it('titles each component process "squall TOPOLOGY COMPONENT task N", as ps shows it', { timeout: 60_000 }, async () => {
    const run = startRun('test/topologies/interrupt.ts');
    await run.until(() => loggedPids(run.stdout).length === 3);
    const tasks = [...run.stdout.matchAll(/\[(\w+):(\d+)\] INFO pid (\d+)/g)].map(([, component, task, pid]) => ({ component, task, pid: Number(pid) }));
    assert.deepEqual(tasks.map((t) => t.component).sort(), ['pass', 'pass', 'ticks']);
    for (const { component, task, pid } of tasks) {
      // What ps prints: the command line, NUL-separated, padded with NULs where the title is shorter.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '');
      assert.equal(cmdline, `squall interrupt ${component} task ${task}`);
    }
    run.interrupt();
    assert.equal((await run.child).exitCode, 0, run.stderr);
  });

  it('refuses a bolt subscribed twice to one stream, before starting anything (run) or building anything (jar)', { timeout: 60_000 }, async () => {
    const refused = /bolt "tally" subscribes twice to stream "default" of "words": Storm keeps one grouping per stream \(the second would replace the first\), so keep one subscription/;
    // Before the fix, squall run started it and delivered every tuple twice.
    const run = startRun('test/topologies/double-subscription.ts', '--time', '1');
    assert.equal((await run.child).exitCode, 1);
    assert.match(run.stderr, refused);
    assert.doesNotMatch(run.stderr + run.stdout, /running "|summary/);
    const out = join(run.temp, 'out.jar');
    const jar = await execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'jar', 'test/topologies/double-subscription.ts', '-o', out], {
      cwd: ROOT,
      env: { TMPDIR: run.temp },
      reject: false,
    });
    assert.equal(jar.exitCode, 1);
    assert.match(jar.stderr, refused);
    assert.ok(!readdirSync(run.temp).includes('out.jar'), 'no JAR written');
  });

  it('summary: "-" for a mean of nothing, the timed-out count, and no word of unreliable tuples when there were none', { timeout: 60_000 }, async () => {
    // The bolt never acks: every tree times out, nothing completes.
    const run = startRun('test/topologies/interrupt.ts', '--time', '1', '-o', 'test.hold=true', '-o', 'topology.message.timeout.secs=2');
    const result = await run.child;
    assert.equal(result.exitCode, 0, run.stderr);
    assert.match(run.stdout, /^component\s+kind\s+tasks\s+emitted\s+acked\s+failed\s+timed out\s+executed\s+mean latency\s+deaths$/m);
    const row = (name: string) => run.stdout.split('\n').find((line) => line.startsWith(name))!.trim().split(/\s+/);
    const [, , , emitted, acked, failed, timedOut, executed, latency] = row('ticks');
    assert.ok(Number(emitted) > 0);
    assert.equal(acked, '0');
    assert.equal(failed, emitted, 'every tree failed');
    assert.equal(timedOut, failed, 'each of them by the message timeout');
    assert.equal(executed, '-');
    assert.equal(latency, '-', 'no tree completed: no mean latency');
    assert.deepEqual(row('pass').slice(6, 9), ['-', '0', '-'], 'the bolt finished nothing: no mean latency');
    assert.match(run.stdout, /^discarded at stop: \d+ tuples still queued or unacked in bolts \(pass \d+\)/m);
    assert.doesNotMatch(run.stdout, /unreliable/, 'every tuple was reliable');
  });
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
