/**
 * `squall ui -e ENV`: the dashboard of a topology on a cluster, fed by the same collection as `squall doctor` (the
 * Storm UI stand-in's pages, and the measurement lines read from the worker logs over the test SSH server; the
 * test Nimbus says where the topology runs). The real CLI in a child process, its page in headless Chromium.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import type { DashUpdate } from '../src/dashboard/types.js';
import type { TaskMetrics } from '../src/wire/metrics-line.js';
import { CHROMIUM, openChromium, watchProblems } from './helpers/chromium.js';
import { servedUrl } from './helpers/served.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { FakeNimbus, type SubmittedTopology } from './helpers/nimbus-server.js';
import { startSshServer, type TestSshServer } from './helpers/ssh-server.js';
import { startUiServer, wordcountFixture, type UiServer } from './helpers/ui-server.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const SQUALL = join(ROOT, 'bin', 'squall.js');
const ID = 'wordcount-7-1700000000';

/** split's four tasks, busy 30, 30, 30 and 48 of 60 s: the busiest at 0.8, the least at 0.5. */
const SPLIT_BUSY = [30, 30, 30, 48];

function metricsLine(component: string, task: number, busySecs: number): string {
  const m: TaskMetrics = { v: 1, component, task, kind: 'bolt', at: 1_700_000_060_000, secs: 60, executed: 600, busySecs, cpuSecs: busySecs / 2, emitted: { default: 3000 }, concurrency: 1 };
  return `2026-11-26 14:00:00.000 o.a.s.t.ShellBolt Thread-1 [INFO] ShellLog pid:${task}, name:${component} squall.metrics ${JSON.stringify(m)}`;
}

