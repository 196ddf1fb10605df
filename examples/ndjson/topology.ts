/**
 * File replay: records (NDJSON file → flat tuples) → revenue (per-customer totals).
 *
 *   squall run examples/ndjson --time 5
 *   squall run examples/ndjson --time 5 -o ndjson.file=data/other.ndjson    # another file in this folder
 */
import { Topology } from 'squall';
import { RevenueBolt } from './bolts/revenue.js';
import { RECORD_FIELDS, RecordSpout } from './spouts/records.js';

const topology = new Topology('ndjson', {
  // In the topology config, so `-o ndjson.file=…` can replace it (a component's own config would win over -o).
  'ndjson.file': 'data/orders.ndjson',
  'topology.max.spout.pending': 20,
});
// Ship the data file: it lands in resources/, the working directory of every component on a cluster.
topology.resource('data/orders.ndjson');

const records = topology.spout('records', RecordSpout, { outputs: { default: RECORD_FIELDS } });
topology
  .bolt('revenue', RevenueBolt, {
    outputs: { default: ['customer', 'orders', 'paid', 'unpaid', 'coupons'] },
    parallelism: 2,
    config: { 'topology.tick.tuple.freq.secs': 2 },
  })
  .fields(records, ['customer']);

export default topology;
