/**
 * `squall run` as a user drives it from a terminal: it ends right after its summary, a Ctrl-C (SIGINT to the whole
 * process group, as a terminal sends it) drains cleanly, a second one stops at once, and nothing is left behind:
 * no component process, no temporary folder.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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
});
