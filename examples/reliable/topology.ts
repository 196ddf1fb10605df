/**
 * At-least-once delivery: messages → flaky (fails every 5th message once) → sink. The spout replays each failed
 * message, so every message is acked in the end and none is given up. Run it:
 *
 *   squall run examples/reliable --time 5
 *
 * The summary shows the spout's `failed` (one per replay) and `acked` equal to the number of messages.
 */
import { Topology } from 'squall';
import { FlakyBolt } from './bolts/flaky.js';
import { SinkBolt } from './bolts/sink.js';
import { MessageSpout } from './spouts/messages.js';

const topology = new Topology('reliable', {
  'reliable.messages': 100,
  // A tree that is neither acked nor failed (a lost tuple, a dead task) is failed, and so replayed, after this.
  'topology.message.timeout.secs': 10,
  // The spout holds every pending message in memory: bound how many are in flight.
  'topology.max.spout.pending': 20,
});

const messages = topology.spout('messages', MessageSpout, { outputs: { default: ['seq', 'body'] } });
const flaky = topology
  .bolt('flaky', FlakyBolt, { outputs: { default: ['seq', 'body', 'replayed'] }, parallelism: 2 })
  // Fields grouping, not shuffle: a replayed message must reach the task that remembers failing it.
  .fields(messages, ['seq']);
topology.bolt('sink', SinkBolt, { config: { 'topology.tick.tuple.freq.secs': 1 } }).shuffle(flaky);

export default topology;
