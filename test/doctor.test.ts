import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { Bolt, Spout } from '../src/index.js';
import { Meter, KEY_SLOTS } from '../src/component/meter.js';
import { collect } from '../src/doctor/collect.js';
import { assignTasks } from '../src/runtime/assignment.js';
import { Router } from '../src/runtime/router.js';
import { WorkerPlan } from '../src/runtime/workers.js';
import { Topology } from '../src/topology/builder.js';
import { formatMetricsLine, parseMetricsLine, type TaskMetrics } from '../src/wire/metrics-line.js';
import { javaHashCode, javaListHash, taskIndex } from '../src/grouping/fields-hash.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { startUiServer, wordcountFixture, type UiServer } from './helpers/ui-server.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');

class S extends Spout {
  override nextTuple(): void {}
}
class B extends Bolt {
  override process(): void {}
}

function wordcountSpec() {
  const t = new Topology('wc', { 'topology.max.spout.pending': 100 });
  const s = t.spout('sentences', S, { outputs: { default: ['sentence'] } });
  const split = t.bolt('split', B, { outputs: { default: ['word'] }, parallelism: 2 }).shuffle(s);
  t.bolt('count', B, { outputs: { default: ['word', 'count'] }, parallelism: 2 }).fields(split, ['word']);
  return t.toSpec();
}

const metric = (m: Partial<TaskMetrics> & Pick<TaskMetrics, 'component' | 'task' | 'kind'>): TaskMetrics => ({
  v: 1,
  at: 1_700_000_000_000,
  secs: 10,
  executed: 0,
  busySecs: 0,
  cpuSecs: 0,
  emitted: {},
  concurrency: 1,
  ...m,
});

describe('doctor measurements', () => {
  it('a measurement line survives a worker log line around it', () => {
    const m = metric({ component: 'count', task: 4, kind: 'bolt', executed: 12, busySecs: 0.5, keys: [['the', 7]], keyed: 12 });
    const logged = `2026-11-26 14:00:00.123 o.a.s.t.ShellBolt Thread-20-count-executor[4, 4] [INFO] ShellLog pid:4242, name:count ${formatMetricsLine(m)}`;
    assert.deepEqual(parseMetricsLine(logged), m);
    assert.equal(parseMetricsLine('ShellLog pid:1, name:count squall.metrics {not json'), null);
    assert.equal(parseMetricsLine('ShellLog pid:1, name:count squall.metrics {"v":2}'), null);
    assert.equal(parseMetricsLine('an ordinary line'), null);
  });

  it('the meter counts work, emits and heavy keys, and starts afresh after each interval', () => {
    const meter = new Meter('count', 4, 'bolt', 1);
    for (let i = 0; i < 1000; i++) {
      const since = meter.now();
      const key = i % 2 === 0 ? 'the' : `rare-${i}`; // "the" is half of the input; 500 keys appear once
      meter.key(key, javaListHash([key]));
      meter.emit('default');
      meter.handled(since);
    }
    const first = meter.take();
    assert.equal(first.executed, 1000);
    assert.equal(first.emitted.default, 1000);
    assert.equal(first.keyed, 1000);
    assert.equal(first.keys![0]![0], 'the');
    // Space-Saving never undercounts a key it holds, and overcounts by at most keyed / KEY_SLOTS.
    assert.ok(first.keys![0]![1] >= 500 && first.keys![0]![1] <= 500 + 1000 / KEY_SLOTS, String(first.keys![0]![1]));
    assert.ok(first.busySecs >= 0 && first.cpuSecs >= 0 && first.secs >= 0);
    // Where the keys would land at 3 tasks, by Storm's hash: "the" alone is 500 tuples on one index.
    const at3 = first.spread![1]!;
    assert.equal(at3.reduce((a, b) => a + b, 0), 1000);
    assert.ok(at3[taskIndex(javaListHash(['the']), 3)]! >= 500);
    // Synchronous handlers: all their time on the event loop, none awaiting.
    assert.equal(first.awaitSecs, 0);
    assert.equal(first.loopSecs, first.busySecs);
    const second = meter.take();
    assert.equal(second.executed, 0);
    assert.deepEqual(second.emitted, {});
    assert.equal(second.keys, undefined);
  });
});

