import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Topology } from '../src/topology/builder.js';
import type { ComponentSpec } from '../src/topology/spec.js';
import { assignTasks } from '../src/runtime/assignment.js';
import { Router } from '../src/runtime/router.js';
import { assignWorkers, LocalityScope, WorkerPlan } from '../src/runtime/workers.js';
import { encodeFrame, FrameDecoder } from '../src/wire/codec.js';
import { canonicalJson, decodeValues, encodeValues, NESTED_MARK } from '../src/wire/values.js';

/** Through the wire and back: encode, frame, decode the frame, decode the values. */
function roundTrip(values: unknown[], sortedAt?: Set<number>): unknown[] {
  const [message] = new FrameDecoder().push(Buffer.from(encodeFrame({ tuple: encodeValues(values, sortedAt) })));
  return decodeValues((message as { tuple: unknown[] }).tuple);
}

describe('nested values on the wire', () => {
  it('round-trips objects, arrays, longs beyond 2^53 and strings that begin with the mark', () => {
    const values = [
      { id: 1, tags: ['a', 'b'], nested: { x: 9007199254740993n, y: [null, true, -1.5, 'é'] } },
      [[1, 2], { deep: [] }],
      `${NESTED_MARK}{"looks":"encoded"}`,
      `${NESTED_MARK}${NESTED_MARK}two marks`,
      NESTED_MARK,
      'plain',
      '',
      42,
      12345678901234567890n,
      null,
      true,
      {},
      [],
    ];
    assert.deepEqual(roundTrip(values), values);
  });

  it('sends nested values as marked JSON text and leaves flat tuples untouched (same array)', () => {
    const flat = ['a', 1, null, false];
    assert.equal(encodeValues(flat), flat);
    assert.equal(decodeValues(flat), flat);
    assert.deepEqual(encodeValues([{ a: 1 }, [2], `${NESTED_MARK}x`]), [`${NESTED_MARK}{"a":1}`, `${NESTED_MARK}[2]`, `${NESTED_MARK}${NESTED_MARK}x`]);
  });

  it('writes grouped positions with sorted keys, so equal values give equal text', () => {
    const a = encodeValues([{ b: { d: 1, c: 2 }, a: [{ z: 1, y: 2 }] }], new Set([0]));
    const b = encodeValues([{ a: [{ y: 2, z: 1 }], b: { c: 2, d: 1 } }], new Set([0]));
    assert.deepEqual(a, b);
    assert.equal(canonicalJson({ b: 1n, a: 2 }), '{"a":2,"b":1}');
  });

  it('sends an object whose toJSON gives a scalar (a Date) as that scalar', () => {
    const date = new Date(0);
    assert.deepEqual(roundTrip([date]), ['1970-01-01T00:00:00.000Z']);
  });

  it('leaves marked text that is not a JSON object or array as it arrived', () => {
    const odd = [`${NESTED_MARK}not json`, `${NESTED_MARK}{broken`];
    assert.deepEqual(decodeValues(odd), odd);
  });
});

function spec(build: (t: Topology) => void, config: Record<string, unknown> = {}) {
  const t = new Topology('placement', config);
  build(t);
  const s = t.toSpec();
  return { spec: s, tasks: assignTasks(s) };
}

/** Task id → worker, by component for readability: { count: [0, 1], ... }. */
function placementByComponent(tasks: Map<number, ComponentSpec>, conf: Record<string, unknown>): Record<string, number[]> {
  const placement = assignWorkers(tasks, conf);
  const out: Record<string, number[]> = {};
  for (const [task, c] of [...tasks].sort(([a], [b]) => a - b)) (out[c.id] ??= []).push(placement.get(task)!);
  return out;
}

class Nothing {}

