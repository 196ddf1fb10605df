import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTopology } from '../src/testing/harness.js';
import type { TopologyRun } from '../src/testing/harness.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { temporaryFolder } from '../src/process/cleanup.js';

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
    const crashFile = join(temporaryFolder('squall-crash-').path, 'crashed');
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
      // Wait for every expected output: the numbers are unreliable emits, which the drain at stop does not wait for.
      until: (r) =>
        r.emitted.some((t) => t.component === 'ticker' && String(t.values[1]).startsWith('tick')) &&
        r.emitted.filter((t) => t.component === 'consumer').length === 10 &&
        r.emitted.filter((t) => t.component === 'everyone').length === 20,
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
      // 2 s, not 1: with heartbeats every second, an idle bolt's gap between messages is about 1 s, and a late timer
      // under load would kill a healthy bolt (as it would on a cluster with that setting).
      conf: { 'test.silent': true, 'topology.subprocess.timeout.secs': 2 },
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

describe('embedded runtime, hardened against what real components and faults do', () => {
  it('never kills a component for a pid file written after its pid, as Storm\'s storm.py writes it', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'late-pid.ts'), { runMs: 1500, conf: { 'test.pid.delay': 0.3 } });
    assert.deepEqual(run.events.filter((e) => e.kind === 'death' || e.kind === 'warning'), []);
    assert.equal(stat(run, 'numbers').acked, 20, 'every tuple went through the late bolt');
  });

  it('warns once, and kills nothing, when a component never writes its pid file', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'late-pid.ts'), { runMs: 3000, conf: { 'test.pid.delay': -1 } });
    assert.deepEqual(run.events.filter((e) => e.kind === 'death'), []);
    const warnings = run.events.filter((e) => e.kind === 'warning');
    assert.equal(warnings.length, 1, 'one warning');
    assert.equal(warnings[0]!.component, 'late');
    assert.match(warnings[0]!.message, /no pid file .*on a cluster the supervisor could not kill this process/);
    assert.equal(stat(run, 'numbers').acked, 20);
  });

  it('stops at start when a task cannot start at all, saying which and why', async () => {
    await assert.rejects(
      runTopology(join(TOPOLOGIES, 'unstartable.ts'), { runMs: 60_000 }),
      (err: Error) => {
        assert.equal(err.name, 'TaskStartError');
        assert.match(err.message, /^"unstartable" cannot run: bolt "ghost" \(task \d+\) cannot start "no-such-interpreter": command not found\. /);
        return true;
      },
    );
  });

  it('refuses a bolt subscribed twice to one stream before starting anything', async () => {
    await assert.rejects(runTopology(join(TOPOLOGIES, 'double-subscription.ts'), { runMs: 60_000 }), /bolt "tally" subscribes twice to stream "default" of "words"/);
  });

  it('restarts a task that starts and exits before the handshake; stderr shows once', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'crash-at-start.ts'), {
      runMs: 5000,
      until: (r) => r.events.filter((e) => e.kind === 'death' && e.component === 'crash').length >= 3,
      drainMs: 100,
    });
    const crashes = run.events.filter((e) => e.kind === 'death' && e.component === 'crash');
    assert.ok(crashes.length >= 3, 'a process that starts and exits is restarted, as a supervisor restarts a worker');
    for (const death of crashes) {
      assert.match(death.message, /^process exited \(code 3\) before answering the handshake; stderr: boom/);
      assert.equal(death.message.split('boom').length, 2, `stderr shown once: ${death.message}`);
    }
  });

  it('counts the trees that timed out among the failed, as Storm counts them', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'reliability.ts'), { runMs: 1500, conf: { 'test.count': 50 }, drainMs: 6000 });
    const numbers = stat(run, 'numbers');
    // reliability.ts fails multiples of 7 and never acks multiples of 11 (0, a multiple of both, is failed).
    const timedOut = Array.from({ length: 50 }, (_, i) => i).filter((n) => n % 11 === 0 && n % 7 !== 0).length;
    assert.equal(numbers.failed, Array.from({ length: 50 }, (_, i) => i).filter((n) => n % 7 === 0 || n % 11 === 0).length);
    assert.equal(numbers.timedOut, timedOut);
    assert.equal(numbers.unreliable, 0, 'every emit carried a message id');
  });

  it('counts as acked only the acks that reached the spout, when the spout dies with acks on the way', async () => {
    const crashFile = join(temporaryFolder('squall-crash-').path, 'crashed');
    const run = await runTopology(join(TOPOLOGIES, 'spout-crash.ts'), {
      runMs: 4000,
      conf: { 'test.count': 40, 'test.crash.file': crashFile },
      drainMs: 6000,
    });
    const numbers = stat(run, 'numbers');
    assert.equal(numbers.deaths, 1, 'the spout died once');
    const heard = logs(run, 'numbers');
    assert.equal(numbers.acked, heard.filter((l) => l.startsWith('ack ')).length, 'acked = acks the spout received');
    assert.equal(numbers.failed, heard.filter((l) => l.startsWith('fail ')).length, 'failed = fails the spout received');
  });

  it('bounds bolt receive queues by bytes, and reports the tuples discarded at stop', async () => {
    const { loadTopology } = await import('../src/packaging/load.js');
    const { LocalCluster } = await import('../src/runtime/local-cluster.js');
    const budget = 2_000_000;
    const loaded = await loadTopology(join(TOPOLOGIES, 'big-tuples.ts'), { config: { commandLine: { 'squall.receive.buffer.bytes': budget } } });
    const cluster = new LocalCluster(loaded.spec, {
      squall: { command: process.execPath, script: loaded.bundle },
      resourcesDir: loaded.resourcesDir,
    });
    await cluster.start();
    let most = 0;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 25));
      most = Math.max(most, cluster.queuedBytes);
    }
    const stats = await cluster.stop(500);
    const big = stats.find((s) => s.component === 'big')!;
    const slow = stats.find((s) => s.component === 'slow')!;
    assert.ok(big.emitted > 40, `the spout kept emitting (${big.emitted})`);
    // One `next` (5 tuples of 100 kB) may land on a full queue before the spout is held.
    assert.ok(most <= budget + 5 * 100_100, `at most ${most} bytes queued`);
    assert.ok(slow.discarded > 0, 'unreliable tuples were still queued at stop');
    assert.equal(slow.executed + slow.discarded, big.emitted, 'every tuple was executed or reported discarded');
  });
});