describe('doctor measurements: awaiting against the event loop', () => {
  it('an async handler is split at its return: before it on the loop, after it awaiting', async () => {
    const meter = new Meter('fetch', 3, 'bolt', 4);
    const since = meter.now();
    while (meter.now() - since < 5); // 5 ms on the loop before the handler returns its promise
    const returnedAt = meter.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    meter.handled(since, true, returnedAt);
    const m = meter.take();
    // Lower bounds only, which hold by construction however loaded the machine is.
    assert.ok(m.loopSecs! >= 0.005, `loop ${m.loopSecs}`);
    assert.ok(m.awaitSecs! >= 0.02, `await ${m.awaitSecs}`);
    assert.ok(Math.abs(m.busySecs - (m.loopSecs! + m.awaitSecs!)) < 1e-5);
    // A line without the split (an older SDK) still parses.
    const { loopSecs: _l, awaitSecs: _a, ...old } = m;
    assert.deepEqual(parseMetricsLine(formatMetricsLine(old)), old);
  });
});

describe("Storm's load-aware shuffle into executors holding several tasks", () => {
  it('the embedded runtime sends a shuffle only to the first task of each executor, as Storm does', () => {
    const t = new Topology('uneven');
    const src = t.spout('src', Spout as never, { outputs: { default: ['v'] } });
    t.bolt('split', Bolt as never, { parallelism: 1, tasks: 4 }).shuffle(src);
    t.bolt('pairs', Bolt as never, { parallelism: 2, tasks: 4 }).shuffle(src);
    t.bolt('even', Bolt as never, { parallelism: 4, tasks: 4 }).shuffle(src);
    const spec = t.toSpec();
    const tasks = assignTasks(spec);
    const seen = (conf: Record<string, unknown>) => {
      const router = new Router(spec, tasks, new WorkerPlan(tasks, conf));
      const hits = new Map<string, Set<number>>();
      for (let i = 0; i < 40; i++) for (const task of router.route('src', 'default', [i], undefined)) {
        const c = tasks.get(task)!.id;
        (hits.get(c) ?? hits.set(c, new Set()).get(c)!).add(task);
      }
      return (id: string) => hits.get(id)!.size;
    };
    const loadAware = seen({});
    assert.equal(loadAware('split'), 1, 'one executor of 4 tasks: one task');
    assert.equal(loadAware('pairs'), 2, 'two executors of 2 tasks: their first tasks');
    assert.equal(loadAware('even'), 4);
    const plain = seen({ 'topology.disable.loadaware.messaging': true });
    assert.equal(plain('split'), 4, 'without load awareness every task takes its turn');
  });
});

describe("Storm's fields-grouping hash", () => {
  it('matches Java hashCode for the values json-smart makes', () => {
    // Values computed with the JDK: "the".hashCode(), Integer, Long, Double, Boolean, null, List, Map.
    assert.equal(javaHashCode('the'), 114801);
    assert.equal(javaHashCode('hello world'), 1794106052);
    assert.equal(javaHashCode(''), 0);
    assert.equal(javaHashCode(42), 42);
    assert.equal(javaHashCode(-1), -1);
    assert.equal(javaHashCode(4294967296), 1); // Long: (int) (v ^ v >>> 32)
    assert.equal(javaHashCode(1.5), 1073217536); // Double.hashCode(1.5)
    assert.equal(javaHashCode(true), 1231);
    assert.equal(javaHashCode(null), 0);
    assert.equal(javaHashCode(['a', 1]), 31 * (31 * 1 + 97) + 1);
    assert.equal(javaHashCode({ a: 1, b: 'x' }), javaHashCode({ b: 'x', a: 1 }));
    assert.equal(javaListHash(['the']), 31 + 114801);
    // Math.floorMod: a negative hash still picks a task in range.
    assert.equal(taskIndex(-7, 3), 2);
  });
});

