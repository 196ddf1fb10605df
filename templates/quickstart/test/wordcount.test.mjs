// Tests for the wordcount topology, in plain JavaScript so `node --test` runs them without a TypeScript
// loader. squall bundles the TypeScript topology itself and starts each component as its own process, exactly
// as a Storm worker would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTopology, testBolt } from 'squall/testing';

const TOPOLOGY = fileURLToPath(new URL('../topologies/{{name}}.ts', import.meta.url));

describe('split bolt', () => {
  it('emits each word of a sentence, anchored to it, then acks it', async () => {
    const run = await testBolt(TOPOLOGY, 'split', [{ values: ['the cow jumped over the moon'] }]);
    assert.equal(run.death, undefined);
    assert.deepEqual(
      run.emitted.map((e) => e.values),
      [['the'], ['cow'], ['jumped'], ['over'], ['the'], ['moon']],
    );
    // Anchors are indexes into the inputs: every word hangs off sentence 0, so a failed word replays it.
    for (const emit of run.emitted) assert.deepEqual(emit.anchors, [0]);
    assert.deepEqual(run.acked, [0]);
    assert.deepEqual(run.failed, []);
  });
});

describe('count bolt', () => {
  it('keeps a running count per word', async () => {
    const run = await testBolt(TOPOLOGY, 'count', [{ values: ['moon'] }, { values: ['cow'] }, { values: ['moon'] }]);
    assert.equal(run.death, undefined);
    assert.deepEqual(
      run.emitted.map((e) => e.values),
      [['moon', 1], ['cow', 1], ['moon', 2]],
    );
    assert.deepEqual(run.acked, [0, 1, 2]);
  });
});

describe('wordcount topology', () => {
  it('counts words and acks every sentence', async () => {
    const run = await runTopology(TOPOLOGY, { runMs: 1500 });
    const stat = (component) => run.stats.find((s) => s.component === component);

    const sentences = stat('sentences');
    assert.ok(sentences.emitted > 0, 'the spout emitted sentences');
    assert.equal(sentences.acked, sentences.emitted, 'every sentence tree completed');
    assert.equal(sentences.failed, 0);
    for (const s of run.stats) assert.equal(s.deaths, 0, `${s.component} never died`);

    // Each sentence of the spout has six or more words, and the count bolt saw every one of them.
    const counted = run.emitted.filter((t) => t.component === 'count');
    assert.ok(counted.length >= sentences.emitted * 6, `counted ${counted.length} words of ${sentences.emitted} sentences`);
    assert.ok(counted.some((t) => t.values[0] === 'the' && t.values[1] > 1), '"the" was counted, more than once');
  });
});
