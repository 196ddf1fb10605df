/**
 * toTuple choosing per entry: "skip" bodies are skipped (acked without a tuple), "audit" bodies go out on the
 * declared stream "audit" to their own sink ("audit-out"), the rest on the default stream to "out".
 */
import { Topology } from 'squall';
import { RedisStreamBolt, RedisStreamSpout } from 'squall/redis';
import type { RedisStreamBoltOptions, RedisStreamSpoutOptions } from 'squall/redis';

class Reader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = {
    stream: 'in',
    toTuple: (entry) => {
      if (entry.fields.body === 'skip') return null;
      const values = [entry.fields.seq, entry.fields.body];
      return entry.fields.body === 'audit' ? { values, stream: 'audit' } : values;
    },
  };
}

class Sink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'out' };
}

class AuditSink extends RedisStreamBolt {
  static override options: RedisStreamBoltOptions = { stream: 'audit-out' };
}

const topology = new Topology('redis-route', { 'topology.message.timeout.secs': 5 });
const reader = topology.spout('reader', Reader, { outputs: { default: ['seq', 'body'], audit: ['seq', 'body'] } });
topology.bolt('sink', Sink).shuffle(reader);
topology.bolt('audit', AuditSink).shuffle(reader, 'audit');
export default topology;