describe('component test harness', () => {
  it('leaves no temporary folder behind: bundles and pid folders of runTopology, testBolt and the test driver', async () => {
    const { execa } = await import('execa');
    const { readdirSync } = await import('node:fs');
    const { pathToFileURL } = await import('node:url');
    const { FIXTURES } = await import('./helpers/driver.js');
    const temp = temporaryFolder('squall-leftovers-').path;
    const dist = (path: string) => JSON.stringify(pathToFileURL(join(FIXTURES, '..', '..', path)).href);
    const script = [
      `const { runTopology, testBolt } = await import(${dist('src/testing/index.js')});`,
      `const { startBolt } = await import(${dist('test/helpers/driver.js')});`,
      `await runTopology(${JSON.stringify(join(EXAMPLES, 'wordcount'))}, { runMs: 300 });`,
      `const split = await testBolt(${JSON.stringify(join(EXAMPLES, 'wordcount'))}, 'split', [{ values: ['a b'] }]);`,
      `if (split.acked.length !== 1) throw new Error('testBolt did not run');`,
      `const bolt = await startBolt('components.js', { context: { componentId: 'scripted', outputFields: { default: ['word'] } } });`,
      `await bolt.executor.stop();`,
    ].join('\n');
    const result = await execa(process.execPath, ['--input-type=module', '-e', script], { env: { TMPDIR: temp }, reject: false });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(readdirSync(temp), [], 'no squall-build-* or squall-pids-* folder left');
  });

  it('feeds given tuples to one bolt and collects emits, acks and fails', async () => {
    const { testBolt } = await import('../src/testing/component-harness.js');
    const split = await testBolt(join(EXAMPLES, 'wordcount'), 'split', [{ values: ['a b'] }, { values: ['c'] }]);
    assert.deepEqual(split.emitted.map((e) => [e.values, e.anchors]), [[['a'], [0]], [['b'], [0]], [['c'], [1]]]);
    assert.deepEqual(split.acked, [0, 1]);
    const flaky = await testBolt(join(TOPOLOGIES, 'reliability.ts'), 'flaky', [{ values: [7] }, { values: [8] }]);
    assert.deepEqual(flaky.failed, [0]);
    assert.deepEqual(flaky.acked, [1]);
  });

  it('testBolt refuses an input with more values than its stream declares fields, before starting the bolt', async () => {
    const { testBolt } = await import('../src/testing/component-harness.js');
    await assert.rejects(
      testBolt(join(EXAMPLES, 'wordcount'), 'split', [{ values: ['a b'] }, { values: ['c d', 'extra'] }]),
      /testBolt\("split"\) input 1 \(\["c d","extra"\]\) cannot come from sentences: sentences emitted 2 values on "default", which declares 1 fields \(sentence\): Tuple created with wrong number of fields; give one value per field/,
    );
  });

  it('testBolt refuses a bolt that emits more values than its stream declares, as a worker does', async () => {
    const { testBolt } = await import('../src/testing/component-harness.js');
    await assert.rejects(
      testBolt(join(TOPOLOGIES, 'wrong-shape.ts'), 'pairs', [{ values: ['cow'] }]),
      /testBolt: pairs emitted 2 values on "default", which declares 1 fields \(word\): Tuple created with wrong number of fields/,
    );
  });

  it('testBolt feeds nested values as a squall source sends them and shows what the bolt emitted as it had it', async () => {
    const { testBolt } = await import('../src/testing/component-harness.js');
    const { valuesOf } = await import('./topologies/nested.js');
    const run = await testBolt(join(TOPOLOGIES, 'nested.ts'), 'byfields', [{ values: valuesOf(4) }, { values: valuesOf(5) }]);
    assert.equal(run.death, undefined);
    assert.deepEqual(run.emitted.map((e) => e.values), [
      [4, 'ok', { kind: 1, tags: ['g', 1] }],
      [5, 'ok', { kind: 2, tags: ['g', 2] }],
    ]);
  });
});

