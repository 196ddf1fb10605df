/**
 * Named streams and a direct grouping:
 *
 *   numbers ─even→ evens ─┐
 *           ─odd──→ odds ─┴→ router ─direct "sharded"→ shards (3 tasks; the router picks the task: n mod 3)
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
  .bolt('router', RouterBolt, { outputs: { sharded: { fields: ['n', 'parity', 'shard'], direct: true } } })
  .shuffle(evens)
  .shuffle(odds);
topology
  .bolt('shards', ShardBolt, {
    outputs: { default: ['n', 'parity', 'shard'] },
    parallelism: 3,
    config: { 'topology.tick.tuple.freq.secs': 2 },
  })
  .direct(router, 'sharded');

export default topology;
