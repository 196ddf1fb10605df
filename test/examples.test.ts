import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTopology } from '../src/testing/harness.js';
import type { EmittedTuple, TopologyRun } from '../src/testing/harness.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';

const EXAMPLES = join(SOURCE_FIXTURES, '..', '..', 'examples');

const logs = (run: TopologyRun, component: string) =>
  run.events.filter((e) => e.kind === 'log' && e.component === component).map((e) => e.message);
const emitted = (run: TopologyRun, component: string, stream?: string): EmittedTuple[] =>
  run.emitted.filter((t) => t.component === component && (stream === undefined || t.stream === stream));
const stat = (run: TopologyRun, component: string) => {
  const s = run.stats.find((c) => c.component === component);
  assert.ok(s, `stats for ${component}`);
  return s;
};
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** Nothing died or reported an error, and no component logged at WARN or above (but for `expected` warnings). */
function healthy(run: TopologyRun, expected: RegExp[] = []): void {
  const bad = run.events.filter(
    (e) => e.kind === 'death' || e.kind === 'error' || (e.kind === 'log' && e.level >= 3 && !expected.some((re) => re.test(e.message))),
  );
  assert.deepEqual(bad, [], 'no deaths, errors or warnings');
}

describe('examples', () => {
  it('reliable: replays every failed message until it is acked, giving up on none', async () => {
    const count = 50;
    const run = await runTopology(join(EXAMPLES, 'reliable'), {
      runMs: 3000,
      // DEBUG lets the spout's per-message "acked <id>" lines through the SDK's level filter.
      conf: { 'reliable.messages': count, 'squall.log.level': 'DEBUG' },
      until: (r) => logs(r, 'messages').some((l) => l.startsWith('all ')),
      drainMs: 3000,
    });
    healthy(run);
    const spoutLogs = logs(run, 'messages');
    const acked = spoutLogs.filter((l) => l.startsWith('acked ')).map((l) => Number(l.slice('acked '.length)));
    assert.deepEqual([...acked].sort((a, b) => a - b), range(count), 'every message id acked exactly once');
    assert.deepEqual(spoutLogs.filter((l) => l.startsWith('gave up')), [], 'none given up');
    assert.ok(spoutLogs.includes(`all ${count} messages settled: ${count} acked, 0 given up`));

    const failedFirst = range(count).filter((n) => n % 5 === 0);
    const messages = stat(run, 'messages');
    assert.equal(messages.failed, failedFirst.length, 'one failed tree per 5th message');
    assert.equal(messages.emitted, count + failedFirst.length, 'each failed message replayed once');
    assert.equal(messages.acked, count);
    // The spout re-emitted exactly the failed messages, with the same values.
    const emits = emitted(run, 'messages').map((t) => t.values[0] as number);
    const replays = emits.filter((n, i) => emits.indexOf(n) !== i);
    assert.deepEqual(replays.sort((a, b) => a - b), failedFirst);
    const passedAfterReplay = emitted(run, 'flaky').filter((t) => t.values[2] === true).map((t) => t.values[0] as number);
    assert.deepEqual(passedAfterReplay.sort((a, b) => a - b), failedFirst, 'the flaky bolt let each replay through');
    assert.equal(stat(run, 'flaky').failed, failedFirst.length);
  });

  it('batching: counts flushed on ticks add up to the words fed', async () => {
    const run = await runTopology(join(EXAMPLES, 'batching'), { runMs: 2500, conf: { 'batching.words.per.sec': 200 }, drainMs: 5000 });
    healthy(run);
    const fed = new Map<string, number>();
    for (const t of emitted(run, 'words')) fed.set(String(t.values[0]), (fed.get(String(t.values[0])) ?? 0) + 1);
    const flushed = new Map<string, number>();
    const flushesPerWord = new Map<string, number>();
    for (const t of emitted(run, 'batcher')) {
      const word = String(t.values[0]);
      flushed.set(word, (flushed.get(word) ?? 0) + Number(t.values[1]));
      flushesPerWord.set(word, (flushesPerWord.get(word) ?? 0) + 1);
    }
    const total = [...fed.values()].reduce((a, b) => a + b, 0);
    assert.ok(total > 0, 'words were fed');
    assert.deepEqual(Object.fromEntries([...flushed].sort()), Object.fromEntries([...fed].sort()), 'counts equal the words fed');
    // Batched, not per tuple: at most one count per word per tick (about 3 ticks in the run, one more in the drain).
    for (const [word, flushes] of flushesPerWord) assert.ok(flushes <= 5, `"${word}" flushed ${flushes} times`);
    assert.ok((fed.get('the') ?? 0) > 20 && (flushesPerWord.get('the') ?? 0) < (fed.get('the') ?? 0) / 5, 'many words per flush');
    // Each flush acks its batch: every word's tree completed.
    const words = stat(run, 'words');
    assert.equal(words.acked, total);
    assert.equal(words.failed, 0);
  });

  it('streams: evens and odds take their named streams; a fields grouping on the bucket sends each bucket to one shard task', async () => {
    const count = 60;
    const run = await runTopology(join(EXAMPLES, 'streams'), {
      runMs: 3000,
      conf: { 'streams.count': count },
      until: (r) => emitted(r, 'shards').length === count,
    });
    // No direct emit, so nothing that would fail on a current Storm: no warning at all.
    healthy(run);
    const spout = emitted(run, 'numbers');
    for (const t of spout) assert.equal(t.stream, Number(t.values[0]) % 2 === 0 ? 'even' : 'odd', `stream of ${String(t.values[0])}`);
    const evens = emitted(run, 'evens').map((t) => Number(t.values[0]));
    const odds = emitted(run, 'odds').map((t) => Number(t.values[0]));
    assert.deepEqual(evens.sort((a, b) => a - b), range(count).filter((n) => n % 2 === 0), 'evens got every even number, only those');
    assert.deepEqual(odds.sort((a, b) => a - b), range(count).filter((n) => n % 2 === 1), 'odds got every odd number, only those');

    const routed = emitted(run, 'router');
    assert.equal(routed.length, count);
    assert.ok(routed.every((t) => t.stream === 'keyed' && t.values[2] === Number(t.values[0]) % 10));
    const shards = emitted(run, 'shards');
    const taskOfBucket = new Map<unknown, number>();
    for (const t of shards) {
      const bucket = t.values[2];
      assert.equal(bucket, Number(t.values[0]) % 10);
      assert.equal(t.values[1], Number(t.values[0]) % 2 === 0 ? 'even' : 'odd');
      assert.equal(taskOfBucket.get(bucket) ?? t.task, t.task, `every number of bucket ${String(bucket)} went to one shard task`);
      taskOfBucket.set(bucket, t.task);
    }
    assert.equal(taskOfBucket.size, 10, 'all ten buckets arrived');
    assert.ok(new Set(taskOfBucket.values()).size > 1, 'the buckets are spread over the shard tasks');
    assert.deepEqual(shards.map((t) => Number(t.values[0])).sort((a, b) => a - b), range(count), 'each number reached exactly one shard');
    assert.equal(stat(run, 'numbers').acked, count, 'every tree, across both streams and the keyed hop, completed');
  });

  it('polyglot: the Python bolt normalizes every sentence and the spout trees all complete', async () => {
    const sentences = 40;
    // What normalize.py does: lower-case, drop ASCII punctuation (Python's string.punctuation), split.
    const normalize = (s: string) => s.toLowerCase().replace(/[!-/:-@[-`{-~]/g, '').split(/\s+/).filter(Boolean);
    const run = await runTopology(join(EXAMPLES, 'polyglot'), {
      runMs: 3000,
      conf: { 'polyglot.sentences': sentences },
      until: (r) => {
        const expected = emitted(r, 'sentences').flatMap((t) => normalize(String(t.values[0]))).length;
        return emitted(r, 'sentences').length === sentences && emitted(r, 'count').length === expected;
      },
    });
    healthy(run);
    assert.deepEqual(logs(run, 'normalize').sort(), ['normalize ready as normalize:2', 'normalize ready as normalize:3']);
    const fed = emitted(run, 'sentences').map((t) => String(t.values[0]));
    assert.equal(fed.length, sentences);
    const expected = fed.flatMap(normalize);
    const words = emitted(run, 'normalize').map((t) => String(t.values[0]));
    assert.deepEqual([...words].sort(), [...expected].sort(), 'one word tuple per word of every sentence');
    assert.ok(words.includes('café') && words.includes('brûlée'), 'UTF-8 survives the Python stage');
    assert.ok(emitted(run, 'normalize').every((t) => typeof t.values[1] === 'number'), 'positions are numbers');
    const normalizeStats = stat(run, 'normalize');
    assert.equal(normalizeStats.executed, sentences, 'the Python bolt settled every sentence');
    assert.equal(normalizeStats.acked, sentences);
    assert.equal(normalizeStats.failed, 0);
    assert.equal(emitted(run, 'count').length, expected.length, 'count saw every word');
    const spout = stat(run, 'sentences');
    assert.equal(spout.acked, sentences, 'every tree through Python completed');
    assert.equal(spout.failed, 0);
  });

  it('ndjson: every record of the file is emitted flat and aggregated per customer', async () => {
    const file = join(EXAMPLES, 'ndjson', 'data', 'orders.ndjson');
    const records = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { id: string; customer: string; amount: number; paid: boolean; coupon: string | null; tags?: string[] });
    const run = await runTopology(join(EXAMPLES, 'ndjson'), {
      runMs: 3000,
      until: (r) => emitted(r, 'revenue').length === records.length,
    });
    healthy(run);
    assert.ok(logs(run, 'records').includes(`read ${records.length} records from data/orders.ndjson`));

    const out = emitted(run, 'records');
    assert.deepEqual(out.map((t) => t.values[0]).sort(), records.map((r) => r.id).sort(), 'every record emitted once');
    for (const t of out) {
      for (const v of t.values) assert.ok(v === null || ['string', 'number', 'boolean'].includes(typeof v), `flat value ${JSON.stringify(v)}`);
      const record = records.find((r) => r.id === t.values[0])!;
      assert.deepEqual(t.values, [record.id, record.customer, record.amount, record.paid, record.coupon, record.tags ? JSON.stringify(record.tags) : null]);
    }

    type Totals = { orders: number; paid: number; unpaid: number; coupons: number };
    const expected = new Map<string, Totals>();
    for (const r of records) {
      const t = expected.get(r.customer) ?? { orders: 0, paid: 0, unpaid: 0, coupons: 0 };
      t.orders++;
      if (r.paid) t.paid += Math.round(r.amount * 100);
      else t.unpaid += Math.round(r.amount * 100);
      if (r.coupon !== null) t.coupons++;
      expected.set(r.customer, t);
    }
    // The last emit per customer is its final total (one task owns each customer).
    const final = new Map<string, Totals>();
    for (const t of emitted(run, 'revenue')) {
      const [customer, orders, paid, unpaid, coupons] = t.values as [string, number, number, number, number];
      final.set(customer, { orders, paid: Math.round(paid * 100), unpaid: Math.round(unpaid * 100), coupons });
    }
    assert.deepEqual(Object.fromEntries([...final].sort()), Object.fromEntries([...expected].sort()), 'per-customer totals');
    const spout = stat(run, 'records');
    assert.equal(spout.acked, records.length);
    assert.equal(spout.failed, 0);
  });
});