describe('objects and arrays in tuples, across simulated workers', () => {
  it('arrive deep-equal in squall bolts over every grouping, and decoded in a Python bolt', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'nested.ts'), {
      runMs: 8000,
      until: (r) => r.stats.length === 0 && r.emitted.filter((t) => t.component !== 'records').length >= 30 * 9,
    });
    assert.deepEqual(run.events.filter((e) => e.kind === 'death' || e.kind === 'error'), []);
    const reports = (component: string) => run.emitted.filter((t) => t.component === component);
    for (const component of ['byfields', 'byshuffle', 'bylocal', 'byglobal', 'bynone', 'python']) {
      const ns = reports(component).map((t) => t.values[0] as number).sort((a, b) => a - b);
      assert.deepEqual(ns, Array.from({ length: 30 }, (_, i) => i), `${component} got each tuple once`);
    }
    assert.equal(reports('byall').length, 60, 'all grouping: both tasks got every tuple');
    const verdicts = run.emitted.filter((t) => t.component !== 'records').map((t) => t.values[1]);
    assert.deepEqual([...new Set(verdicts)], ['ok'], 'every value deep-equal to what the spout emitted');
    // Equal groups (keys set in either order) went to one task each.
    const taskOfKind = new Map<number, Set<number>>();
    for (const t of reports('byfields')) {
      const kind = (t.values[2] as { kind: number }).kind;
      (taskOfKind.get(kind) ?? taskOfKind.set(kind, new Set()).get(kind)!).add(t.task);
    }
    assert.equal(taskOfKind.size, 3);
    for (const [kind, taskSet] of taskOfKind) assert.equal(taskSet.size, 1, `group kind ${kind} reached one task`);
    assert.equal(stat(run, 'records').acked, 30);
  });

  it('with squall.encode.nested false, a squall spout crossing workers fails as the cluster does', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'nested.ts'), {
      runMs: 8000,
      conf: { 'squall.encode.nested': false },
      until: (r) => r.events.some((e) => e.kind === 'death'),
      drainMs: 100,
    });
    const death = run.events.find((e) => e.kind === 'death');
    assert.equal(death?.component, 'records');
    assert.match(death!.message, /Class is not registered: org\.apache\.storm\.shade\.net\.minidev\.json\.JSONObject/);
  });

  it('a shell spout emitting raw nested JSON dies with Storm\'s words when a tuple crosses workers', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'raw-nested.ts'), {
      runMs: 8000,
      until: (r) => r.events.some((e) => e.kind === 'death'),
      drainMs: 100,
    });
    const death = run.events.find((e) => e.kind === 'death');
    assert.equal(death?.component, 'raw');
    assert.match(death!.message, /^java\.lang\.IllegalArgumentException: Class is not registered: org\.apache\.storm\.shade\.net\.minidev\.json\.JSONObject \(WorkerTransfer\.tryTransferRemote/);
    assert.match(death!.message, /squall: raw \(task \d+, worker \d of 2\) emitted a nested object in field "record".*Fix:/);
  });

  it('the same raw nested JSON runs in one worker (nothing crosses), arriving as objects', async () => {
    const run = await runTopology(join(TOPOLOGIES, 'raw-nested.ts'), {
      runMs: 8000,
      conf: { 'topology.workers': 1 },
      until: (r) => r.emitted.filter((t) => t.component === 'sink').length >= 20,
    });
    assert.deepEqual(run.events.filter((e) => e.kind === 'death'), []);
    const sink = run.emitted.filter((t) => t.component === 'sink').sort((a, b) => (a.values[0] as number) - (b.values[0] as number));
    assert.deepEqual(sink.map((t) => JSON.parse(t.values[1] as string)), Array.from({ length: 20 }, (_, n) => ({ n, tags: ['a', n] })));
  });
});

