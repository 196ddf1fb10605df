/** A Java spout: valid for a cluster, refused by the embedded runtime with an explanation. */
import { Topology, java } from 'squall';

const topology = new Topology('java-only');
topology.spout('kafka', java('org.apache.storm.kafka.spout.KafkaSpout', 'events'), { outputs: { default: ['message'] } });
export default topology;
