import { Topology } from 'squall';
import { CountBolt } from './bolts/count.js';
import { SplitBolt } from './bolts/split.js';
import { SentenceSpout } from './spouts/sentences.js';

/** spout → split (shuffle) → count (fields grouping on "word"). */
const topology = new Topology('wordcount', {
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