describe('tuple ids', () => {
  it('are the decimal text of signed 64-bit longs, 19 digits, distinct, as Storm sends them', async () => {
    const { TupleIds } = await import('../src/runtime/shell-bolt.js');
    const signs = new Set<string>();
    for (let executor = 0; executor < 40; executor++) {
      const ids = new TupleIds();
      const seen = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const id = ids.next();
        assert.match(id, /^-?[1-9]\d{18}$/);
        const value = BigInt(id);
        assert.ok(value <= 9223372036854775807n && value >= -9223372036854775808n, `${id} fits a long`);
        seen.add(id);
      }
      assert.equal(seen.size, 1000);
      signs.add(ids.next()[0] === '-' ? '-' : '+');
    }
    assert.deepEqual([...signs].sort(), ['+', '-'], 'either sign, as random longs have');
  });
});

describe('polling while a spout answer is due', () => {
  it('never keeps the process alive: a process that polls and then has nothing to do exits', async () => {
    const { execa } = await import('execa');
    const module = new URL('../src/runtime/stay-awake.js', import.meta.url).href;
    const script = `import { stayAwake } from ${JSON.stringify(module)}; stayAwake(50); stayAwake(20); console.log('polling');`;
    const result = await execa(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, reject: false });
    assert.equal(result.timedOut, false, 'the poll ended by itself');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout, 'polling');
  });
});
