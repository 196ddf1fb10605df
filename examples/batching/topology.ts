/**
 * Tick-driven batching: words → batcher (BatchingBolt, flushes one count per word each second) → totals.
 *
 *   squall run examples/batching --time 5
 *
 * In the summary the batcher emits far fewer tuples than it receives: one per distinct word per flush.
 */
import { Topology } from 'squall';
import { TotalsBolt } from './bolts/totals.js';
import { WordBatcher } from './bolts/word-batcher.js';
import { WordSpout } from './spouts/words.js';

const topology = new Topology('batching', {
  'batching.words.per.sec': 100,
  // Words wait up to a tick (1 s) in a batch before their tree completes: the spout must be allowed to have
  // more than a second's worth in flight, and batches must complete well inside the message timeout.
  'topology.max.spout.pending': 500,
  'topology.message.timeout.secs': 10,
  // A batch holds its tuples unacked; a shell bolt takes at most this many unacked tuples. Keep it above the
  // largest batch (here everything one task gets in a second: about 50 words). Storm reads it from the topology
  // config only: a component's config cannot change it.
  'topology.shellbolt.max.pending': 500,
});

const words = topology.spout('words', WordSpout, { outputs: { default: ['word'] } });
const batcher = topology
  .bolt('batcher', WordBatcher, {
    outputs: { default: ['word', 'count'] },
    parallelism: 2,
    config: {
      // Flushes happen only on ticks: without this the batches would never be processed.
      'topology.tick.tuple.freq.secs': 1,
    },
  })
  // Fields grouping: each word is batched by exactly one task, so one task's count for a word is the whole count.
  .fields(words, ['word']);
topology.bolt('totals', TotalsBolt, { config: { 'topology.tick.tuple.freq.secs': 2 } }).global(batcher);

export default topology;
