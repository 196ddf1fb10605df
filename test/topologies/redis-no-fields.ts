/** A RedisStreamSpout whose stream declares no fields and that gives no toTuple: it cannot know what to emit. */
import { Bolt, Topology } from 'squall';
import { RedisStreamSpout } from 'squall/redis';
import type { RedisStreamSpoutOptions } from 'squall/redis';

class Reader extends RedisStreamSpout {
  static override options: RedisStreamSpoutOptions = { stream: 'in' };
}

class Nothing extends Bolt {
  override process(): void {}
}

const topology = new Topology('redis-no-fields');
const reader = topology.spout('reader', Reader, { outputs: { default: [] } });
topology.bolt('nothing', Nothing).shuffle(reader);
export default topology;