describe('doctor collect', () => {
  it('turns measurements into per-tuple figures, task rates and hot keys', () => {
    const spec = wordcountSpec();
    const collected = collect({
      spec,
      maxSpoutPending: 100,
      messageTimeoutSecs: 30,
      workers: 1,
      completeLatencySecs: 0.02,
      failedPerSec: 0,
      hosts: new Map([[4, 'local:1']]),
      metrics: [
        metric({ component: 'sentences', task: 1, kind: 'spout', executed: 1000, busySecs: 0.1, cpuSecs: 0.2, emitted: { default: 1000 } }),
        metric({ component: 'split', task: 2, kind: 'bolt', executed: 500, busySecs: 1, cpuSecs: 0.5, emitted: { default: 3000 } }),
        metric({ component: 'split', task: 3, kind: 'bolt', executed: 500, busySecs: 1, cpuSecs: 0.5, emitted: { default: 3000 } }),
        metric({ component: 'count', task: 4, kind: 'bolt', executed: 4500, busySecs: 2, cpuSecs: 1, keyed: 4500, keys: [['the', 3000]] }),
        metric({ component: 'count', task: 5, kind: 'bolt', executed: 1500, busySecs: 1, cpuSecs: 1, keyed: 1500, keys: [['a', 100]] }),
        // An older line of task 5 is ignored.
        metric({ component: 'count', task: 5, kind: 'bolt', at: 1, executed: 99999 }),
      ],
    });
    const byId = new Map(collected.figures.components.map((c) => [c.id, c]));
    assert.equal(byId.get('sentences')!.rootRate, 100);
    assert.equal(byId.get('split')!.serviceSecs, 2 / 1000);
    assert.equal(byId.get('split')!.emitsPerTuple.default, 6);
    assert.equal(byId.get('count')!.serviceSecs, 3 / 6000);
    assert.deepEqual(byId.get('count')!.taskFigures!.map((t) => [t.task, t.ratePerSec, t.host]), [
      [4, 450, 'local:1'],
      [5, 150, undefined],
    ]);
    assert.deepEqual(byId.get('count')!.hotKeys![0], { key: 'the', share: 0.5 });
    assert.deepEqual(collected.figures.edges, [
      { from: 'sentences', stream: 'default', to: 'split', grouping: 'shuffle' },
      { from: 'split', stream: 'default', to: 'count', grouping: 'fields' },
    ]);
    assert.deepEqual(collected.coarse, []);
    assert.deepEqual(collected.missing, []);
  });
});