describe('squall ui -e ENV on a cluster', () => {
  let nimbus: FakeNimbus;
  let ssh: TestSshServer;
  let ui: UiServer;
  let run: ResultPromise;
  let url: string;
  let logFile: string;
  let record: string;
  const dirs: string[] = [];

  before(async () => {
    [nimbus, ssh, ui] = await Promise.all([FakeNimbus.start(), startSshServer(), startUiServer({ topologies: [wordcountFixture(ID)] })]);
    // Nimbus runs the topology the UI shows (as a submit would have left it).
    nimbus.topologies.set('wordcount', {
      id: ID,
      name: 'wordcount',
      status: 'ACTIVE',
      conf: {},
      numTasks: 14,
      numExecutors: 5,
      numWorkers: 2,
      launchedAt: Date.now(),
      submitted: { spouts: [], bolts: [] } as unknown as SubmittedTopology,
    });
    const [logs, cwd, home] = ['squall-logs-', 'squall-project-', 'squall-home-'].map((p) => mkdtempSync(join(tmpdir(), p))) as [string, string, string];
    dirs.push(logs, cwd, home);
    mkdirSync(join(logs, 'workers-artifacts', ID, '6700'), { recursive: true });
    logFile = join(logs, 'workers-artifacts', ID, '6700', 'worker.log');
    record = join(cwd, 'readings.ndjson');
    writeFileSync(logFile, ['INFO started', ...SPLIT_BUSY.map((busy, i) => metricsLine('split', i + 1, busy))].join('\n') + '\n');
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${ssh.port} ${ssh.hostPublicKey}\n`);
    writeFileSync(join(home, 'id'), ssh.clientPrivateKey, { mode: 0o600 });
    const env = {
      nimbus: nimbus.address,
      use_ssh_for_nimbus: false,
      ssh_port: ssh.port,
      user: 'storm',
      ssh_identity_file: join(home, 'id'),
      workers: ['127.0.0.1'],
      log: { path: logs },
      ui: Number(new URL(ui.url).port),
    };
    writeFileSync(join(cwd, 'config.json'), JSON.stringify({ envs: { prod: env } }));
    run = execa(process.execPath, [SQUALL, 'ui', 'wordcount', '-e', 'prod', '--topology', join(ROOT, 'examples', 'wordcount'), '--port', '0', '--every', '1', '--record', record], {
      cwd,
      env: { HOME: home, SSH_AUTH_SOCK: '', SQUALL_NIMBUS: '' },
      extendEnv: true,
      reject: false,
    });
    url = await servedUrl(run, /dashboard of wordcount at (http:\/\/127\.0\.0\.1:\d+)\//);
  });

  after(async () => {
    run?.kill('SIGTERM');
    await run;
    await Promise.all([nimbus?.close(), ssh?.close(), ui?.close()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("reads the UI and the worker logs as doctor does: true utilization per task, and where each task runs", async () => {
    const { state } = (await (await fetch(`${url}/dashboard/state`)).json()) as DashUpdate;
    assert.equal(state.id, ID);
    assert.deepEqual(state.components.map((c) => c.id).sort(), ['count', 'sentences', 'split']);
    const split = state.components.find((c) => c.id === 'split')!;
    assert.equal(split.measured, true);
    assert.deepEqual(split.taskRows.map((t) => t.task), [1, 2, 3, 4]);
    assert.deepEqual(split.taskRows.map((t) => t.utilization), SPLIT_BUSY.map((b) => b / 60));
    assert.equal(split.utilization, 0.8);
    assert.equal(split.minUtilization, 0.5);
    // The UI's counts over its window: 12000 executed in 600 s.
    assert.equal(split.executedPerSec, 20);
    const count = state.components.find((c) => c.id === 'count')!;
    assert.equal(count.measured, false, 'no lines from count: its figures are the UI counts, and the page says so');
    assert.ok(state.coarse.some((line) => line.startsWith('count:')));
    assert.equal(count.taskRows.find((t) => t.task === 9)!.host, '10.0.0.6:6701');
    // A change on a cluster is a redeploy through submit --force, named with the environment.
    const command = (await (await fetch(`${url}/dashboard/command?change=${encodeURIComponent(JSON.stringify({ tasks: { split: 8 } }))}`)).json()) as { command: string };
    assert.match(command.command, /^squall submit \S+ -e prod --force .*--tasks split=8/);
  });

  it('refuses what it does not serve, and changes nothing', async () => {
    const post = await fetch(`${url}/`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal((await fetch(`${url}/api/v1/topology/summary`)).status, 404);
    const bad = await fetch(`${url}/dashboard/command?change=${encodeURIComponent(JSON.stringify({ tasks: { nosuch: 2 } }))}`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /no component "nosuch"/);
    assert.deepEqual(nimbus.rebalances, []);
    assert.ok(!nimbus.calls.some((c) => /submit|kill|rebalance|activate/i.test(c.method)), nimbus.calls.map((c) => c.method).join(', '));
  });

  it('draws the page in headless Chromium with no console error', { skip: CHROMIUM ? false : 'no chromium here: apt-get install -y chromium' }, async () => {
    const browser = await openChromium(CHROMIUM!);
    try {
      const page = await browser.context.newPage();
      const problems = watchProblems(page);
      await page.goto(`${url}/`);
      await page.waitForFunction(() => document.querySelectorAll('#graph .node').length === 3);
      assert.equal(Number(await page.getAttribute('#graph .node[data-component="split"]', 'data-utilization')), 0.8);
      await page.click('#graph .node[data-component="split"]');
      assert.equal((await page.$$('#tasks tr[data-task]')).length, 4);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  it("what-if: doctor's plan from `squall doctor -e prod --json`, entered in the page, predicts doctor's throughput", { skip: CHROMIUM ? false : 'no chromium here: apt-get install -y chromium' }, async () => {
    // The stand-ins' figures hold still, so doctor and the dashboard read the very same ones.
    const [, cwd, home] = dirs as [string, string, string];
    const doctor = await execa(process.execPath, [SQUALL, 'doctor', 'wordcount', '-e', 'prod', '--topology', join(ROOT, 'examples', 'wordcount'), '--json', '--target', '500'], {
      cwd,
      env: { HOME: home, SSH_AUTH_SOCK: '', SQUALL_NIMBUS: '' },
      extendEnv: true,
      reject: false,
    });
    assert.equal(doctor.exitCode, 0, doctor.stderr);
    const report = JSON.parse(doctor.stdout) as {
      plan: {
        target: number;
        components: Array<{ id: string; tasks: { planned: number }; concurrency: { planned: number } }>;
        maxSpoutPending: { planned: number | null };
        predicted: { rate: number };
      };
    };
    const browser = await openChromium(CHROMIUM!);
    try {
      const page = await browser.context.newPage();
      const problems = watchProblems(page);
      await page.goto(`${url}/`);
      await page.waitForSelector('#what-if input[data-tasks="split"]');
      for (const c of report.plan.components) {
        await page.fill(`#what-if input[data-tasks="${c.id}"]`, String(c.tasks.planned));
        if (c.id !== 'sentences') await page.fill(`#what-if input[data-concurrency="${c.id}"]`, String(c.concurrency.planned));
      }
      await page.fill('#what-if-pending', report.plan.maxSpoutPending.planned === null ? '' : String(report.plan.maxSpoutPending.planned));
      await page.fill('#what-if-offered', String(report.plan.target));
      const predicted = Number(await page.getAttribute('#what-if-summary', 'data-predicted-rate'));
      assert.ok(report.plan.predicted.rate > 0);
      assert.equal(predicted, report.plan.predicted.rate);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });

  it('--ui URL reads a Storm UI alone: no measurements, so every figure is coarse and the page says why', async () => {
    const child = execa(process.execPath, [SQUALL, 'ui', 'wordcount', '--ui', ui.url, '--topology', join(ROOT, 'examples', 'wordcount'), '--port', '0'], { reject: false });
    try {
      const at = await servedUrl(child, /dashboard of wordcount at (http:\/\/127\.0\.0\.1:\d+)\//);
      const { state } = (await (await fetch(`${at}/dashboard/state`)).json()) as DashUpdate;
      assert.ok(state.components.every((c) => !c.measured));
      assert.match(state.coarse.find((line) => line.startsWith('split:'))!, /Storm UI counts only/);
      assert.equal(state.components.find((c) => c.id === 'split')!.executedPerSec, 20);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  });

  it('a topology the cluster does not run is an error before anything is served', async () => {
    const result = await execa(process.execPath, [SQUALL, 'ui', 'nosuch', '--ui', ui.url, '--topology', join(ROOT, 'examples', 'wordcount'), '--port', '0'], { reject: false });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /no topology named "nosuch" .*running: wordcount/);
  });

  it('--record writes every reading; --replay shows the figures as they were at a chosen moment', async () => {
    const utilizations = (): number[] =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .trim()
            .split('\n')
            .map((line) => (JSON.parse(line) as { state: DashUpdate['state'] }).state.components.find((c) => c.id === 'split')!.utilization!)
        : [];
    for (let i = 0; i < 100 && utilizations().length < 2; i++) await sleep(100);
    assert.ok(utilizations().length >= 2, 'a record per reading, while no page is open');
    // The workers log another interval: task 4 now busy 48 + 54 of 120 s.
    appendFileSync(logFile, metricsLine('split', 4, 54) + '\n');
    for (let i = 0; i < 100 && utilizations().at(-1)! < 0.84; i++) await sleep(100);
    const seen = utilizations();
    assert.equal(seen[0], 0.8);
    assert.ok(Math.abs(seen.at(-1)! - 0.85) < 1e-12, `last ${seen.at(-1)}`);

    const replay = execa(process.execPath, [SQUALL, 'ui', '--replay', record, '--port', '0'], { reject: false });
    try {
      const at = await servedUrl(replay, /replay of .* at (http:\/\/127\.0\.0\.1:\d+)\//);
      const first = (await (await fetch(`${at}/dashboard/replay`)).json()) as { moments: number[] };
      assert.ok(first.moments.length >= seen.length, 'every reading recorded (and the recording goes on)');
      const then = (await (await fetch(`${at}/dashboard/state?at=${first.moments[0]}`)).json()) as DashUpdate;
      assert.equal(then.state.components.find((c) => c.id === 'split')!.utilization, 0.8);
      if (!CHROMIUM) return;
      const browser = await openChromium(CHROMIUM);
      try {
        const page = await browser.context.newPage();
        const problems = watchProblems(page);
        await page.goto(`${at}/`);
        const split = () => page.getAttribute('#graph .node[data-component="split"]', 'data-utilization');
        await page.waitForFunction(() => document.querySelectorAll('#graph .node').length === 3);
        // The slider starts at the newest moment; move it to the first.
        await page.waitForFunction(() => Number(document.querySelector('#graph .node[data-component="split"]')?.getAttribute('data-utilization')) > 0.84);
        await page.$eval('#moment', (input) => {
          (input as HTMLInputElement).value = '0';
          input.dispatchEvent(new Event('input'));
        });
        await page.waitForFunction(() => document.querySelector('#graph .node[data-component="split"]')?.getAttribute('data-utilization') === '0.8');
        assert.equal(await split(), '0.8');
        assert.match((await page.textContent('#moment-label')) ?? '', new RegExp(`^${new Date(first.moments[0]!).toISOString().slice(0, 19).replace('T', ' ')} UTC \\(1 of`));
        assert.deepEqual(problems, []);
      } finally {
        await browser.close();
      }
    } finally {
      replay.kill('SIGTERM');
      await replay;
    }
  });

  it('--replay of a file that is no recording says so and serves nothing', async () => {
    const bad = join(dirs[1]!, 'not-a-record.ndjson');
    writeFileSync(bad, '{"hello": 1}\n');
    const result = await execa(process.execPath, [SQUALL, 'ui', '--replay', bad, '--port', '0'], { reject: false });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /line 1 is not a dashboard record .*squall ui --record/);
  });
});
