import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTopology } from '../src/testing/harness.js';
import type { TopologyRun } from '../src/testing/harness.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';

const TOPOLOGIES = join(SOURCE_FIXTURES, '..', 'topologies');
const EXAMPLES = join(SOURCE_FIXTURES, '..', '..', 'examples');

const logs = (run: TopologyRun, component: string) =>
  run.events.filter((e) => e.kind === 'log' && e.component === component).map((e) => e.message);
const stat = (run: TopologyRun, component: string) => run.stats.find((s) => s.component === component)!;

/** Every message id 0..count-1 was acked or failed, and the spout heard of each exactly once. */
function settledOnce(run: TopologyRun, count: number): { acked: number[]; failed: number[] } {
  const acked: number[] = [];
  const failed: number[] = [];
  for (const line of logs(run, 'numbers')) {
    const [verb, id] = line.split(' ');
    (verb === 'ack' ? acked : failed).push(Number(id));
  }
  const all = [...acked, ...failed].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: count }, (_, i) => i), 'each message settled exactly once');
  return { acked, failed };
}

describe('embedded runtime', () => {
  it('runs wordcount through shuffle and fields groupings, acking every sentence', async () => {
    const run = await runTopology(join(EXAMPLES, 'wordcount'), { runMs: 1500 });
    const counts = run.emitted.filter((t) => t.component === 'count');
    assert.ok(counts.length > 100, `counted ${counts.length} words`);
    // Fields grouping: each word is counted by one task only.
    const taskOf = new Map<string, number>();
    for (const t of counts) {
      const word = String(t.values[0]);
      assert.equal(taskOf.get(word) ?? t.task, t.task, `"${word}" counted by one task`);
      taskOf.set(word, t.task);
    }
    assert.equal(new Set(taskOf.values()).size, 2, 'words spread over both count tasks');
    const sentences = stat(run, 'sentences');
    assert.equal(sentences.acked, sentences.emitted, 'every sentence tree completed after the drain');
    assert.equal(sentences.failed, 0);
    assert.ok(stat(run, 'split').acked === sentences.emitted);
  });

  it('fails trees on a bolt fail and on a message timeout, and loses none', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'reliability.ts'), { runMs: 1500, conf: { 'test.count': 50 }, drainMs: 6000 });
    const { failed } = settledOnce(run, 50);
    const expectFailed = Array.from({ length: 50 }, (_, i) => i).filter((n) => n % 7 === 0 || n % 11 === 0);
    assert.deepEqual(failed.sort((a, b) => a - b), expectFailed, 'multiples of 7 failed, of 11 timed out');
  });

  it('survives a bolt killed mid-run: its tuples time out and the spout hears of every message', async () => {
    const crashFile = join(mkdtempSync(join(tmpdir(), 'squall-crash-')), 'crashed');
    const run = await runTopology(join(TOPOLOGIES, 'reliability.ts'), {
      runMs: 4000,
      conf: { 'test.count': 60, 'test.crash.file': crashFile },
      drainMs: 6000,
    });
    const death = run.events.find((e) => e.kind === 'death');
    assert.ok(death && death.component === 'flaky' && /signal SIGKILL/.test(death.message), `death reported: ${death?.message}`);
    assert.ok(run.events.some((e) => e.kind === 'restart' && e.component === 'flaky'), 'task restarted');
    const { failed } = settledOnce(run, 60);
    assert.ok(failed.includes(20), 'the tuple in the dead bolt failed (timed out)');
    assert.equal(stat(run, 'flaky').deaths, 1);
  });

  it('routes named streams, direct emits to the named task, all grouping to every task, and ticks', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'streams.ts'), {
      runMs: 4000,
      until: (r) => r.emitted.some((t) => t.component === 'ticker' && String(t.values[1]).startsWith('tick')) && r.emitted.filter((t) => t.component === 'consumer').length === 10,
    });
    const consumer = run.emitted.filter((t) => t.component === 'consumer');
    const tasks = [...new Set(consumer.map((t) => t.task))].sort();
    assert.equal(tasks.length, 2);
    for (const t of consumer) assert.equal(t.task, tasks[Number(t.values[1]) % 2], `direct emit of ${String(t.values[1])}`);
    const everyone = run.emitted.filter((t) => t.component === 'everyone');
    assert.equal(everyone.length, 20, 'both tasks got all 10 numbers');
    const ticker = run.emitted.filter((t) => t.component === 'ticker').map((t) => t.values[1]);
    assert.ok(ticker.includes('marker'), 'global grouping delivered the marker');
    assert.ok(ticker.includes('tick 1'), 'tick tuple with its frequency');
    assert.equal(stat(run, 'source').acked, 1, 'the one reliable message was acked');
  });

  it('drives a Python multi-lang bolt written against the protocol alone', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'polyglot.ts'), { runMs: 1500 });
    assert.ok(logs(run, 'split').includes('splitter ready as split'));
    const upper = run.emitted.filter((t) => t.component === 'upper').map((t) => t.values[0]);
    assert.equal(upper.length, 80);
    assert.ok(upper.includes('POLYGLOT'));
    assert.equal(stat(run, 'sentences').acked, 20);
  });

  it('kills and restarts a bolt that stops answering heartbeats', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'polyglot.ts'), {
      runMs: 4000,
      conf: { 'test.silent': true, 'topology.subprocess.timeout.secs': 1 },
      until: (r) => r.events.some((e) => e.kind === 'death'),
      drainMs: 100,
    });
    const death = run.events.find((e) => e.kind === 'death');
    assert.equal(death?.component, 'split');
    assert.match(death!.message, /subprocess heartbeat timeout/);
  });
});

