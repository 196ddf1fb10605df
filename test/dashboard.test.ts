/**
 * The dashboard of `squall run --ui`, in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the page draws every component, its figures are the REST API's, clicking a bolt lists its tasks, and the page
 * logs no error. It also takes the README's screenshot: into a temporary folder it removes (a test run leaves the
 * checkout clean), or over docs/dashboard.png when SQUALL_UPDATE_SCREENSHOT=1 asks for it:
 *   SQUALL_UPDATE_SCREENSHOT=1 node --test dist/test/dashboard.test.js
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, openChromium, skipWithoutChromium as skip, watchProblems } from './helpers/chromium.js';
import { servedUrl } from './helpers/served.js';
import { currentRate, sourcesLimit } from '../src/doctor/model.js';
import { plan } from '../src/doctor/plan.js';
import type { DashUpdate } from '../src/dashboard/types.js';
import type { TaskMetrics } from '../src/wire/metrics-line.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SQUALL = join(ROOT, 'bin', 'squall.js');
/** Only an explicit ask rewrites the committed screenshot. */
const UPDATE_SCREENSHOT = process.env.SQUALL_UPDATE_SCREENSHOT === '1';

/** Start `squall run … --ui 0` and resolve its REST API's URL once it serves. */
async function runWithUi(args: string[]): Promise<{ url: string; run: ResultPromise }> {
  const run = execa(process.execPath, [SQUALL, 'run', ...args, '--ui', '0'], { cwd: ROOT, reject: false });
  return { url: await servedUrl(run, /Storm UI REST API at (http:\/\/127\.0\.0\.1:\d+)/), run };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return (await res.json()) as T;
}

interface RestBolt {
  boltId: string;
  executed: number;
}
interface RestTopology {
  uptimeSeconds: number;
  bolts: RestBolt[];
  spouts: Array<{ spoutId: string; acked: number }>;
}

/** The utilization doctor takes from one measurement line of a synchronous task: busy (or CPU) seconds per second. */
const lineUtilization = (m: TaskMetrics): number => Math.max(m.busySecs, m.cpuSecs) / m.secs / Math.max(1, m.concurrency);

