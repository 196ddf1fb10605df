import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComponentFigures, Edge, TopologyFigures } from '../src/doctor/figures.js';
import { closedLoop, erlangCWait, layout, overheadSecs, predict, saturationRate, shuffleShares, taskShares } from '../src/doctor/model.js';
import { diagnose } from '../src/doctor/findings.js';
import { plan } from '../src/doctor/plan.js';
import { applyPlan, verdict, type Deployment } from '../src/doctor/apply.js';
import type { DoctorReport } from '../src/doctor/report.js';
import { aggregateMetrics, collect, coreShareOf, spoutRoundTrip } from '../src/doctor/collect.js';
import { Meter, gapQuantileMs } from '../src/component/meter.js';
import { Bolt, Spout } from '../src/index.js';
import { Topology } from '../src/topology/builder.js';
import type { TopologySpec } from '../src/topology/spec.js';
import { formatMetricsLine, parseMetricsLine, type TaskMetrics } from '../src/wire/metrics-line.js';

const near = (actual: number, expected: number, tolerance = 1e-6): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} is not ${expected}`);

function spout(id: string, rootRate: number, extra: Partial<ComponentFigures> = {}): ComponentFigures {
  return { id, kind: 'spout', tasks: 1, executors: 1, concurrency: 1, serviceSecs: 0, emitsPerTuple: { default: 1 }, rootRate, ...extra };
}
function bolt(id: string, serviceSecs: number, extra: Partial<ComponentFigures> = {}): ComponentFigures {
  return { id, kind: 'bolt', tasks: 1, executors: 1, concurrency: 1, serviceSecs, emitsPerTuple: { default: 1 }, ...extra };
}
function figures(components: ComponentFigures[], edges: Edge[], extra: Partial<TopologyFigures> = {}): TopologyFigures {
  return { components, edges, maxSpoutPending: null, messageTimeoutSecs: 30, completeLatencySecs: null, failedPerSec: 0, workers: 1, ...extra };
}
const edge = (from: string, to: string, grouping: Edge['grouping'] = 'shuffle'): Edge => ({ from, stream: 'default', to, grouping });

/** sentences → split (6 words each) → count (fields on word). */
function wordcount(extra: { rate?: number; split?: Partial<ComponentFigures>; count?: Partial<ComponentFigures>; topo?: Partial<TopologyFigures> } = {}): TopologyFigures {
  return figures(
    [spout('sentences', extra.rate ?? 100), bolt('split', 0.002, { emitsPerTuple: { default: 6 }, ...extra.split }), bolt('count', 0.001, { emitsPerTuple: {}, ...extra.count })],
    [edge('sentences', 'split'), edge('split', 'count', 'fields')],
    extra.topo,
  );
}

describe('doctor model: queueing', () => {
  it('Erlang C matches M/M/1 and a known M/M/2 value, and is infinite at saturation', () => {
    near(erlangCWait(5, 0.1, 1), 0.1); // ρ = 0.5: W = ρS/(1-ρ)
    near(erlangCWait(10, 0.1, 2), 0.1 / 3); // a = 1, c = 2: P(wait) = 1/3, W = P·S/(c-a) = 0.0333
    assert.equal(erlangCWait(10, 0.1, 1), Infinity);
    assert.equal(erlangCWait(0, 0.1, 1), 0);
  });

  it('exact MVA of two 10 ms stations in series: 50/s with one tree, 66.7/s with two, 100/s in the limit', () => {
    const f = figures([spout('s', 1), bolt('a', 0.01), bolt('b', 0.01)], [edge('s', 'a'), edge('a', 'b')]);
    const l = layout(f);
    near(closedLoop(l, 1, 0).rate, 50);
    near(closedLoop(l, 2, 0).rate, 200 / 3);
    near(closedLoop(l, 10, 0).latencySecs, 10 / closedLoop(l, 10, 0).rate);
    assert.ok(closedLoop(l, 2000, 0).rate > 99 && closedLoop(l, 2000, 0).rate <= 100.0001);
  });

  it('Schweitzer above the exact limit agrees with exact MVA at the boundary', () => {
    const f = figures([spout('s', 1), bolt('a', 0.01), bolt('b', 0.004, { tasks: 2 })], [edge('s', 'a'), edge('a', 'b')]);
    const l = layout(f);
    const exact = closedLoop(l, 400, 0).rate;
    const approx = closedLoop(l, 401, 0).rate;
    assert.ok(Math.abs(approx - exact) / exact < 0.02, `${approx} vs ${exact}`);
  });
});

describe('doctor model: load and prediction', () => {
  it('propagates rates by selectivity and grouping, and finds where it saturates', () => {
    const f = wordcount({ count: { tasks: 2 } });
    const l = layout(f);
    const visits = (id: string) => l.stations.filter((s) => s.component === id).map((s) => s.visits);
    assert.deepEqual(visits('split'), [1]);
    assert.deepEqual(visits('count'), [3, 3]);
    // split: 1 visit × 2 ms → 500/s; count: 3 visits × 1 ms per task → 333/s
    const sat = saturationRate(l);
    assert.equal(sat.component, 'count');
    near(sat.rate, 1000 / 3);
  });

  it('all sends to every task, global to one', () => {
    const f = figures([spout('s', 10), bolt('a', 0.01, { tasks: 3 }), bolt('g', 0.01, { tasks: 2 })], [edge('s', 'a', 'all'), edge('s', 'g', 'global')]);
    const l = layout(f);
    assert.deepEqual(l.stations.filter((s) => s.component === 'a').map((s) => s.visits), [1, 1, 1]);
    assert.deepEqual(l.stations.filter((s) => s.component === 'g').map((s) => s.visits), [1, 0]);
  });

  it('predicts throughput at another parallelism when sources offer more than the bolts take', () => {
    const f = wordcount({ rate: 300, topo: { maxSpoutPending: 1000 } });
    const now = predict(f);
    assert.equal(now.bottleneck, 'count');
    assert.ok(now.rate > 160 && now.rate <= 1000 / 6, `now ${now.rate}`); // count: 6 visits × 1 ms → 166/s
    const scaled = predict(f, { tasks: { count: 4 } }); // count → 666/s; split (500/s) becomes the limit
    assert.equal(scaled.bottleneck, 'split');
    assert.ok(scaled.rate > 480 && scaled.rate <= 500, `scaled ${scaled.rate}`);
    assert.equal(scaled.limitedBy, 'saturation');
  });

  it('a rate-limited source stays the limit when the bolts have room', () => {
    const f = wordcount({ rate: 50, topo: { offeredRate: 50, maxSpoutPending: 1000 } });
    const p = predict(f);
    assert.equal(p.limitedBy, 'sources');
    near(p.rate, 50);
    near(p.components.find((c) => c.id === 'count')!.utilization, 50 * 6 * 0.001);
  });

  it('fields shares: measured at the measured count, the heaviest key bounds them at any other', () => {
    const c = bolt('count', 0.001, { tasks: 2, taskFigures: [{ task: 3, ratePerSec: 80, serviceSecs: 0.001 }, { task: 4, ratePerSec: 20, serviceSecs: 0.001 }], hotKeys: [{ key: 'the', share: 0.6 }] });
    assert.deepEqual(taskShares(c, 2), [0.8, 0.2]);
    const at8 = taskShares(c, 8);
    near(at8[0]!, 0.6 + 0.4 / 8);
    near(at8.reduce((a, b) => a + b, 0), 1);
  });

  it('carries the observed overhead into its latency', () => {
    const f = wordcount({ rate: 50, topo: { offeredRate: 50, completeLatencySecs: 0.02 } });
    near(predict(f).completeLatencySecs, 0.02, 1e-3);
  });
});

describe('doctor findings and plans', () => {
  it('names the bottleneck and plans the fewest tasks for the target at 70% busy', () => {
    const f = wordcount({ rate: 160, topo: { maxSpoutPending: 500, completeLatencySecs: 0.05 } });
    const d = diagnose(f);
    const b = d.findings.find((x) => x.kind === 'bottleneck');
    assert.equal(b?.component, 'count');
    assert.match(b!.message, /count is the bottleneck: its busiest task is 96% busy/);
    const p = plan(f, { target: 700 });
    const count = p.components.find((c) => c.id === 'count')!;
    const split = p.components.find((c) => c.id === 'split')!;
    assert.equal(count.tasks.planned, Math.ceil((700 * 6 * 0.001) / 0.7)); // 6
    assert.equal(split.tasks.planned, Math.ceil((700 * 0.002) / 0.7)); // 2
    assert.equal(count.executors.planned, count.tasks.planned);
    assert.equal(p.redeploy, true);
    assert.ok(p.predicted.rate >= 0.97 * 700, `predicted ${p.predicted.rate}`);
  });

  it('spots a max.spout.pending limit by Little\'s law and raises it', () => {
    // 1 spout task × 10 pending / 0.1 s = 100 trees/s, while the bolts are 30% busy.
    const f = wordcount({ rate: 100, split: { serviceSecs: 0.003 }, count: { serviceSecs: 0.0005 }, topo: { maxSpoutPending: 10, completeLatencySecs: 0.1 } });
    const d = diagnose(f);
    const finding = d.findings.find((x) => x.kind === 'pending-limit');
    assert.ok(finding, JSON.stringify(d.findings));
    assert.match(finding!.message, /1 spout task\(s\) × 10 pending/);
    assert.equal(d.findings.some((x) => x.kind === 'bottleneck'), false);
    const p = plan(f, { target: 200 });
    assert.ok(p.maxSpoutPending.planned! >= 20, `pending ${p.maxSpoutPending.planned}`);
    assert.equal(p.components.find((c) => c.id === 'split')!.tasks.planned, 1);
  });

  it('skew on a hot key: named, and no scale-up for it', () => {
    const f = wordcount({
      rate: 150,
      count: {
        tasks: 2,
        serviceSecs: 0.001,
        taskFigures: [{ task: 3, ratePerSec: 810, serviceSecs: 0.001 }, { task: 4, ratePerSec: 90, serviceSecs: 0.001 }],
        hotKeys: [{ key: 'the', share: 0.85 }, { key: 'a', share: 0.02 }],
      },
    });
    const d = diagnose(f);
    const skew = d.findings.find((x) => x.kind === 'skew');
    assert.ok(skew);
    assert.equal(skew!.scalingHelps, false);
    assert.match(skew!.message, /hot keys "the" \(85%\)/);
    const p = plan(f, { target: 300 });
    const count = p.components.find((c) => c.id === 'count')!;
    assert.equal(count.tasks.planned, 2);
    assert.match(count.limit!, /one key carries more than one task can take/);
  });

  it('a slow instance: named with its host, and the plan sizes by its peers', () => {
    const tasks = [0.001, 0.001, 0.004].map((s, i) => ({ task: 10 + i, host: `w${i}:6700`, ratePerSec: 100, serviceSecs: s }));
    const f = figures([spout('s', 300), bolt('b', 0.002, { tasks: 3, taskFigures: tasks })], [edge('s', 'b')]);
    const d = diagnose(f);
    const slow = d.findings.filter((x) => x.kind === 'slow-instance');
    assert.equal(slow.length, 1);
    assert.equal(slow[0]!.task, 12);
    assert.match(slow[0]!.message, /task 12 of b on w2:6700 takes 4\.00 ms per tuple, 4\.0× its peers/);
    assert.equal(d.findings.some((x) => x.kind === 'bottleneck'), false);
    // Sized by the peers' 1 ms: 300/s × 1 ms / 0.7 → 1 task; a change never shrinks, so it keeps its 3.
    assert.equal(plan(f, { target: 400 }).components.find((c) => c.id === 'b')!.tasks.planned, 3);
  });

  it('a bolt whose handler awaits gets concurrency, not processes', () => {
    const f = figures([spout('s', 50), bolt('fetch', 0.05, { cpuSecs: 0.001, awaitSecs: 0.049 })], [edge('s', 'fetch')]);
    const p = plan(f, { target: 200 });
    const fetch = p.components.find((c) => c.id === 'fetch')!;
    assert.equal(fetch.tasks.planned, 1);
    assert.equal(fetch.concurrency.planned, Math.ceil((200 * 0.05) / 0.7)); // 15
  });

  it('over-provisioning and timeouts are reported', () => {
    const idle = figures([spout('s', 10), bolt('b', 0.001, { tasks: 4 })], [edge('s', 'b')]);
    assert.ok(diagnose(idle).findings.some((x) => x.kind === 'over-provisioned'));
    assert.equal(plan(idle, { target: 10 }).components.find((c) => c.id === 'b')!.tasks.planned, 4);
    const late = figures([spout('s', 10), bolt('b', 0.001)], [edge('s', 'b')], { completeLatencySecs: 20, failedPerSec: 3 });
    const t = diagnose(late).findings.find((x) => x.kind === 'timeouts');
    assert.match(t!.message, /3\.0 trees\/s fail or time out.*complete latency 20000\.0 ms against topology\.message\.timeout\.secs 30/);
  });
});

describe('doctor on a real cluster: the rules of issue 19', () => {
  it('a synchronous bolt is never advised concurrency, however little CPU it shows on a starved host', () => {
    // 2 ms per tuple on the clock, 0.7 ms of it CPU (the rest waiting for a core): no await measured.
    const starved = figures([spout('s', 400), bolt('split', 0.002, { cpuSecs: 0.0007, awaitSecs: 0 })], [edge('s', 'split')]);
    const p = plan(starved, { target: 800 });
    const split = p.components.find((c) => c.id === 'split')!;
    assert.equal(split.concurrency.planned, 1);
    assert.ok(split.tasks.planned > 1);
    // Lines from an SDK that did not measure awaiting: no concurrency either.
    const old = figures([spout('s', 400), bolt('split', 0.002, { cpuSecs: 0.0007 })], [edge('s', 'split')]);
    assert.equal(plan(old, { target: 800 }).components.find((c) => c.id === 'split')!.concurrency.planned, 1);
  });

  it('the cores bound every prediction: 2 cores at 2 ms of CPU per tree allow 1000 trees/s, whatever the tasks', () => {
    const f = figures([spout('s', 450, { cpuSecs: 0 }), bolt('split', 0.004, { cpuSecs: 0.002, awaitSecs: 0 })], [edge('s', 'split')], { cores: 2, maxSpoutPending: 100 });
    const wide = predict(f, { tasks: { split: 8 } });
    assert.ok(wide.rate <= 1000 + 1e-6, `predicted ${wide.rate}`);
    assert.equal(wide.limitedBy, 'cores');
    near(wide.completeLatencySecs, 100 / 1000); // every allowed tree in flight, at the rate the cores allow
    const p = plan(f, { target: 2000 });
    assert.ok(p.predicted.rate <= 1000 + 1e-6, `plan predicted ${p.predicted.rate}`);
    assert.ok(p.caveats.some((c) => /2 core\(s\) .* allow about 1000 trees\/s/.test(c)), p.caveats.join('\n'));
    assert.ok(diagnose({ ...f, components: [spout('s', 900, { cpuSecs: 0 }), f.components[1]!] }).findings.some((x) => x.kind === 'cores'));
  });

  it("a saturated reliable spout: complete latency is the trees in flight over the throughput (Little's law)", () => {
    // One spout task with pending 200, always data; split 2 ms on one task: 500 trees/s, 200 in flight → 0.4 s.
    const f = figures([spout('s', 500), bolt('split', 0.002, { emitsPerTuple: {} })], [edge('s', 'split')], { maxSpoutPending: 200, completeLatencySecs: 0.4 });
    const now = predict(f);
    near(now.rate, 500, 0.01);
    near(now.completeLatencySecs, 0.4, 0.02);
    // The queueing at the saturated split is the closed loop's, not overhead: nearly nothing is left over.
    assert.ok(overheadSecs(f) < 0.01, `overhead ${overheadSecs(f)}`);
    // A plan at 2 tasks predicts the latency of 200 trees over the new rate, not the latency at the target.
    const p = plan(f, { target: 900 });
    near(p.predicted.completeLatencySecs, 200 / p.predicted.rate, 0.05);
    // Two observations 30 s apart, a little different: the same plan.
    const later = figures([spout('s', 490), bolt('split', 0.00204, { emitsPerTuple: {} })], [edge('s', 'split')], { maxSpoutPending: 200, completeLatencySecs: 0.41 });
    const q = plan(later, { target: 900 });
    assert.deepEqual(q.change, p.change);
  });

  it('an uneven shuffle: measured shares are used, explained by executors holding several tasks, and fixed by a rebalance', () => {
    const split = bolt('split', 0.002, {
      tasks: 4,
      executors: 1,
      emitsPerTuple: {},
      taskFigures: [
        { task: 5, ratePerSec: 450, serviceSecs: 0.002 },
        { task: 6, ratePerSec: 0, serviceSecs: 0 },
        { task: 7, ratePerSec: 0, serviceSecs: 0 },
        { task: 8, ratePerSec: 0, serviceSecs: 0 },
      ],
    });
    const f = figures([spout('s', 450), split], [edge('s', 'split')], { maxSpoutPending: 1000 });
    const d = diagnose(f);
    assert.equal(d.components.find((c) => c.id === 'split')!.utilization.toFixed(2), '0.90'); // not 25%: the measured share
    const uneven = d.findings.find((x) => x.kind === 'uneven-shuffle');
    assert.ok(uneven, JSON.stringify(d.findings));
    assert.match(uneven!.message, /task 5 executes 100% of its tuples .* tasks 6, 7, 8 executed none/);
    assert.match(uneven!.message, /4 tasks \(one process each\) in 1 executor\(s\).*squall rebalance NAME -p split=4/);
    assert.equal(d.findings.some((x) => x.kind === 'pending-limit'), false);
    const p = plan(f, { target: 900 });
    assert.equal(p.redeploy, false, 'a rebalance does it');
    assert.deepEqual(p.components.find((c) => c.id === 'split')!.executors, { now: 1, planned: 4 });
    assert.equal(p.components.find((c) => c.id === 'split')!.tasks.planned, 4);
    // Storm's rule where nothing was measured: each executor's first task gets its tuples.
    assert.deepEqual(shuffleShares(bolt('x', 0.001, { tasks: 4 }), 4, 1, true), [1, 0, 0, 0]);
    assert.deepEqual(shuffleShares(bolt('x', 0.001, { tasks: 5 }), 5, 2, true), [0.5, 0, 0, 0.5, 0]);
    assert.deepEqual(shuffleShares(bolt('x', 0.001, { tasks: 4 }), 4, 1, false), [0.25, 0.25, 0.25, 0.25]);
  });

  it('UI counts that contradict the observed rate are called unreliable, and no plan rests on them', () => {
    // processLatency with its queueing as the service time: 466/s × 89 ms cannot fit in one task.
    const f = figures([spout('s', 466), bolt('count', 0.089, { emitsPerTuple: {} })], [edge('s', 'count')], { maxSpoutPending: 1000 });
    const d = diagnose(f);
    assert.equal(d.unreliable, true);
    assert.match(d.findings.find((x) => x.kind === 'unreliable')!.message, /count 4147% busy, which cannot be.*Storm UI counts only/);
    assert.equal(d.findings.some((x) => x.kind === 'bottleneck'), false);
    const p = plan(f, { target: 900 }, d);
    assert.equal(p.advice, false);
    const report = { diagnosis: d, plan: p } as unknown as DoctorReport;
    assert.equal(verdict(report, 900, 0)?.outcome, 'not-advice');
  });

  it('a plan predicting less than what runs now is not advice', () => {
    // The observed 466/s with a model that saturates at 11/s: the prediction of any plan is worse than now.
    const f = figures([spout('s', 466), bolt('a', 0.001, { emitsPerTuple: { default: 1 } }), bolt('b', 0.0001, { emitsPerTuple: {} })], [edge('s', 'a'), edge('a', 'b')], {
      maxSpoutPending: 1,
      completeLatencySecs: 0.0021,
    });
    const p = plan(f, { target: 2000 });
    if (p.predicted.rate < 0.98 * 466) assert.equal(p.advice, false);
    else assert.equal(p.advice, true);
  });

  it('never shrinks what is not in the way, and says when the target is already met', () => {
    const f = wordcount({ rate: 160, count: { tasks: 1 }, split: { tasks: 5, executors: 5 }, topo: { maxSpoutPending: 500, completeLatencySecs: 0.05 } });
    const p = plan(f, { target: 300 });
    assert.equal(p.components.find((c) => c.id === 'split')!.tasks.planned, 5);
    assert.ok(p.components.find((c) => c.id === 'count')!.tasks.planned > 1);
    const met = plan(f, { target: 165 });
    assert.equal(met.met, true);
    assert.equal(met.unchanged, true);
  });

  it('a slow instance needs a difference that matters, and on one host is not blamed on the host', () => {
    const tiny = [0.00001, 0.00001, 0.000016].map((s, i) => ({ task: 10 + i, host: 'localhost:6700', ratePerSec: 1000, serviceSecs: s }));
    assert.equal(diagnose(figures([spout('s', 3000), bolt('b', 0.00001, { tasks: 3, taskFigures: tiny })], [edge('s', 'b')])).findings.some((x) => x.kind === 'slow-instance'), false);
    const real = [0.001, 0.001, 0.004].map((s, i) => ({ task: 10 + i, host: 'localhost:6700', ratePerSec: 100, serviceSecs: s }));
    const slow = diagnose(figures([spout('s', 300), bolt('b', 0.002, { tasks: 3, taskFigures: real })], [edge('s', 'b')])).findings.find((x) => x.kind === 'slow-instance');
    assert.match(slow!.message, /look at that instance \(every task runs on the same host\)/);
  });

  it('--apply compares each change with the one before, says when one made things worse, and undoes it', async () => {
    const observed = (rate: number, latency: number, unchanged = false): DoctorReport =>
      ({
        topology: 't',
        local: { options: {} },
        collected: { figures: { completeLatencySecs: latency }, coarse: [], missing: [] },
        diagnosis: { rate, findings: [], components: [] },
        plan: { unchanged, met: false, advice: true, redeploy: true, utilization: 0.7, target: 10000, components: [], maxSpoutPending: { now: null, planned: null }, workers: { now: 1, planned: 1 }, predicted: { rate: 10000, completeLatencySecs: 0.005, components: [] }, current: {}, caveats: [] },
      }) as unknown as DoctorReport;
    const seen = [observed(6000, 0.004), observed(8086, 0.0045), observed(7916, 0.0123)];
    let undone: DoctorReport | undefined;
    const deployment: Deployment = {
      observe: async () => seen[0]!,
      change: async (_r, _t, step) => seen[step]!,
      undo: async (before) => {
        undone = before;
      },
    };
    const result = await applyPlan(deployment, { target: 10000 });
    assert.equal(result.outcome, 'made-worse');
    assert.equal(result.steps.length, 2);
    assert.equal(result.steps[1]!.worse, true);
    assert.equal(undone, seen[1]);
    assert.match(result.message, /change 2 made things worse: 7916 tuple trees\/s against 8086 before it \(complete latency 12\.3 ms against 4\.5 ms\)\. It is undone/);
  });
});

describe('doctor model: a spout held back by max.spout.pending (its round trip measured by the SDK)', () => {
  const spec = (): TopologySpec => {
    const t = new Topology('held');
    const s = t.spout('s', HeldSpout, { outputs: { default: ['n'] } });
    t.bolt('a', HeldBolt, { outputs: {}, parallelism: 4 }).shuffle(s);
    return t.toSpec();
  };
  const line = (m: Partial<TaskMetrics> & Pick<TaskMetrics, 'component' | 'task' | 'kind'>): TaskMetrics => ({
    v: 1, at: 1_700_000_000_000, secs: 10, executed: 0, busySecs: 0, cpuSecs: 0, emitted: {}, concurrency: 1, ...m,
  });
  // 100 roots/s held by pending 10 (latency 0.1 s: 1000 trees·s/s ≥ 0.8 × 10); the spout's handlers took 0.2 ms a
  // command, Storm 1.8 ms to turn round after each ack: 2000 commands a tree pair → 4 ms per root, 250/s at most.
  const observation = (spoutLine: Partial<TaskMetrics>) => ({
    spec: spec(),
    maxSpoutPending: 10,
    messageTimeoutSecs: 30,
    workers: 1,
    completeLatencySecs: 0.1,
    failedPerSec: 0,
    metrics: [
      line({ component: 's', task: 1, kind: 'spout', executed: 1000, busySecs: 0.2, cpuSecs: 0.3, emitted: { default: 1000 }, nexts: 1000, emptyNexts: 0, ...spoutLine }),
      ...[2, 3, 4, 5].map((task) => line({ component: 'a', task, kind: 'bolt', executed: 250, busySecs: 2.5, cpuSecs: 0.1 })),
    ],
  });
  const measuredTrip = { commands: 2000, commandSecs: 0.4, turnarounds: 2000, turnaroundSecs: 0.0018 };

  it('collect: the spout service is its own time plus Storm turnaround per command, not its handler time', () => {
    const s = collect(observation(measuredTrip)).figures.components.find((c) => c.id === 's')!;
    near(s.serviceSecs, (0.4 + 2000 * 0.0018) / 1000); // 4 ms per root
    near(s.taskFigures![0]!.serviceSecs, 0.004);
    near(spoutRoundTrip(line({ component: 's', task: 1, kind: 'spout', ...measuredTrip }))!, 4);
    // Held by its source (most nexts empty-handed): the round trip does not bind it, and empty nexts cost no tree.
    assert.equal(spoutRoundTrip(line({ component: 's', task: 1, kind: 'spout', ...measuredTrip, nexts: 1600, emptyNexts: 1000 })), undefined);
    near(spoutRoundTrip(line({ component: 's', task: 1, kind: 'spout', ...measuredTrip, nexts: 1100, emptyNexts: 100 }))!, 0.4 + 1900 * 0.0018);
    // An older SDK's line (no round trip): the handler time, as before.
    const old = collect(observation({})).figures.components.find((c) => c.id === 's')!;
    near(old.serviceSecs, 0.3 / 1000);
  });

  it('a change that lifts the bolts past the spout is capped at the spout round trip', () => {
    const measured = predict(collect(observation(measuredTrip)).figures, { tasks: { a: 16 }, maxSpoutPending: 1000 });
    assert.ok(measured.rate <= 250 * 1.0001, `predicted ${measured.rate}/s past the spout's 250/s`);
    const unmeasured = predict(collect(observation({})).figures, { tasks: { a: 16 }, maxSpoutPending: 1000 });
    assert.ok(unmeasured.rate > 250, `without the round trip the handler time allowed ${unmeasured.rate}/s`);
  });

  it('aggregating lines keeps the round trip only when every line measured it', () => {
    const a = line({ component: 's', task: 1, kind: 'spout', ...measuredTrip });
    const [both] = aggregateMetrics([a, { ...a, at: a.at + 10_000 }]);
    assert.deepEqual([both!.commands, both!.turnarounds], [4000, 4000]);
    near(both!.commandSecs!, 0.8);
    near(both!.turnaroundSecs!, 0.0018);
    const [mixed] = aggregateMetrics([a, line({ component: 's', task: 1, kind: 'spout' })]);
    assert.equal(mixed!.commands, undefined);
    assert.equal(spoutRoundTrip(mixed!), undefined);
  });

  it('the meter takes a short gap (10th percentile) as the turnaround: long gaps are Storm holding the spout back', () => {
    const gaps = new Array<number>(64).fill(0);
    gaps[10] = 10; // 10 short gaps (~0.08 ms)
    gaps[40] = 90; // 90 long ones (~70 ms): the pending limit
    const short = gapQuantileMs(gaps, 100);
    assert.ok(short > 0.07 && short < 0.1, `${short} ms`);
    assert.equal(gapQuantileMs(gaps, 0), 0);
    const meter = new Meter('s', 1, 'spout', 1);
    const at = meter.now();
    meter.commandArrived(); // the first command: no sync before it, no gap
    meter.synced(at, meter.now());
    meter.commandArrived();
    meter.synced(at, meter.now());
    const m = parseMetricsLine(meter.flush())!;
    assert.equal(m.commands, 2);
    assert.equal(m.turnarounds, 1);
    assert.ok(m.commandSecs! >= 0 && m.turnaroundSecs! > 0);
    const old = parseMetricsLine(formatMetricsLine(line({ component: 's', task: 1, kind: 'spout' })))!;
    assert.equal(old.commands, undefined);
  });
});