describe('embedded runtime settings, as Storm reads them', () => {
  // 0 is refused as Storm's config validation refuses it (@IsPositiveNumber); null is Storm's default.
  it('topology.max.spout.pending null means no limit', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'reliability.ts'), { runMs: 1500, conf: { 'test.count': 30, 'topology.max.spout.pending': null }, drainMs: 6000 });
    assert.equal(stat(run, 'numbers').emitted, 30);
    settledOnce(run, 30);
  });

  it('with topology.acker.executors 0, reliable emits are acked at once, whatever the bolts do', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'reliability.ts'), { runMs: 1000, conf: { 'test.count': 30, 'topology.acker.executors': 0 } });
    const { acked, failed } = settledOnce(run, 30);
    assert.equal(acked.length, 30);
    assert.deepEqual(failed, [], 'no acker: bolt fails and timeouts change nothing');
  });

  it('throttles spouts while a bolt task’s receive queue is full (back-pressure)', async () => {
    const { loadTopology } = await import('../src/packaging/load.js');
    const { LocalCluster } = await import('../src/runtime/local-cluster.js');
    const loaded = await loadTopology(join(TOPOLOGIES, 'flood.ts'));
    const cluster = new LocalCluster(loaded.spec, { squall: { command: process.execPath, script: loaded.bundle }, resourcesDir: loaded.resourcesDir });
    await cluster.start();
    let most = 0;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 25));
      most = Math.max(most, cluster.queuedTuples);
    }
    const stats = await cluster.stop(500);
    assert.ok(stats.find((s) => s.component === 'flood')!.emitted > 100, 'the spout kept emitting');
    // The buffer is 100; one `next` adds at most 20 more before the spout is held.
    assert.ok(most <= 120, `at most ${most} tuples queued`);
  });
});

describe('component test harness', () => {
  it('feeds given tuples to one bolt and collects emits, acks and fails', async () => {
    const { testBolt } = await import('../src/testing/component-harness.js');
    const split = await testBolt(join(EXAMPLES, 'wordcount'), 'split', [{ values: ['a b'] }, { values: ['c'] }]);
    assert.deepEqual(split.emitted.map((e) => [e.values, e.anchors]), [[['a'], [0]], [['b'], [0]], [['c'], [1]]]);
    assert.deepEqual(split.acked, [0, 1]);
    const flaky = await testBolt(join(TOPOLOGIES, 'reliability.ts'), 'flaky', [{ values: [7] }, { values: [8] }]);
    assert.deepEqual(flaky.failed, [0]);
    assert.deepEqual(flaky.acked, [1]);
  });
});
