/**
 * For the at-least-once proof under crashes: reader (2 tasks, RedisStreamSpout on "chaos-in") → relay (2 tasks) →
 * sink (2 tasks, RedisStreamBolt to "chaos-out", each entry carrying its source id and seq). Every process writes
 * its pid to `<test.pid.dir>/<component>-<task>` when it starts, so the test can SIGKILL it and find the restarted one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bolt, Topology } from 'squall';
import type { Conf, TopologyContext, Tuple } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

function recordPid(conf: Conf, context: TopologyContext): void {
  const dir = conf['test.pid.dir'];
  if (typeof dir === 'string') writeFileSync(join(dir, `${context.componentId}-${context.taskId}`), String(process.pid));
}

class Reader extends RedisStreamSpout {
  // Kills cause timeouts, and a timeout is a fail: allow many before an entry would be dead-lettered.
  static override options: RedisStreamSpoutOptions = { stream: 'chaos-in', maxDeliveries: 51, toTuple: (entry) => [entry.id, entry.fields.seq] };
  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    recordPid(conf, context);
    await super.initialize(conf, context);
  }
}

class Relay extends Bolt<{ id: string; seq: string }> {
  override initialize(conf: Conf, context: TopologyContext): void {
    recordPid(conf, context);
  }
  override process(tuple: Tuple<{ id: string; seq: string }>): void {
    this.emit([tuple.get('id'), tuple.get('seq')]);
  }
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'chaos-out' };
  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    recordPid(conf, context);
    // Effectively once (conf test.idempotent): each write keyed by the source entry's id.
    if (conf['test.idempotent'] === true) this.options.idempotencyKey = 'id';
    await super.initialize(conf, context);
  }
}

const topology = new Topology('redis-chaos', {
  'topology.message.timeout.secs': 2,
  'topology.max.spout.pending': 1000,
});
const reader = topology.spout('reader', Reader, { outputs: { default: ['id', 'seq'] }, parallelism: 2 });
const relay = topology.bolt('relay', Relay, { outputs: { default: ['id', 'seq'] }, parallelism: 2 }).shuffle(reader);
topology.bolt('sink', Sink, { parallelism: 2 }).shuffle(relay);
export default topology;