describe('simulated workers, as Storm\'s default scheduler places executors', () => {
  const wordcount = (t: Topology) => {
    const s = t.spout('sentences', Nothing as never, { outputs: { default: ['sentence'] } });
    const split = t.bolt('split', Nothing as never, { outputs: { default: ['word'] }, parallelism: 2, tasks: 4 }).shuffle(s);
    t.bolt('count', Nothing as never, { outputs: { default: ['word', 'count'] }, parallelism: 2 }).fields(split, ['word']);
  };

  it('numbers tasks with the acker first and deals executors round-robin by first task', () => {
    // Storm ids: __acker 1,2 | count 3,4 | sentences 5 | split 6-7, 8-9 (two tasks per executor).
    // Executors by first task go to workers 0,1,0,1,0,1,0.
    const { tasks } = spec(wordcount);
    assert.deepEqual(placementByComponent(tasks, { 'topology.workers': 2 }), { count: [0, 1], sentences: [0], split: [1, 1, 0, 0] });
  });

  it('counts topology.acker.executors (and ids that sort before "__acker")', () => {
    const { tasks } = spec(wordcount);
    // No acker: count 1,2 | sentences 3 | split 4-5, 6-7 → 0,1,0,1,0.
    assert.deepEqual(placementByComponent(tasks, { 'topology.workers': 2, 'topology.acker.executors': 0 }), { count: [0, 1], sentences: [0], split: [1, 1, 0, 0] });
    // One acker over three workers: __acker 1 | count 2,3 | sentences 4 | split → 0 | 1,2 | 0 | 1,2.
    assert.deepEqual(placementByComponent(tasks, { 'topology.workers': 3, 'topology.acker.executors': 1 }), { count: [1, 2], sentences: [0], split: [1, 1, 2, 2] });
    // Upper case sorts before "__acker": Source 1 | __acker 2,3 | sink 4,5 → 0 | 1,0 | 1,0.
    const upper = spec((t) => {
      const s = t.spout('Source', Nothing as never, { outputs: { default: ['x'] } });
      t.bolt('sink', Nothing as never, { parallelism: 2 }).shuffle(s);
    });
    assert.deepEqual(placementByComponent(upper.tasks, { 'topology.workers': 2 }), { Source: [0], sink: [1, 0] });
  });

  it('puts everything in worker 0 with one worker', () => {
    const { tasks } = spec(wordcount);
    assert.deepEqual(placementByComponent(tasks, {}), { count: [0, 0], sentences: [0], split: [0, 0, 0, 0] });
  });

  it('load-aware shuffle keeps to the local targets until they are loaded above the higher bound', () => {
    const load = new Map<number, number>();
    const scope = new LocalityScope([2], [2, 3], { loadAware: true, lowerBound: 0.2, higherBound: 0.8 });
    const picks = (n: number) => new Set(Array.from({ length: n }, () => scope.next((t) => load.get(t) ?? 0)));
    assert.deepEqual(picks(10), new Set([2]), 'idle: local only');
    load.set(2, 0.9);
    assert.deepEqual(picks(10), new Set([2, 3]), 'local loaded above 0.8: every target');
    load.set(2, 0.5);
    assert.deepEqual(picks(10), new Set([2, 3]), 'between the bounds: stays wide');
    load.set(2, 0.1);
    assert.deepEqual(picks(10), new Set([2]), 'local below 0.2: back to local');
    const plain = new LocalityScope([2], [2, 3], { loadAware: false, lowerBound: 0.2, higherBound: 0.8 });
    assert.deepEqual(new Set(Array.from({ length: 10 }, () => plain.next(() => 0))), new Set([2, 3]), 'disabled: plain shuffle');
  });

  it('routes shuffles to the sender\'s worker and rejects nested values crossing workers with Storm\'s words', () => {
    const { spec: s, tasks } = spec((t) => {
      const src = t.spout('src', Nothing as never, { outputs: { default: ['v'] } });
      t.bolt('shuffled', Nothing as never, { parallelism: 2 }).shuffle(src);
      t.bolt('local', Nothing as never, { parallelism: 2 }).localOrShuffle(src);
      t.bolt('grouped', Nothing as never, { parallelism: 2 }).fields(src, ['v']);
    });
    const conf = { 'topology.workers': 2 };
    const plan = new WorkerPlan(tasks, conf);
    const router = new Router(s, tasks, plan);
    const srcTask = [...tasks].find(([, c]) => c.id === 'src')![0];
    const seen = new Map<string, Set<number>>();
    for (let i = 0; i < 40; i++) {
      for (const task of router.route('src', 'default', [`k${i}`], undefined, srcTask)) {
        const c = tasks.get(task)!.id;
        (seen.get(c) ?? seen.set(c, new Set()).get(c)!).add(plan.workerOf(task));
      }
    }
    const home = plan.workerOf(srcTask);
    assert.deepEqual(seen.get('shuffled'), new Set([home]), 'shuffle stays in the worker');
    assert.deepEqual(seen.get('local'), new Set([home]), 'local-or-shuffle stays in the worker');
    assert.equal(seen.get('grouped')!.size, 2, 'fields grouping crosses workers');
    assert.throws(
      () => {
        for (let i = 0; i < 40; i++) router.route('src', 'default', [{ k: i }], undefined, srcTask);
      },
      /Class is not registered: org\.apache\.storm\.shade\.net\.minidev\.json\.JSONObject.*WorkerTransfer\.tryTransferRemote.*squall: src .*field "v".*Fix:/,
    );
    const disabled = new Router(s, tasks, new WorkerPlan(tasks, { ...conf, 'topology.disable.loadaware.messaging': true }));
    const workers = new Set<number>();
    for (let i = 0; i < 20; i++) for (const task of disabled.route('src', 'default', ['x'], undefined, srcTask)) if (tasks.get(task)!.id === 'shuffled') workers.add(plan.workerOf(task));
    assert.equal(workers.size, 2, 'loadaware messaging disabled: shuffle spreads over both workers');
  });

  it('groups deep-equal objects together whatever their key order (fields grouping of raw values)', () => {
    const { spec: s, tasks } = spec((t) => {
      const src = t.spout('src', Nothing as never, { outputs: { default: ['v'] } });
      t.bolt('grouped', Nothing as never, { parallelism: 7 }).fields(src, ['v']);
    });
    const router = new Router(s, tasks);
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(router.route('src', 'default', [{ a: i, b: [i] }], undefined), router.route('src', 'default', [{ b: [i], a: i }], undefined));
    }
  });
});
