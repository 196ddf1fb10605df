/**
 * Named streams, and a fields grouping on a key the topology computes:
 *
 *   numbers ─even→ evens ─┐
 *           ─odd──→ odds ─┴→ router ─"keyed", fields grouping on "bucket"→ shards (3 tasks)
 *
 * The router gives each number a bucket (n mod 10); Storm sends every tuple of a bucket to the same shard task.
 * This is how to pick the receiving task by a key on every Storm version: a direct grouping would do the same,
 * but Storm 2.6.0 and later kill the worker on a direct emit from a multi-lang component (docs/sdk.md).
 *
 *   squall run examples/streams --time 5
 */
import { Topology } from 'squall';
import { ParityBolt } from './bolts/parity.js';
import { RouterBolt } from './bolts/router.js';
import { ShardBolt } from './bolts/shard.js';
import { NumberSpout } from './spouts/numbers.js';

const topology = new Topology('streams', { 'streams.count': 200, 'topology.max.spout.pending': 50 });

// Two named streams; nothing is emitted on "default", so none is declared.
const numbers = topology.spout('numbers', NumberSpout, { outputs: { even: ['n'], odd: ['n'] } });
// The stream name is type-checked against the spout's outputs: .shuffle(numbers, 'evn') does not compile.
const evens = topology.bolt('evens', ParityBolt, { outputs: { default: ['n', 'parity'] } }).shuffle(numbers, 'even');
const odds = topology.bolt('odds', ParityBolt, { outputs: { default: ['n', 'parity'] } }).shuffle(numbers, 'odd');
const router = topology
  .bolt('router', RouterBolt, { outputs: { keyed: ['n', 'parity', 'bucket'] } })
  .shuffle(evens)
  .shuffle(odds);
topology
  .bolt('shards', ShardBolt, {
    outputs: { default: ['n', 'parity', 'bucket'] },
    parallelism: 3,
    config: { 'topology.tick.tuple.freq.secs': 2 },
  })
  // The field name is type-checked too: it must be one of the "keyed" stream's fields.
  .fields(router, ['bucket'], 'keyed');

export default topology;