describe('squall doctor against a Storm UI', () => {
  let server: UiServer;
  let dir: string;
  before(async () => {
    server = await startUiServer({ topologies: [wordcountFixture('wordcount-7-1700000000')] });
    dir = mkdtempSync(join(tmpdir(), 'squall-doctor-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('falls back to the UI counts, says they are coarse, names the bottleneck and plans for a target', async () => {
    const record = join(dir, 'observations.ndjson');
    const run = (...args: string[]) =>
      execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'doctor', '--ui', server.url, ...args], { cwd: join(ROOT, 'examples', 'wordcount'), reject: false });
    // The sources offer 20/s and every task is idle: nothing to change for 40/s, and nothing shrunk either.
    const idle = await run('--target', '40');
    assert.equal(idle.exitCode, 0, idle.stderr);
    assert.match(idle.stdout, /^Plan for 40\.0 trees\/s, every task at most 70% busy\n  no change needed\.$/m);
    const text = await run('--target', '400', '--record', record);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, /^wordcount: 20\.0 tuple trees\/s/m);
    assert.match(text.stdout, /count saturates first, at about 169 trees\/s/);
    assert.match(text.stdout, /every component is under 20% busy/);
    assert.match(text.stdout, /^Plan for 400 trees\/s, every task at most 70% busy$/m);
    assert.match(text.stdout, /count: .*processLatency, which includes waiting in the subprocess's queue/);
    // count grows; split, not in the way, keeps its 4 tasks in 2 executors (never shrunk in the same change).
    assert.match(text.stdout, /^    squall submit --force -p split=2 -p count=28 --tasks split=4 --tasks count=28 -o topology\.workers=5$/m);
    const json = await run('--json', '--target', '400', '--record', record);
    assert.equal(json.exitCode, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.bottleneck, 'count');
    assert.ok(report.plan.predicted.rate >= 400 * 0.97, String(report.plan.predicted.rate));
    const lines = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[1].bottleneck, 'count');
    const dot = await run('--dot');
    assert.equal(dot.exitCode, 0, dot.stderr);
    // The graph shows the topology as it runs (the UI: split 2 executors / 4 tasks, count 2 / 8), not the project's
    // declared parallelism (2 and 2). Split's shuffle feeds the first task of each executor, as Storm's load-aware
    // shuffle does (storm-facts.md §3), so its busiest task carries twice an even share.
    assert.match(dot.stdout, /"split" \[shape=box, label="split\\nparallelism 2, 4 tasks\\n20\.0 tuples\/s\\nbusiest task 2%"\];/);
    assert.match(dot.stdout, /"count" \[shape=box, label="count\\nparallelism 2, 8 tasks\\n82\.1 tuples\/s\\nbusiest task 12%"\];/);
  });

  it('squall stats gives the same verdict as doctor, from doctor\'s analysis, with --ui as doctor has', async () => {
    const squall = (cmd: string, ...args: string[]) =>
      execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), cmd, '--ui', server.url, ...args], { cwd: join(ROOT, 'examples', 'wordcount'), reject: false });
    const [doctor, stats] = await Promise.all([squall('doctor', '--json'), squall('stats')]);
    assert.equal(stats.exitCode, 0, stats.stderr);
    const findings = (JSON.parse(doctor.stdout) as { findings: Array<{ message: string }> }).findings.map((f) => f.message);
    assert.ok(findings.length > 0);
    for (const message of findings) assert.ok(stats.stdout.includes(`  - ${message}`), `stats lacks doctor's finding: ${message}\n${stats.stdout}`);
    assert.match(stats.stdout, /^verdict \(squall doctor\):$/m);
    // Without the project (another folder, a NAME): no groupings, no verdict of its own; it points to doctor.
    const elsewhere = await execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'stats', 'wordcount', '--ui', server.url], { cwd: ROOT, reject: false });
    assert.equal(elsewhere.exitCode, 0, elsewhere.stderr);
    assert.match(elsewhere.stdout, /^verdict: squall doctor wordcount --topology PATH/m);
    assert.doesNotMatch(elsewhere.stdout, /bottleneck/);
  });

  it('refuses a utilization outside 0..1 with the fix', async () => {
    const result = await execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'doctor', '--ui', server.url, '--utilization', '70'], { cwd: ROOT, reject: false });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /--utilization takes a fraction between 0 and 1 \(e\.g\. 0\.7\), got "70"/);
  });
});

