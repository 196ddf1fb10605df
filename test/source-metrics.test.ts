/**
 * A spout's source in the measurements: the line's `source` block (parsed and validated like the other fields),
 * the meter turning a spout's running totals into counts per interval, doctor's source figures (gauges newest per
 * group, never summed over tasks; counts per second over tasks), and the findings they lead to (a growing backlog,
 * dead letters, no "source-limited" verdict while entries wait in the source). Pure: synthetic lines and figures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Meter, type SourceReading } from '../src/component/meter.js';
import { aggregateMetrics, collect, sourceOf } from '../src/doctor/collect.js';
import type { ComponentFigures, Edge, SourceFigures, TopologyFigures } from '../src/doctor/figures.js';
import { diagnose } from '../src/doctor/findings.js';
import { sourcesLimit } from '../src/doctor/model.js';
import { formatDoctor, type DoctorReport } from '../src/doctor/report.js';
import { plan } from '../src/doctor/plan.js';
import { Bolt, Spout } from '../src/index.js';
import { Topology } from '../src/topology/builder.js';
import { formatMetricsLine, METRICS_PREFIX, parseMetricsLine, type SourceMetrics, type TaskMetrics } from '../src/wire/metrics-line.js';
import { join } from 'node:path';
import { loadTopology } from '../src/packaging/load.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';

const line = (m: Partial<TaskMetrics> & Pick<TaskMetrics, 'component' | 'task' | 'kind'>): TaskMetrics => ({
  v: 1, at: 1_700_000_000_000, secs: 10, executed: 0, busySecs: 0, cpuSecs: 0, emitted: {}, concurrency: 1, ...m,
});
const source = (s: Partial<SourceMetrics> = {}): SourceMetrics => ({
  kind: 'redis-stream', name: 'in', group: 'g', lag: 0, pending: 0, sampledAt: 1_700_000_000_000, lagBefore: null, lagBeforeAt: null,
  read: 0, replayed: 0, deadLettered: 0, claimed: 0, ...s,
});

describe('the measurement line: a spout\'s source block', () => {
  it('round-trips, an old line without it still parses, and a malformed one is rejected like any malformed field', () => {
    const withSource = line({ component: 's', task: 1, kind: 'spout', source: source({ lag: 12, pending: 3, read: 40 }) });
    assert.deepEqual(parseMetricsLine(formatMetricsLine(withSource)), withSource);
    const old = parseMetricsLine(formatMetricsLine(line({ component: 's', task: 1, kind: 'spout' })))!;
    assert.equal(old.source, undefined);
    const body = (s: unknown) => METRICS_PREFIX + JSON.stringify({ ...line({ component: 's', task: 1, kind: 'spout' }), source: s });
    assert.ok(parseMetricsLine(body({ ...source(), lag: null, pending: null, sampledAt: null })), 'unknown gauges are null');
    for (const bad of [null, 'in', { ...source(), kind: 3 }, { ...source(), lag: '12' }, { ...source(), read: -1 }, { ...source(), claimed: 'x' }, { ...source(), deadLettered: undefined }]) {
      assert.equal(parseMetricsLine(body(bad)), null, `rejected: ${JSON.stringify(bad)}`);
    }
  });

  it('the meter reports the totals\' change per interval and the previous interval\'s gauge as lagBefore', () => {
    const meter = new Meter('s', 1, 'spout', 1);
    assert.equal(meter.take().source, undefined, 'no reader: no block');
    const reading: SourceReading = { kind: 'redis-stream', name: 'in', group: 'g', lag: null, pending: null, sampledAt: null, totals: { read: 0, replayed: 0, deadLettered: 0, claimed: 0 } };
    meter.readSource(() => reading);
    const first = meter.take().source!;
    assert.deepEqual([first.lag, first.lagBefore, first.lagBeforeAt, first.read], [null, null, null, 0]);
    Object.assign(reading, { lag: 100, pending: 7, sampledAt: 5000, totals: { read: 30, replayed: 2, deadLettered: 1, claimed: 4 } });
    const second = meter.take().source!;
    assert.deepEqual([second.lag, second.pending, second.lagBefore, second.read, second.replayed, second.deadLettered, second.claimed], [100, 7, null, 30, 2, 1, 4]);
    Object.assign(reading, { lag: 160, sampledAt: 15_000, totals: { read: 50, replayed: 2, deadLettered: 1, claimed: 4 } });
    const third = meter.take().source!;
    assert.deepEqual([third.lag, third.lagBefore, third.lagBeforeAt, third.read, third.replayed, third.deadLettered, third.claimed], [160, 100, 5000, 20, 0, 0, 0]);
    // No new sample since (the spout samples on its own schedule): the lag before stays the older sample.
    const fourth = meter.take().source!;
    assert.deepEqual([fourth.lag, fourth.sampledAt, fourth.lagBefore, fourth.lagBeforeAt, fourth.read], [160, 15_000, 100, 5000, 0]);
  });

  it("a hook that throws or returns a bad value loses its source block, not the line's other measurements", () => {
    const meter = new Meter('s', 1, 'spout', 1);
    meter.readSource(() => {
      throw new Error('the hook broke');
    });
    const line = meter.take();
    assert.equal(line.source, undefined);
    assert.equal(line.component, 's', 'the rest of the line is there');
    meter.readSource(() => ({ kind: 'redis-stream', name: 'in', lag: Number.NaN, pending: null, sampledAt: null, totals: { read: 0, replayed: 0, deadLettered: 0 } }));
    const bad = meter.take();
    assert.equal(bad.source, undefined, 'a NaN gauge drops the block');
    assert.ok(parseMetricsLine(formatMetricsLine(bad)), 'and the line still parses');
  });
});

describe('doctor: source figures from the lines', () => {
  it('gauges come from the newest sample of each group (never added over its tasks); counts per second add up', () => {
    const lines = [
      line({ component: 's', task: 1, kind: 'spout', secs: 10, at: 3500, source: source({ lag: 500, pending: 40, sampledAt: 2000, lagBefore: 320, lagBeforeAt: 1000, read: 100, replayed: 10, deadLettered: 2 }) }),
      line({ component: 's', task: 2, kind: 'spout', secs: 10, at: 3500, source: source({ lag: 520, pending: 44, sampledAt: 3000, lagBefore: 320, lagBeforeAt: 1000, read: 200, replayed: 0, deadLettered: 1, claimed: 5 }) }),
    ];
    const s = sourceOf(lines)!;
    assert.deepEqual([s.lag, s.pending], [520, 44], 'the newest sample of the one group');
    assert.equal(s.lagGrowthPerSec, 100, '(520 - 320) entries over 2 s');
    assert.deepEqual([s.readPerSec, s.replayedPerSec, s.claimedPerSec, s.deadLettered], [30, 1, 0.5, 3]);
    // Two groups: their backlogs add up.
    const other = line({ component: 's', task: 3, kind: 'spout', at: 3500, source: source({ group: 'h', lag: 80, pending: 1, sampledAt: 1000 }) });
    assert.equal(sourceOf([...lines, other])!.lag, 600);
    assert.equal(sourceOf([line({ component: 's', task: 1, kind: 'spout' })]), undefined);
  });

  it('a task that just restarted (one line, no lag before) does not hide the growth its siblings saw', () => {
    const s = sourceOf([
      line({ component: 's', task: 1, kind: 'spout', at: 11_000, source: source({ lag: 900, sampledAt: 10_000, lagBefore: 400, lagBeforeAt: 0 }) }),
      line({ component: 's', task: 2, kind: 'spout', at: 11_500, source: source({ lag: 950, sampledAt: 11_000, lagBefore: null, lagBeforeAt: null }) }),
    ])!;
    assert.equal(s.lag, 950, 'the newest sample');
    assert.equal(s.lagGrowthPerSec, 50, '(950 - 400) entries over 11 s: from the oldest sample of the group to the newest');
  });

  it('a sample older than two intervals (the spout stalled, Redis down) is unknown, not reported as current', () => {
    const s = sourceOf([line({ component: 's', task: 1, kind: 'spout', secs: 10, at: 600_000, source: source({ lag: 4000, pending: 9, sampledAt: 60_000, lagBefore: 2000, lagBeforeAt: 50_000, read: 0 }) })])!;
    assert.deepEqual([s.lag, s.pending, s.lagGrowthPerSec], [null, null, null]);
  });

  it('a task\'s intervals added up keep the first interval\'s lag before and the last one\'s gauges', () => {
    const [sum] = aggregateMetrics([
      line({ component: 's', task: 1, kind: 'spout', at: 10_000, source: source({ lag: 50, sampledAt: 9000, lagBefore: 10, lagBeforeAt: 1000, read: 5 }) }),
      line({ component: 's', task: 1, kind: 'spout', at: 20_000, source: source({ lag: 90, sampledAt: 19_000, lagBefore: 50, lagBeforeAt: 9000, read: 7, deadLettered: 1 }) }),
    ]);
    assert.deepEqual(
      [sum!.source!.lag, sum!.source!.sampledAt, sum!.source!.lagBefore, sum!.source!.lagBeforeAt, sum!.source!.read, sum!.source!.deadLettered],
      [90, 19_000, 10, 1000, 12, 1],
    );
    assert.equal(sourceOf([sum!])!.lagGrowthPerSec, 80 / 18);
  });

  it('collect puts them on the spout\'s figures, and the text report shows them', () => {
    const t = new Topology('src');
    const s = t.spout('reader', QuietSpout, { outputs: { default: ['n'] } });
    t.bolt('slow', QuietBolt, { outputs: {} }).shuffle(s);
    const observation = {
      spec: t.toSpec(), maxSpoutPending: 1000, messageTimeoutSecs: 30, workers: 1, completeLatencySecs: 0.5, failedPerSec: 0,
      metrics: [
        line({ component: 'reader', task: 1, kind: 'spout', at: 12_000, executed: 1000, busySecs: 0.1, emitted: { default: 1000 }, nexts: 1000, emptyNexts: 0,
          source: source({ lag: 4000, pending: 1000, sampledAt: 11_000, lagBefore: 2000, lagBeforeAt: 1000, read: 1000 }) }),
        line({ component: 'slow', task: 2, kind: 'bolt', executed: 1000, busySecs: 9.9, cpuSecs: 1 }),
      ],
    };
    const collected = collect(observation);
    const reader = collected.figures.components.find((c) => c.id === 'reader')!;
    assert.deepEqual([reader.source!.lag, reader.source!.lagGrowthPerSec, reader.source!.readPerSec], [4000, 200, 100]);
    const diagnosis = diagnose(collected.figures);
    const report: DoctorReport = { topology: 'src', collected, diagnosis, plan: plan(collected.figures, {}, diagnosis) };
    const text = formatDoctor(report);
    assert.match(text, /Sources\n {2}reader: redis-stream "in": lag 4000 \(\+200\/s\), pending 1000; read 100\/s, replayed 0\.0\/s, claimed 0\.0\/s, dead-lettered 0 in 10 s/);
    assert.match(text, /reader falls behind its source \(redis-stream "in"\): the backlog grows by 200 entries\/s/);
  });
});

class QuietSpout extends Spout {
  override nextTuple(): void {}
}
class QuietBolt extends Bolt {
  override process(): void {}
}

describe('doctor findings: a source\'s backlog and dead letters', () => {
  const edges: Edge[] = [{ from: 's', stream: 'default', to: 'b', grouping: 'shuffle' }];
  const spoutWith = (rootRate: number, src?: Partial<SourceFigures>, extra: Partial<ComponentFigures> = {}): ComponentFigures => ({
    id: 's', kind: 'spout', tasks: 1, executors: 1, concurrency: 1, serviceSecs: 0, emitsPerTuple: { default: 1 }, rootRate, ...extra,
    ...(src
      ? { source: { kind: 'redis-stream', name: 'in', lag: 0, pending: 0, lagGrowthPerSec: 0, readPerSec: rootRate, replayedPerSec: 0, claimedPerSec: 0, deadLetteredPerSec: 0, deadLettered: 0, windowSecs: 60, ...src } }
      : {}),
  });
  const bolt = (serviceSecs: number): ComponentFigures => ({ id: 'b', kind: 'bolt', tasks: 1, executors: 1, concurrency: 1, serviceSecs, emitsPerTuple: {} });
  const figures = (s: ComponentFigures, b: ComponentFigures, extra: Partial<TopologyFigures> = {}): TopologyFigures => ({
    components: [s, b], edges, maxSpoutPending: 1000, messageTimeoutSecs: 30, completeLatencySecs: 0.01, failedPerSec: 0, workers: 1, ...extra,
  });

  it('a growing backlog names the arrival rate, the current rate and the target to plan for', () => {
    // 100 roots/s read; the lag grew by 50/s to 3000: 150 entries/s arrive.
    const d = diagnose(figures(spoutWith(100, { lag: 3000, lagGrowthPerSec: 50 }), bolt(0.0099)));
    const backlog = d.findings.find((f) => f.kind === 'backlog')!;
    assert.ok(backlog, JSON.stringify(d.findings));
    assert.equal(backlog.component, 's');
    assert.equal(backlog.evidence.arrivalPerSec, 150);
    assert.equal(backlog.evidence.targetRate, 150);
    assert.match(backlog.message, /Entries arrive at about 150\/s \(100\/s read \+ 50\.0\/s growth\) while the topology runs 100 trees\/s: plan for at least 150 trees\/s \(squall doctor --target 150; the plan's default target is never less\)/);
    assert.equal(d.findings.find((f) => f.kind === 'over-provisioned'), undefined, 'not over-provisioned while falling behind');
    // The plan's default target: the arrival rate when it is more than twice the current rate, else twice that.
    const faster = figures(spoutWith(100, { lag: 9000, lagGrowthPerSec: 400 }), bolt(0.0099));
    assert.equal(plan(faster).target, 500);
    assert.equal(plan(figures(spoutWith(100, { lag: 3000, lagGrowthPerSec: 50 }), bolt(0.0099))).target, 200);
    assert.equal(plan(faster, { target: 300 }).target, 300, '--target wins');
  });

  it('a spout that keeps up (lag near 0, or a backlog that shrinks) gets no backlog finding', () => {
    for (const src of [{ lag: 3, lagGrowthPerSec: 0.2 }, { lag: 0, lagGrowthPerSec: 0 }, { lag: 5000, lagGrowthPerSec: -40 }, { lag: 5000, lagGrowthPerSec: null }]) {
      const d = diagnose(figures(spoutWith(100, src), bolt(0.002)));
      assert.equal(d.findings.find((f) => f.kind === 'backlog'), undefined, JSON.stringify(src));
    }
  });

  it('"source-limited" does not fire while entries wait in the source (finding and model alike)', () => {
    // Few trees in flight, nothing busy, the spout often empty-handed: source-limited, unless its source has a backlog.
    const quiet = (src?: Partial<SourceFigures>) => figures(spoutWith(50, src, { emptyNextShare: 0.9 }), bolt(0.001));
    assert.ok(diagnose(quiet()).findings.some((f) => f.kind === 'source-limited'));
    assert.ok(diagnose(quiet({ lag: 0 })).findings.some((f) => f.kind === 'source-limited'), 'an empty source: still source-limited');
    assert.equal(sourcesLimit(quiet()), true);
    const backlogged = quiet({ lag: 800, lagGrowthPerSec: 0 });
    assert.equal(diagnose(backlogged).findings.find((f) => f.kind === 'source-limited'), undefined);
    assert.equal(sourcesLimit(backlogged), false);
  });

  it('entries dead-lettered in the window are a finding of their own', () => {
    const d = diagnose(figures(spoutWith(100, { deadLettered: 3, deadLetteredPerSec: 0.05 }), bolt(0.002)));
    const dead = d.findings.find((f) => f.kind === 'dead-letters')!;
    assert.match(dead.message, /^s gave up on 3 entries of redis-stream "in" in the last 60 s/);
    assert.equal(diagnose(figures(spoutWith(100, {}), bolt(0.002))).findings.find((f) => f.kind === 'dead-letters'), undefined);
  });
});

describe('the SDK hook: a spout of your own reports its source', () => {
  it('sourceReading() reaches the measurement lines of a real run, and doctor sees the backlog grow', async () => {
    const loaded = await loadTopology(join(SOURCE_FIXTURES, '..', 'topologies', 'source-spout.ts'), { config: { commandLine: { 'squall.metrics.interval.secs': 0.5 } } });
    const lines: TaskMetrics[] = [];
    const cluster = new LocalCluster(loaded.spec, {
      squall: { command: process.execPath, script: loaded.bundle },
      resourcesDir: loaded.resourcesDir,
      onMetrics: (m) => lines.push(m),
    });
    await cluster.start();
    const sampled = () => lines.filter((m) => m.component === 'jobs' && m.source?.lagBefore != null);
    const deadline = Date.now() + 15_000;
    try {
      while (Date.now() < deadline && sampled().length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await cluster.stop(5000);
    }
    const last = sampled().at(-1)!.source!;
    assert.deepEqual([last.kind, last.name, last.group, last.pending], ['memory-queue', 'jobs', 'workers', null]);
    assert.ok(last.lag! > last.lagBefore!, `the queue grows: ${last.lagBefore} → ${last.lag}`);
    assert.equal(last.replayed, 0);
    const jobs = lines.filter((m) => m.component === 'jobs');
    const s = sourceOf(jobs.slice(-1))!;
    assert.ok(s.readPerSec > 0 && s.lagGrowthPerSec! > 0, JSON.stringify(s));
    assert.equal(jobs.reduce((n, m) => n + (m.source?.read ?? 0), 0), jobs.reduce((n, m) => n + m.executed, 0), 'every root read once, counted once');
  });
});