class HeldSpout extends Spout {
  override nextTuple(): void {}
}
class HeldBolt extends Bolt {
  override process(): void {}
}

describe('doctor model: the cores of a shared host', () => {
  // Measured on a loaded 2-core host: a spins 17.3 ms of CPU per tuple, synchronously, at 24/s, busy all the time
  // yet getting 0.42 of a core (the host's other processes had the rest).
  const shared = (coreShare?: number): TopologyFigures =>
    figures(
      [spout('s', 24, { cpuSecs: 0.00054, serviceSecs: 0.002 }), bolt('a', 0.0413, { cpuSecs: 0.0173 }), bolt('b', 0.0019, { cpuSecs: 0.00044, emitsPerTuple: {} })],
      [edge('s', 'a'), edge('a', 'b', 'fields')],
      { cores: 2, maxSpoutPending: 100, completeLatencySecs: 3.8, ...(coreShare !== undefined ? { coreShare } : {}) },
    );

  it('more processes get a fair share of the cores beside the others, not all of them', () => {
    const alone = predict(shared(), { tasks: { a: 4 } });
    near(alone.coresRate, 2 / (0.00054 + 0.0173 + 0.00044), 1e-9); // the whole cores: ~109/s
    const beside = predict(shared(0.42), { tasks: { a: 4 } });
    // others = 2 / 0.42 − ~1.06 ≈ 3.7 runnable; 4 of ours get about 2 × 4 / 7.7 ≈ 1.03 cores ≈ 57/s.
    assert.ok(beside.coresRate > 50 && beside.coresRate < 62, `cores allow ${beside.coresRate}/s`);
    assert.ok(beside.rate <= beside.coresRate * 1.0001);
    // As it runs, the bound is about what was measured: one runnable process at 0.42 of a core.
    const now = predict(shared(0.42));
    assert.ok(now.coresRate > 22 && now.coresRate < 27, `cores allow ${now.coresRate}/s as it runs`);
  });

  it('collect reads the share from synchronous tasks busy all the time, and only from them', () => {
    const m = (extra: Partial<TaskMetrics>): TaskMetrics => ({
      v: 1, component: 'a', task: 1, kind: 'bolt', at: 0, secs: 10, executed: 240, busySecs: 9.9, loopSecs: 9.9, awaitSecs: 0, cpuSecs: 4.16, emitted: {}, concurrency: 1, ...extra,
    });
    near(coreShareOf([m({})]).coreShare!, 4.16 / 9.9);
    assert.deepEqual(coreShareOf([m({ busySecs: 2, loopSecs: 2 })]), {}); // idle most of the time: it wanted no core
    assert.deepEqual(coreShareOf([m({ awaitSecs: 9, loopSecs: 0.9 })]), {}); // awaiting, not running
    assert.deepEqual(coreShareOf([m({ cpuSecs: 9.9 })]), {}); // a whole core: nothing competed
    assert.deepEqual(coreShareOf([m({ loopSecs: undefined, awaitSecs: undefined })]), {}); // an older SDK's line
  });
});