describe('the dashboard of squall run --ui, in headless Chromium', { skip }, () => {
  let url: string;
  let id: string;
  let run: ResultPromise;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let problems: string[] = [];
  let screenshotDir: string | undefined;

  before(async () => {
    ({ url, run } = await runWithUi(['examples/wordcount', '--time', '90']));
    id = (await getJson<{ topologies: Array<{ id: string }> }>(`${url}/api/v1/topology/summary`)).topologies[0]!.id;
    browser = await openChromium(CHROMIUM as string);
    page = await browser.context.newPage();
    problems = watchProblems(page);
    await page.goto(url);
  });

  after(async () => {
    await browser?.close();
    run?.kill('SIGINT');
    await run;
    if (screenshotDir) rmSync(screenshotDir, { recursive: true, force: true });
  });

  it('draws every component of the topology and every edge with its grouping', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#graph .node').length === 3, null, { timeout: 30_000 });
    const ids = await page.$$eval('#graph .node', (nodes) => nodes.map((n) => n.getAttribute('data-component')));
    assert.deepEqual(ids.sort(), ['count', 'sentences', 'split']);
    const edges = await page.$$eval('#graph .edge', (nodes) => nodes.map((n) => `${n.getAttribute('data-from')}>${n.getAttribute('data-to')}: ${n.textContent}`));
    assert.equal(edges.length, 2);
    assert.match(edges.find((e) => e.startsWith('sentences>split'))!, /shuffle · [\d.]+\/s/);
    assert.match(edges.find((e) => e.startsWith('split>count'))!, /fields · [\d.]+\/s/);
  });

  it('clicking a bolt lists its tasks, each with its utilization and where it runs', async () => {
    await page.click('#graph .node[data-component="split"]');
    await page.waitForSelector('#tasks[data-component="split"] tr[data-task]');
    const tasks = await page.$$eval('#tasks tr[data-task]', (rows) => rows.map((r) => r.getAttribute('data-task')));
    const page_ = await getJson<{ executorStats: Array<{ id: string }> }>(`${url}/api/v1/topology/${id}/component/split`);
    assert.deepEqual(tasks, page_.executorStats.map((e) => /\[(\d+)-/.exec(e.id)![1]), 'one row per task the UI lists');
    assert.match((await page.textContent('#tasks')) ?? '', /localhost:6700/);
  });

  it('shows the true utilization the tasks measured, as the REST API serves the measurements', async () => {
    // Wait for the split tasks' measurements (every 5 s with --ui), then compare row by row with the line of the
    // same task and interval: the page and the API may be a reading apart, so retry until they show the same one.
    let compared = 0;
    for (let attempt = 0; attempt < 60 && compared === 0; attempt++) {
      const rows = await page.$$eval('#tasks tr[data-task]', (trs) =>
        trs.map((r) => ({ task: Number(r.getAttribute('data-task')), util: r.getAttribute('data-utilization'), at: r.getAttribute('data-measured-at') })),
      );
      const { metrics } = await getJson<{ metrics: TaskMetrics[] }>(`${url}/api/v1/topology/${id}/squall/metrics`);
      const same = rows.map((r) => ({ r, m: metrics.find((m) => m.component === 'split' && m.task === r.task && String(m.at) === r.at && m.executed > 0) }));
      if (rows.length === 2 && same.every((x) => x.m)) {
        for (const { r, m } of same) assert.ok(Math.abs(Number(r.util) - lineUtilization(m!)) < 1e-9, `task ${r.task}: page ${r.util}, REST ${lineUtilization(m!)}`);
        const node = Number(await page.getAttribute('#graph .node[data-component="split"]', 'data-utilization'));
        const lines = same.map((x) => lineUtilization(x.m!));
        // The colour is the busiest task's (unless a reading came in between: then try again).
        if (Math.abs(node - Math.max(...lines)) < 1e-9) compared = same.length;
      } else await sleep(500);
    }
    assert.equal(compared, 2, 'the page showed the same measurement lines as the REST API');
  });

  it("shows a component's rates as the REST API counts them", async () => {
    // Counts only grow while the run is younger than the UI's window: a reading the page made between two REST
    // reads has counts between theirs, and its rates are those counts over its window.
    const rest = () => getJson<RestTopology>(`${url}/api/v1/topology/${id}?window=600`);
    const first = await rest();
    const at = await page.getAttribute('#topology', 'data-at');
    await page.waitForFunction((old) => document.getElementById('topology')!.dataset['at'] !== old, at, { timeout: 15_000 });
    const shown = await page.evaluate(() => {
      const node = (id: string) => document.querySelector(`#graph .node[data-component="${id}"]`)!;
      return {
        window: Number(document.getElementById('topology')!.dataset['window']),
        executed: Number(node('split').getAttribute('data-executed-per-sec')),
        acked: Number(node('sentences').getAttribute('data-acked-per-sec')),
      };
    });
    const second = await rest();
    const split = (t: RestTopology) => t.bolts.find((b) => b.boltId === 'split')!.executed;
    const acked = (t: RestTopology) => t.spouts.find((s) => s.spoutId === 'sentences')!.acked;
    assert.ok(first.uptimeSeconds <= shown.window && shown.window <= second.uptimeSeconds, `window ${shown.window} within the uptimes ${first.uptimeSeconds}..${second.uptimeSeconds}`);
    const between = (x: number, lo: number, hi: number, what: string) => assert.ok(lo - 1e-6 <= x && x <= hi + 1e-6, `${what}: ${x} not within ${lo}..${hi}`);
    between(shown.executed * shown.window, split(first), split(second), 'split executed');
    between(shown.acked * shown.window, acked(first), acked(second), 'sentences acked');
    assert.ok(shown.executed > 0 && shown.acked > 0);
  });

  it("what-if: doctor's plan for a target, entered in the panel, gives doctor's predicted throughput", async () => {
    // The plan doctor makes (squall doctor --target's code) on the very figures the page shows, entered by hand,
    // for a target well above what runs now (a target already met has no change to enter).
    let checked = false;
    for (let attempt = 0; attempt < 20 && !checked; attempt++) {
      const { state } = await getJson<DashUpdate>(`${url}/dashboard/state`);
      const shownAt = () => page.getAttribute('#topology', 'data-at');
      if ((await shownAt()) !== String(state.at)) {
        await sleep(300);
        continue;
      }
      const target = Math.ceil(3 * currentRate(state.figures));
      const doctor = plan(state.figures, { target, utilization: 0.7 });
      for (const c of state.figures.components) {
        await page.fill(`#what-if input[data-tasks="${c.id}"]`, String(doctor.change.tasks![c.id]));
        if (c.kind === 'bolt') await page.fill(`#what-if input[data-concurrency="${c.id}"]`, String(doctor.change.concurrency![c.id]));
      }
      await page.fill('#what-if-pending', doctor.change.maxSpoutPending == null ? '' : String(doctor.change.maxSpoutPending));
      // Doctor predicts at the target where the sources set the rate, else at all the topology takes.
      await page.fill('#what-if-offered', sourcesLimit(state.figures) ? String(target) : '');
      const predicted = Number(await page.getAttribute('#what-if-summary', 'data-predicted-rate'));
      if ((await shownAt()) !== String(state.at)) continue; // a new reading came in while typing: again
      assert.ok(doctor.predicted.rate > 0);
      assert.equal(predicted, doctor.predicted.rate, 'the same model on the same figures gives the same figure');
      checked = true;
    }
    assert.ok(checked, 'the page held one reading long enough to compare');
    // The command that would apply it: a local run is changed by running it again.
    await page.waitForFunction(() => /--tasks/.test(document.getElementById('what-if-command')!.textContent ?? ''));
    assert.match((await page.textContent('#what-if-command')) ?? '', /^squall run \. .*--tasks \w+=\d+/);
  });

  it('charts the rates over time, and logs no error', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#chart canvas').length > 0);
    await page.click('#graph .node[data-component="count"]');
    await page.waitForSelector('#tasks[data-component="count"] tr[data-task]');
    await sleep(4000); // a few more chart points for the screenshot
    await page.evaluate(() => document.getElementById('side')!.scrollTo(0, 0));
    if (!UPDATE_SCREENSHOT) screenshotDir = mkdtempSync(join(tmpdir(), 'squall-screenshot-'));
    const screenshot = UPDATE_SCREENSHOT ? join(ROOT, 'docs', 'dashboard.png') : join(screenshotDir!, 'dashboard.png');
    await page.screenshot({ path: screenshot });
    assert.equal(readFileSync(screenshot).subarray(1, 4).toString('latin1'), 'PNG', 'a PNG was written');
    assert.deepEqual(problems, []);
  });
});
