/**
 * The dashboard's bench lines (`npm run bench`, or `node dist/bench/dashboard.js` alone):
 * - render: a synthetic topology of 50 components × 20 tasks, replayed from memory into headless Chromium: time
 *   from navigation to the first full render (graph, tasks, what-if prediction with doctor's model), and the time
 *   one render takes per update as the replay's slider moves. Skipped, saying so, without chromium.
 * - cost: examples/wordcount on the embedded runtime with `--ui`, completed trees per second with a dashboard page
 *   open (its server reading the REST API every 5 s in a worker thread and streaming to the page) against none, alternating rounds,
 *   best of each. The bar: at most 3% slower.
 */
import { localDashboard } from '../src/dashboard/local.js';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { resolveTopology } from '../src/topology/resolve.js';
import { createReplay } from '../src/dashboard/replay.js';
import type { Recorded } from '../src/dashboard/record.js';
import { serveDashboard } from '../src/dashboard/serve.js';
import type { DashComponent, DashboardState, DashEdge } from '../src/dashboard/types.js';
import type { ComponentFigures, Edge, TopologyFigures } from '../src/doctor/figures.js';
import { loadTopology } from '../src/packaging/load.js';
import { temporaryFolder } from '../src/process/cleanup.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import { bindUiPort, serveLocalUi } from '../src/runtime/local-ui.js';
import { measureWindow } from '../src/runtime/measure-window.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = [process.env.SQUALL_CHROMIUM, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
const COMPONENTS = 50;
const TASKS = 20;
const MOMENTS = 12;
const COST_BAR = 0.97;
const ROUNDS = Number(process.env.SQUALL_BENCH_ROUNDS ?? 3);

/** Five spouts, then layers of five bolts, each fed by two components of the layer before. */
function synthetic(moment: number): DashboardState {
  const id = (i: number) => (i < 5 ? `spout${i}` : `bolt${i}`);
  const figures: ComponentFigures[] = [];
  const components: DashComponent[] = [];
  const edges: Edge[] = [];
  for (let i = 0; i < COMPONENTS; i++) {
    const kind = i < 5 ? 'spout' : 'bolt';
    const busy = (t: number) => ((i * 7 + t * 3 + moment * 5) % 90) / 100;
    figures.push({
      id: id(i),
      kind,
      tasks: TASKS,
      executors: TASKS,
      concurrency: 1,
      serviceSecs: 0.001 + (i % 7) * 0.0005,
      cpuSecs: 0.0008,
      emitsPerTuple: { default: 1 },
      ...(kind === 'spout' ? { rootRate: 200 } : {}),
      taskFigures: Array.from({ length: TASKS }, (_, t) => ({ task: i * TASKS + t + 1, ratePerSec: 10 + t, serviceSecs: 0.001 + (t % 5) * 0.0002, host: `worker${t % 4}:67${t % 4}0` })),
    });
    if (i >= 5) for (const from of [i - 5, i - 5 - ((i % 5) + 1)].filter((f) => f >= 0)) edges.push({ from: id(from), stream: 'default', to: id(i), grouping: i % 3 === 0 ? 'fields' : 'shuffle' });
    const utils = Array.from({ length: TASKS }, (_, t) => busy(t));
    components.push({
      id: id(i),
      kind,
      tasks: TASKS,
      executors: TASKS,
      concurrency: 1,
      utilization: Math.max(...utils),
      minUtilization: Math.min(...utils),
      meanUtilization: utils.reduce((a, b) => a + b, 0) / TASKS,
      measured: true,
      executedPerSec: kind === 'bolt' ? 400 + moment : null,
      ackedPerSec: 400 + moment,
      failedPerSec: 0,
      emittedPerSec: 400 + moment,
      completeLatencyMs: kind === 'spout' ? 12 : null,
      counts: { executed: 1000, acked: 1000, failed: 0, emitted: 1000 },
      serviceMs: 1.5,
      cpuMs: 0.8,
      lastError: null,
      hotKeys: [],
      source: null,
      taskRows: utils.map((u, t) => ({
        task: i * TASKS + t + 1,
        host: `worker${t % 4}:67${t % 4}0`,
        utilization: u,
        serviceMs: 1.2,
        cpuMs: 0.7,
        executed: 600,
        ratePerSec: 10,
        emitted: { default: 600 },
        failed: 0,
        measuredAt: 1_800_000_000_000 + moment * 2000,
        intervalSecs: 60,
      })),
    });
  }
  const topology: TopologyFigures = { components: figures, edges, maxSpoutPending: 10, messageTimeoutSecs: 30, completeLatencySecs: 0.05, failedPerSec: 0, workers: 4 };
  const dashEdges: DashEdge[] = edges.map((e) => ({ ...e, ratePerSec: 400 + moment }));
  const plan = { target: 0, utilization: 0.7, unchanged: true, components: [], maxSpoutPending: { now: 10, planned: 10 }, workers: { now: 4, planned: 4 }, command: null, caveats: [] };
  const prediction = { rate: 0, limitedBy: 'pending', bottleneck: null, saturationRate: null, completeLatencySecs: null, components: [] };
  return {
    topology: 'synthetic',
    id: 'synthetic-1-1',
    source: 'bench',
    at: 1_800_000_000_000 + moment * 2000,
    uptimeSecs: 600,
    windowSecs: 600,
    totals: { ackedPerSec: 2000, failedPerSec: 0, completeLatencyMs: 12 },
    components,
    edges: dashEdges,
    findings: [],
    coarse: [],
    missing: [],
    figures: topology,
    plan: { ...plan, predicted: prediction, current: prediction },
  };
}

