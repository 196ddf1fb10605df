/**
 * A Python stage between TypeScript components:
 *
 *   sentences (TS spout) → normalize (python3 normalize.py, 2 tasks) → count (TS bolt)
 *
 *   squall run examples/polyglot --time 5
 *
 * The Python bolt speaks the multi-lang protocol itself (storm_io.py); squall runs it as a Storm worker would.
 */
import { Topology, shell } from 'squall';
import { CountBolt } from './bolts/count.js';
import { SentenceSpout } from './spouts/sentences.js';

const topology = new Topology('polyglot', {
  'polyglot.sentences': 200,
  'topology.max.spout.pending': 50,
  'topology.message.timeout.secs': 10,
});

const sentences = topology.spout('sentences', SentenceSpout, { outputs: { default: ['sentence'] } });
// [python3, normalize.py]: exactly two argv entries, cwd = resources/. The script ships automatically.
const normalize = topology
  .bolt('normalize', shell('python3', 'normalize.py'), { outputs: { default: ['word', 'position'] }, parallelism: 2 })
  .shuffle(sentences);
// normalize.py imports storm_io.py: a helper module is not a component's script, so list it to ship it.
topology.resource('storm_io.py');
topology.bolt('count', CountBolt, { outputs: { default: ['word', 'count'] } }).fields(normalize, ['word']);

export default topology;
