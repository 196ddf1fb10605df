import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startBolt } from './helpers/driver.js';

type Started = Awaited<ReturnType<typeof startBolt>>;
const started: Started[] = [];
after(async () => {
  for (const b of started) b.proc.kill();
});

async function bolt(componentId = 'scripted', extra: Partial<Parameters<typeof startBolt>[1]> = {}): Promise<Started> {
  const b = await startBolt('components.js', {
    context: {
      componentId,
      taskId: 3,
      tasks: { 1: 'source', 3: componentId, 4: componentId },
      outputFields: { default: ['word'], ticks: ['tick', 'freq'] },
      sourceFields: { source: { default: ['op', 'arg'] } },
    },
    conf: { 'test.key': 'conf-value', ...(extra.conf ?? {}) },
    ...extra,
  });
  started.push(b);
  return b;
}

describe('Bolt over real pipes', () => {
  it('answers the handshake with its pid after creating the pid file, and sees conf and context', async () => {
    const b = await bolt();
    assert.equal(b.pid, b.proc.pid);
    assert.ok(existsSync(join(b.pidDir, String(b.pid))), 'pid file exists');
    const input = b.send(['context']);
    await b.recorder.until(() => b.recorder.acks.length === 1, 'ack');
    const info = JSON.parse(String(b.recorder.emits[0]!.values[0]));
    assert.deepEqual(info, {
      taskId: 3,
      componentId: 'scripted',
      tasks: [[1, 'source'], [3, 'scripted'], [4, 'scripted']],
      output: ['word'],
      conf: 'conf-value',
    });
    assert.deepEqual(b.recorder.emits[0]!.anchors, [input], 'auto-anchored to the input');
    assert.deepEqual(b.recorder.acks, [input], 'auto-acked');
  });

  it('emits on streams, directly, unanchored, reads fields by name, and returns task ids in emit order', async () => {
    const b = await bolt('scripted', { taskIds: [4, 3] });
    b.send(['emit-stream', 'side', 'x']);
    b.send(['direct', 4, 'y']);
    const unanchored = b.send(['unanchored', 'z']);
    b.send(['field', 'by-name']);
    b.send(['task-ids']);
    await b.recorder.until(() => b.recorder.acks.length === 5, '5 acks');
    const [side, direct, free, field, a, bb, ids] = b.recorder.emits;
    assert.deepEqual([side!.stream, side!.values], ['side', ['x']]);
    assert.deepEqual([direct!.stream, direct!.directTask, direct!.values], ['direct', 4, ['y']]);
    assert.deepEqual(free!.anchors, [], `input ${unanchored} not anchored`);
    assert.deepEqual(field!.values, ['by-name']);
    assert.deepEqual([a!.values, bb!.values], [['a'], ['b']]);
    assert.deepEqual([ids!.stream, ids!.values], ['ids', ['ids', '[[4,3],[4,3]]']]);
    // Direct emits fail on Storm 2.6.0+: said once, at warn level, however many are made (and nothing else is warned).
    b.send(['direct', 3, 'again']);
    await b.recorder.until(() => b.recorder.acks.length === 6, 'sixth ack');
    const warnings = b.recorder.logs.filter((l) => l.level === 3).map((l) => l.msg);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /direct emits are expected to fail on Storm 2\.6\.0 and later/);
    assert.equal(b.recorder.death, undefined);
  });

  it('fails, acks manually, and never acks twice', async () => {
    const b = await bolt();
    const failed = b.send(['fail']);
    const acked = b.send(['manual-ack']);
    await b.recorder.until(() => b.recorder.acks.length + b.recorder.fails.length === 2, 'ack and fail');
    assert.deepEqual(b.recorder.fails, [failed]);
    assert.deepEqual(b.recorder.acks, [acked]);
    assert.equal(b.recorder.death, undefined, 'no second ack reached Storm');
  });

  it('answers heartbeats with sync while an async process awaits', async () => {
    // Timeout 1.5 s, heartbeats every 100 ms, a handler that takes 3 s: only the syncs keep the bolt alive.
    const b = await bolt('scripted', { timeoutMs: 1500, heartbeatMs: 100 });
    const input = b.send(['sleep', 3000]);
    await b.recorder.until(() => b.recorder.acks.length === 1, 'ack after sleep', 8000);
    assert.deepEqual(b.recorder.acks, [input]);
    assert.deepEqual(b.recorder.emits[0]!.values, ['slept']);
    assert.equal(b.recorder.death, undefined);
  });

  it('sends tick tuples to processTick and acks them', async () => {
    const b = await bolt();
    const tick = b.tick(5);
    await b.recorder.until(() => b.recorder.acks.length === 1, 'tick ack');
    assert.deepEqual(b.recorder.acks, [tick]);
    assert.deepEqual(b.recorder.emits[0]!.stream, 'ticks');
    assert.deepEqual(b.recorder.emits[0]!.values, ['tick', 5]);
    assert.deepEqual(b.recorder.emits[0]!.anchors, [tick]);
  });

  it('acks ticks even with autoAck off, and leaves other tuples to the user', async () => {
    const b = await bolt('manual');
    const held = b.send(['emit', 'w']);
    const tick = b.tick();
    await b.recorder.until(() => b.recorder.acks.length === 1, 'tick ack');
    assert.deepEqual(b.recorder.acks, [tick]);
    assert.deepEqual(b.recorder.emits[0]!.anchors, [], 'autoAnchor off');
    assert.equal(b.executor.pending, 1, `input ${held} still pending`);
  });

  it('still gets tuples while it holds earlier ones and says nothing (the runtime only briefly holds writes to a busy bolt)', async () => {
    const b = await bolt('manual');
    b.send(['noop']);
    // Long enough for the first tuple to be written and read: the bolt now holds it, silent.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = b.send(['manual-ack']);
    await b.recorder.until(() => b.recorder.acks.length === 1, 'the ack of the second tuple');
    assert.deepEqual(b.recorder.acks, [second]);
    assert.equal(b.executor.pending, 1, 'the first is still held by the bolt');
  });

  it('on a thrown exception: fails the tuple, reports the error, logs the stack, exits 1', async () => {
    const b = await bolt();
    const input = b.send(['throw', 'kaboom']);
    const exit = await b.proc.exited;
    assert.equal(exit.exitCode, 1);
    assert.deepEqual(b.recorder.fails, [input]);
    assert.equal(b.recorder.errors.length, 1);
    assert.match(b.recorder.errors[0]!, /^Error: boom: kaboom at .*components\.js:\d+:\d+\)$/, 'the error names where it was thrown');
    const log = b.recorder.logs.find((l) => l.level === 4);
    assert.ok(log && /boom: kaboom/.test(log.msg) && /at .*components\.js/.test(log.msg), 'stack logged at ERROR');
  });

  it('with exitOnException off, reports and carries on', async () => {
    const b = await bolt('forgiving');
    const bad = b.send(['throw', 'once']);
    const good = b.send(['emit', 'fine']);
    await b.recorder.until(() => b.recorder.acks.length === 1, 'next tuple acked');
    assert.deepEqual(b.recorder.fails, [bad]);
    assert.deepEqual(b.recorder.acks, [good]);
    assert.equal(b.recorder.errors.length, 1);
  });

  it('refuses a second ack in user code instead of sending what would kill the worker', async () => {
    const b = await bolt('forgiving');
    const input = b.send(['double-ack']);
    await b.recorder.until(() => b.recorder.errors.length === 1, 'error reported');
    assert.deepEqual(b.recorder.acks, [input]);
    assert.match(b.recorder.errors[0]!, /cannot ack tuple .* not a pending tuple/);
    assert.equal(b.recorder.death, undefined);
  });

  it('turns console output and stray stdout writes into log commands', async () => {
    const b = await bolt('debug');
    b.send(['console']);
    await b.recorder.until(() => b.recorder.acks.length === 1, 'ack');
    assert.deepEqual(b.recorder.logs, [
      { msg: 'console.log from process 42', level: 2 },
      { msg: 'console.warn text', level: 3 },
      { msg: 'console.error text', level: 4 },
      { msg: 'console.debug text', level: 1 },
      { msg: 'stray stdout line', level: 2 },
    ]);
    assert.deepEqual(b.recorder.emits[0]!.values, ['after-console']);
    assert.equal(b.recorder.death, undefined, 'the protocol stream stayed clean');
  });

  it('filters logs below the configured level (conf squall.log.level overrides the class option)', async () => {
    const info = await bolt();
    info.send(['log-levels']);
    await info.recorder.until(() => info.recorder.acks.length === 1, 'ack');
    assert.deepEqual(info.recorder.logs.map((l) => l.level), [2, 3, 4]);
    const trace = await bolt('scripted', { conf: { 'squall.log.level': 'trace' } });
    trace.send(['log-levels']);
    await trace.recorder.until(() => trace.recorder.acks.length === 1, 'ack');
    assert.deepEqual(trace.recorder.logs.map((l) => l.level), [0, 1, 2, 3, 4]);
  });

  it('reports errors and refuses metrics unless allowed', async () => {
    const b = await bolt('forgiving');
    b.send(['report']);
    b.send(['metrics']);
    await b.recorder.until(() => b.recorder.errors.length === 2, 'two errors');
    assert.match(b.recorder.errors[0]!, /^Error: reported on purpose at .*components\.js:\d+:\d+\)$/);
    assert.match(b.recorder.errors[1]!, /metrics are off/);
    assert.equal(b.recorder.death, undefined, 'no metrics command reached Storm');
  });

  it('carries a tuple of several megabytes both ways', async () => {
    const b = await bolt();
    const big = 'ü'.repeat(3 * 1024 * 1024);
    b.send(['emit', big]);
    b.send(['length', big]);
    await b.recorder.until(() => b.recorder.acks.length === 2, 'acks', 20_000);
    // assert.ok, not equal: a failure must not print megabytes.
    assert.ok(b.recorder.emits[0]!.values[0] === big, 'the big value came back intact');
    assert.equal(b.recorder.emits[1]!.values[0], big.length);
  });

  it('keeps no tuple it has settled: 1 MB tuples, one at a time, through a 64 MB heap', async () => {
    // Each tuple is acked before the next is sent, so only one is ever in flight. A bolt that kept settled
    // tuples (up to 1024 of them) would need ~150 MB here and die with "JavaScript heap out of memory".
    const b = await bolt('scripted', { env: { NODE_OPTIONS: '--max-old-space-size=64' } });
    const big = 'x'.repeat(1024 * 1024);
    for (let i = 1; i <= 150; i++) {
      b.send(['noop', big]);
      await b.recorder.until(() => b.recorder.acks.length === i || b.recorder.death !== undefined, `ack ${i}`, 20_000);
      if (b.recorder.death) break;
    }
    assert.equal(b.recorder.death, undefined);
    assert.equal(b.recorder.acks.length, 150);
  });

  it('is still heard while it works through a backlog synchronously (no heartbeat-timeout death)', async () => {
    // 10 tuples of 300 ms of blocking work each, a 1.5 s subprocess timeout: only a flush during the backlog,
    // not at the end of the event-loop turn, keeps Storm from killing the bolt.
    const b = await bolt('scripted', { timeoutMs: 1500, heartbeatMs: 100 });
    const inputs = Array.from({ length: 10 }, () => b.send(['busy', 300]));
    await b.recorder.until(() => b.recorder.acks.length === 10 || b.recorder.death !== undefined, 'acks', 10_000);
    assert.equal(b.recorder.death, undefined);
    assert.deepEqual(b.recorder.acks, inputs);
  });

  it('routes writes to file descriptor 1 (as pino makes) into log commands', async () => {
    const b = await bolt();
    b.send(['fd1']);
    await b.recorder.until(() => b.recorder.emits.length === 1, 'emit after the async write');
    assert.deepEqual(b.recorder.logs.map((l) => l.msg), ['written to fd 1 with writeSync', 'written to fd 1 with write']);
    assert.equal(b.recorder.death, undefined);
  });

  it('sends nested values as marked JSON text (no warning), and restores the ones it receives', async () => {
    const b = await bolt();
    b.send(['nested']);
    await b.recorder.until(() => b.recorder.acks.length === 1, 'ack');
    assert.deepEqual(b.recorder.logs.filter((l) => l.level === 3), [], 'nested values are handled, not warned about');
    assert.deepEqual(b.recorder.emits.map((e) => e.values), [['\u001e{"deep":[1,2]}'], ['\u001e{"deeper":true}']]);
    // Received marked text becomes the object again: echoed, it goes out as the same text (a string would gain a mark).
    b.send(['emit', '\u001e{"a":[1,{"b":12345678901234567890}]}', '\u001e\u001euser text']);
    await b.recorder.until(() => b.recorder.emits.length === 3, 'echo');
    assert.deepEqual(b.recorder.emits[2]!.values, ['\u001e{"a":[1,{"b":12345678901234567890}]}', '\u001e\u001euser text']);
  });

  it('runs async handlers concurrently when asked, acking as each completes', async () => {
    const b = await bolt('concurrent');
    const slow = b.send([300]);
    const fast = b.send([10]);
    await b.recorder.until(() => b.recorder.acks.length === 2, 'acks');
    assert.deepEqual(b.recorder.acks, [fast, slow]);
    assert.deepEqual(b.recorder.emits.map((e) => e.anchors), [[fast], [slow]], 'each emit anchored to its own tuple');
  });

  it('holds tuples beyond topology.shellbolt.max.pending until acks free slots', async () => {
    const b = await bolt('manual', { maxPending: 2 });
    const inputs = [b.send(['emit', 1]), b.send(['emit', 2]), b.send(['emit', 3])];
    await b.recorder.until(() => b.recorder.emits.length === 2, 'two emits');
    assert.equal(b.executor.queued, 1, `input ${inputs[2]} held back`);
  });

  it('BatchingBolt: groups by key, flushes on ticks, acks the batch, fails a batch that throws', async () => {
    const b = await startBolt('components.js', {
      context: { componentId: 'batcher', sourceFields: { source: { default: ['word'] } } },
      conf: { 'topology.tick.tuple.freq.secs': 1, 'test.key': 'x' },
    });
    started.push(b);
    const the1 = b.send(['the']);
    const cat = b.send(['cat']);
    const the2 = b.send(['the']);
    const poison = b.send(['poison']);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(b.recorder.acks, [], 'nothing acked before the tick');
    const tick = b.tick();
    await b.recorder.until(() => b.recorder.acks.length === 4, 'batch acks');
    assert.deepEqual(
      b.recorder.emits.map((e) => [e.values, e.anchors]),
      [
        [['the', 2], [the1, the2]],
        [['cat', 1], [cat]],
      ],
    );
    assert.deepEqual(b.recorder.fails, [poison]);
    assert.deepEqual(new Set(b.recorder.acks), new Set([the1, cat, the2, tick]));
    assert.match(b.recorder.errors[0]!, /poisoned batch/);
  });
});
