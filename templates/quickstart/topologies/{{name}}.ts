import { Topology } from 'squall';
import { CountBolt } from '../src/bolts/count.js';
import { SplitBolt } from '../src/bolts/split.js';
import { SentenceSpout } from '../src/spouts/sentences.js';

/**
 * The {{name}} topology, a word count: sentences → split (shuffle grouping) → count (fields grouping on "word").
 * `squall run`, `squall jar` and `squall submit` take this file; the name below is the one Storm shows.
 */
const topology = new Topology('{{name}}', {
  'topology.max.spout.pending': 200,
  'topology.message.timeout.secs': 30,
});

const sentences = topology.spout('sentences', SentenceSpout, { outputs: { default: ['sentence'] } });
const split = topology.bolt('split', SplitBolt, { outputs: { default: ['word'] }, parallelism: 2 }).shuffle(sentences);
topology
  .bolt('count', CountBolt, {
    outputs: { default: ['word', 'count'] },
    parallelism: 2,
    config: { 'topology.tick.tuple.freq.secs': 2 },
  })
  .fields(split, ['word']);

export default topology;