async function renderBench(): Promise<void> {
  if (!CHROMIUM) {
    console.log('dashboard render: skipped, no chromium here (apt-get install -y chromium)');
    return;
  }
  const records: Recorded[] = Array.from({ length: MOMENTS }, (_, m) => {
    const state = synthetic(m);
    return { v: 1, at: state.at, state, point: { t: state.at / 1000, ackedPerSec: 2000 + m, failedPerSec: 0, completeLatencyMs: 12 } };
  });
  const served = await serveDashboard(createReplay(records, 'synthetic'), 0, '127.0.0.1');
  const profile = temporaryFolder('squall-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, { executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-background-networking'], viewport: { width: 1400, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`${served.url}/`);
    await page.waitForFunction((n) => document.querySelectorAll('#graph .node').length === n && document.body.dataset['ready'] === 'true', COMPONENTS, { timeout: 60_000 });
    const first = Number(await page.evaluate(() => document.body.dataset['renderedAt']));
    await page.click('#graph .node[data-component="bolt25"]');
    const perUpdate: number[] = [];
    for (let m = 0; m < MOMENTS; m++) {
      const before = await page.getAttribute('#topology', 'data-at');
      await page.$eval('#moment', (input, v) => {
        (input as HTMLInputElement).value = String(v);
        input.dispatchEvent(new Event('input'));
      }, m);
      await page.waitForFunction((old) => document.getElementById('topology')!.dataset['at'] !== old, before);
      perUpdate.push(Number(await page.evaluate(() => document.body.dataset['renderMs'])));
    }
    perUpdate.sort((a, b) => a - b);
    const median = perUpdate[perUpdate.length >> 1]!;
    console.log(
      `dashboard render ${COMPONENTS} components x ${TASKS} tasks in headless Chromium: first render ${first.toFixed(0)} ms after navigation, ` +
        `per update ${median.toFixed(1)} ms median (max ${perUpdate.at(-1)!.toFixed(1)} ms; graph, task table of one component, what-if prediction)`,
    );
  } finally {
    await context.close();
    profile.remove();
    await served.close();
  }
}

/** Completed wordcount trees per second over `ms`, with a dashboard page open or not. */
async function wordcountWithUi(withPage: boolean, bundle: string, resourcesDir: string, spec: ReturnType<typeof resolveTopology>): Promise<number> {
  const cluster = new LocalCluster(spec, { squall: { command: process.execPath, script: bundle }, resourcesDir });
  await cluster.start();
  const ui = serveLocalUi(cluster, spec.config, await bindUiPort(0), (url) => localDashboard(cluster.spec, url));
  const abort = new AbortController();
  try {
    if (withPage) {
      // What a page does: hold the event stream open and take every reading.
      const res = await fetch(`${ui.url}/dashboard/events`, { signal: abort.signal });
      void (async () => {
        try {
          for await (const chunk of res.body!) void chunk;
        } catch {
          // aborted at the end
        }
      })();
    }
    const window = await measureWindow(cluster, 3000, 10_000);
    const acked = (stats: typeof window.before) => stats.find((s) => s.component === 'sentences')!.acked;
    return (acked(window.after) - acked(window.before)) / ((window.until - window.from) / 1000);
  } finally {
    abort.abort();
    await ui.close();
    await cluster.stop(2000);
  }
}

async function costBench(): Promise<void> {
  const loaded = await loadTopology(join(here, '..', '..', 'examples', 'wordcount'));
  try {
    // As `squall run --ui` runs it: measurements every 5 s.
    const spec = resolveTopology(loaded.topology.toSpec(), { commandLine: { 'squall.metrics.interval.secs': 5 } });
    const best = { without: 0, with: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
        best[side] = Math.max(best[side], await wordcountWithUi(side === 'with', loaded.bundle, loaded.resourcesDir, spec));
      }
    }
    const ratio = best.with / best.without;
    console.log(
      `dashboard cost  wordcount --ui trees/s: no page ${best.without.toFixed(0)}, page open ${best.with.toFixed(0)} (${ratio.toFixed(3)}); ` +
        `bar >= ${COST_BAR}: ${ratio >= COST_BAR ? 'met' : 'NOT met'}`,
    );
  } finally {
    loaded.release();
  }
}

export async function benchDashboard(): Promise<void> {
  await renderBench();
  await costBench();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchDashboard();