describe('squall doctor on a local run (squall run --ui)', () => {
  it('measures the components from inside, serves them next to the UI endpoints, and plans from them', async () => {
    const squall = join(ROOT, 'bin', 'squall.js');
    const run = execa(process.execPath, [squall, 'run', 'examples/wordcount', '--ui', '0', '--time', '30', '-o', 'squall.metrics.interval.secs=1'], { cwd: ROOT, reject: false });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      run.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /Storm UI REST API at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (found) resolve(found[1]!);
      });
      void run.then(() => reject(new Error(`squall run ended before serving its UI:\n${stderr}`)));
    });
    // Wait until every component has sent a measurement (one line per task and second).
    const components = new Set<string>();
    for (let i = 0; i < 80 && components.size < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const summary = (await (await fetch(`${url}/api/v1/topology/summary`)).json()) as { topologies: Array<{ id: string }> };
      const metrics = (await (await fetch(`${url}/api/v1/topology/${summary.topologies[0]!.id}/squall/metrics`)).json()) as { metrics: TaskMetrics[] };
      for (const m of metrics.metrics) if (m.executed > 0) components.add(m.component);
    }
    assert.equal(components.size, 3, `measurements from ${[...components].join(', ')}`);
    const doctor = await execa(process.execPath, [squall, 'doctor', '--ui', url, '--json', '--target', '1000'], { cwd: join(ROOT, 'examples', 'wordcount'), reject: false });
    assert.equal(doctor.exitCode, 0, doctor.stderr);
    const report = JSON.parse(doctor.stdout);
    assert.deepEqual(report.coarse, [], 'every component measured itself');
    const byId = new Map<string, { ratePerSec: number; serviceSecs: number; utilization: number }>(report.components.map((c: { id: string }) => [c.id, c]));
    assert.ok(byId.get('split')!.serviceSecs > 0 && byId.get('count')!.serviceSecs > 0);
    // Every sentence becomes several words: count executes more tuples than split.
    assert.ok(byId.get('count')!.ratePerSec > byId.get('split')!.ratePerSec);
    const count = report.figures.components.find((c: { id: string }) => c.id === 'count');
    assert.ok(count.hotKeys.length > 0 && count.keySpread['3'].length === 3, 'hot keys and the key spread of a fields grouping');
    assert.equal(report.plan.target, 1000);

    // squall's own UI answers failures as a Storm UI does (HTTP 500 and its error JSON, never 404), so one client
    // path serves both; it names its measurements endpoint on the topology page, which a Storm UI never does.
    const id = ((await (await fetch(`${url}/api/v1/topology/summary`)).json()) as { topologies: Array<{ id: string }> }).topologies[0]!.id;
    const page = (await (await fetch(`${url}/api/v1/topology/${id}?window=600`)).json()) as { squallMetrics?: string };
    assert.equal(page.squallMetrics, `/api/v1/topology/${id}/squall/metrics`);
    for (const [path, message] of [
      [`/api/v1/topology/${id}/visualization-data`, /^HTTP 404 Not Found: squall run --ui serves/],
      ['/api/v1/nope', /^HTTP 404 Not Found: squall run --ui serves/],
      ['/api/v1/topology/gone-1-1700000000?window=600', /^NotAliveException\(msg:gone-1-1700000000\)$/],
    ] as const) {
      const answer = await fetch(`${url}${path}`);
      const body = (await answer.json()) as { error: string; errorMessage: string };
      assert.deepEqual([answer.status, body.error], [500, '500 Server Error'], path);
      assert.match(body.errorMessage, message);
    }
    const supervisors = (await (await fetch(`${url}/api/v1/supervisor/summary`)).json()) as { supervisors: Array<{ totalCpu: number }> };
    assert.deepEqual(
      supervisors.supervisors.map((s) => s.totalCpu),
      [availableParallelism() * 100],
      "this machine's cores in Storm's unit",
    );
    // The README's example, as written: from the repo root (no project there), the run serves its topology's graph.
    const readme = await execa(process.execPath, [squall, 'doctor', '--ui', url, '--target', '5000'], { cwd: ROOT, reject: false });
    assert.equal(readme.exitCode, 0, readme.stderr);
    assert.match(readme.stdout, /^Plan for 5000 trees\/s, every task at most 70% busy$/m);
    assert.doesNotMatch(readme.stdout, /squall submit|look at that host/, 'a local run gets local commands, and one host is not blamed');
    if (!/target already met|no plan|no change needed/.test(readme.stdout)) assert.match(readme.stdout, /^    squall run PROJECT /m);
    // And stats on the same run: its figures are not sampled.
    const localStats = await execa(process.execPath, [squall, 'stats', '--ui', url], { cwd: join(ROOT, 'examples', 'wordcount'), reject: false });
    assert.equal(localStats.exitCode, 0, localStats.stderr);
    assert.match(localStats.stdout, /counts are exact: squall run --ui counts every tuple/);
    assert.match(localStats.stdout, /^verdict \(squall doctor\)/m);
    const stats = await run;
    assert.equal(stats.exitCode, 0, stats.stderr);
    assert.doesNotMatch(stats.stdout, /squall\.metrics/, 'measurement lines are data, not log lines');
  });
});

