import { LogLevel, type LogLevelName } from '../wire/messages.js';

/**
 * Every config key squall knows, each once: Storm's `topology.*` keys (the names of storm-client's Config.java, the
 * defaults of conf/defaults.yaml, read at apache/storm 73da988) and squall's own `squall.*` keys, with the rule a value
 * must pass and a typed reader for each key squall reads. `-o`, a topology's config and config.json's `options` are
 * checked against this table (topology/validate.ts), and an unknown `topology.*`/`squall.*` key is named with the
 * nearest known one (`unknownKeyWarning`).
 *
 * Rules are Storm's own (the ConfigValidation annotations StormSubmitter and Nimbus apply at submit) for the Storm
 * keys squall reads or checks, and squall's for its own keys: never stricter than Storm for a Storm key. Storm accepts
 * keys it does not know, and so does squall (only a warning for a likely typo).
 */

/** What a value must be. `null` passes every rule but a `notNull` one, as in Storm's ConfigValidation. */
export type KeyRule =
  | { kind: 'integer'; min?: 0 | 1; notNull?: boolean }
  | { kind: 'boolean' }
  | { kind: 'number'; min: number }
  | { kind: 'string' }
  | { kind: 'stringMap' }
  | { kind: 'oneOf'; values: readonly string[] };

export interface KeySpec {
  /** The default a worker gives the key (defaults.yaml); absent when defaults.yaml has none. */
  default?: unknown;
  rule?: KeyRule;
  /**
   * A Storm key a component's own config may set: Storm's executor drops every other Storm key from a component's
   * json_conf (Executor.normalizedComponentConf), so one set there would work locally and silently not on a cluster.
   */
  component?: boolean;
}

const int = (min?: 0 | 1, notNull = false): KeyRule => ({ kind: 'integer', min, notNull });
const BOOLEAN: KeyRule = { kind: 'boolean' };
const STRING_MAP: KeyRule = { kind: 'stringMap' };

/** Storm's topology keys (Config.java), plus the one non-topology key squall reads. */
export const STORM_KEYS: Readonly<Record<string, KeySpec>> = {
  'topology.acker.cpu.pcore.percent': {},
  'topology.acker.executors': { default: null, rule: int(0) },
  'topology.acker.resources.offheap.memory.mb': {},
  'topology.acker.resources.onheap.memory.mb': {},
  'topology.auto-credentials': {},
  'topology.auto.task.hooks': {},
  'topology.backpressure.check.millis': { default: 50 },
  'topology.backpressure.enable': {},
  'topology.backpressure.wait.park.microsec': { default: 100 },
  'topology.backpressure.wait.progressive.level1.count': { default: 1 },
  'topology.backpressure.wait.progressive.level2.count': { default: 1000 },
  'topology.backpressure.wait.progressive.level3.sleep.millis': { default: 1 },
  'topology.backpressure.wait.strategy': { default: 'org.apache.storm.policy.WaitStrategyProgressive' },
  'topology.batch.flush.interval.millis': { default: 1 },
  'topology.blobstore.map': {},
  'topology.bolt.wait.park.microsec': { default: 100 },
  'topology.bolt.wait.progressive.level1.count': { default: 1 },
  'topology.bolt.wait.progressive.level2.count': { default: 1000 },
  'topology.bolt.wait.progressive.level3.sleep.millis': { default: 1 },
  'topology.bolt.wait.strategy': { default: 'org.apache.storm.policy.WaitStrategyProgressive' },
  'topology.bolts.late.tuple.stream': {},
  'topology.bolts.message.id.field.name': {},
  'topology.bolts.tuple.timestamp.max.lag.ms': {},
  'topology.bolts.watermark.event.interval.ms': {},
  'topology.bolts.window.length.count': {},
  'topology.bolts.window.length.duration.ms': {},
  'topology.bolts.window.sliding.interval.count': {},
  'topology.bolts.window.sliding.interval.duration.ms': {},
  'topology.builtin.metrics.bucket.size.secs': { default: 60 },
  'topology.classpath': { default: null },
  'topology.classpath.beginning': {},
  'topology.component.cpu.pcore.percent': { default: 10.0 },
  'topology.component.resources.map': {},
  'topology.component.resources.offheap.memory.mb': { default: 0.0 },
  'topology.component.resources.onheap.memory.mb': { default: 128.0 },
  'topology.debug': { default: false, rule: BOOLEAN, component: true },
  'topology.disable.loadaware.messaging': { default: false },
  'topology.enable.message.timeouts': { default: true },
  'topology.enable.send.iconnection.metrics': {},
  'topology.enable.v2.metrics.tick': {},
  'topology.environment': { default: null, rule: STRING_MAP },
  'topology.error.throttle.interval.secs': { default: 10 },
  'topology.event.logger.register': {},
  'topology.eventlogger.executors': { default: 0, rule: int(0) },
  'topology.eventlogger.max.retained.files': {},
  'topology.eventlogger.rotation.size.mb': {},
  'topology.executor.overflow.limit': { default: 0 },
  'topology.executor.receive.buffer.size': { default: 32768, rule: int(1) },
  'topology.fall.back.on.java.serialization': { default: false },
  'topology.groups': {},
  'topology.hdfs.uri': {},
  'topology.isolate.machines': {},
  'topology.kryo.decorators': {},
  'topology.kryo.factory': { default: 'org.apache.storm.serialization.DefaultKryoFactory' },
  'topology.kryo.register': {},
  'topology.localityaware.higher.bound': { default: 0.8 },
  'topology.localityaware.lower.bound': { default: 0.2 },
  'topology.logging.config': {},
  'topology.logging.sensitivity': {},
  'topology.max.error.report.per.interval': { default: 5 },
  'topology.max.replication.wait.time.sec': { default: 60 },
  'topology.max.spout.pending': { default: null, rule: int(1), component: true },
  'topology.max.task.parallelism': { default: null, rule: int(1), component: true },
  'topology.message.timeout.secs': { default: 30, rule: int(1, true) },
  'topology.metrics.consumer.cpu.pcore.percent': {},
  'topology.metrics.consumer.register': {},
  'topology.metrics.consumer.resources.offheap.memory.mb': {},
  'topology.metrics.consumer.resources.onheap.memory.mb': {},
  'topology.metrics.reporters': {},
  'topology.min.replication.count': { default: 1 },
  'topology.multilang.log.handler': {},
  'topology.multilang.serializer': { default: 'org.apache.storm.multilang.JsonSerializer' },
  'topology.name': {},
  'topology.oci.image': {},
  'topology.priority': { default: 29 },
  'topology.producer.batch.dynamic': { default: false },
  'topology.producer.batch.size': { default: 1 },
  'topology.ras.acker.executors.per.worker': { default: 1 },
  'topology.ras.constraint.max.state.search': { default: 10000 },
  'topology.ras.constraint.max.time.secs': {},
  'topology.ras.constraints': {},
  'topology.ras.one.component.per.worker': { default: false },
  'topology.ras.one.executor.per.worker': { default: false },
  'topology.ras.order.executors.by.proximity.needs': {},
  'topology.readonly.groups': {},
  'topology.readonly.users': {},
  'topology.scheduler.favored.nodes': {},
  'topology.scheduler.strategy': { default: 'org.apache.storm.scheduler.resource.strategies.scheduling.DefaultResourceAwareStrategy' },
  'topology.scheduler.unfavored.nodes': {},
  'topology.serialized.message.size.metrics': { default: false },
  'topology.shellbolt.max.pending': { default: 100, rule: int(1, true) },
  'topology.skip.missing.kryo.registrations': { default: false },
  'topology.sleep.spout.wait.strategy.time.ms': { component: true },
  'topology.spout.max.batch.size': {},
  'topology.spout.recvq.skips': { default: 3 },
  'topology.spout.wait.park.microsec': { default: 100 },
  'topology.spout.wait.progressive.level1.count': { default: 0 },
  'topology.spout.wait.progressive.level2.count': { default: 0 },
  'topology.spout.wait.progressive.level3.sleep.millis': { default: 1 },
  'topology.spout.wait.strategy': { default: 'org.apache.storm.policy.WaitStrategyProgressive', component: true },
  'topology.spread.components': {},
  'topology.state.checkpoint.interval.ms': { default: 1000 },
  'topology.state.kryo.register': {},
  'topology.state.provider': { component: true },
  'topology.state.provider.config': { component: true },
  'topology.state.synchronization.timeout.secs': { default: 60 },
  'topology.stats.ewma.enable': { default: false },
  'topology.stats.ewma.smoothing.factor': { default: 0.0625 },
  'topology.stats.sample.rate': { default: 0.05 },
  'topology.submitter.principal': {},
  'topology.submitter.user': {},
  'topology.subprocess.timeout.secs': { rule: int(1) },
  'topology.tasks': { default: null, rule: int(0), component: true },
  'topology.testing.always.try.serialize': { default: false },
  'topology.tick.tuple.freq.secs': { default: null, rule: int(), component: true },
  'topology.transactional.id': { component: true },
  'topology.transfer.batch.size': { default: 1 },
  'topology.transfer.buffer.size': { default: 1000 },
  'topology.trident.batch.emit.interval.millis': { default: 500 },
  'topology.trident.windowing.cache.tuple.limit': {},
  'topology.tuple.compression.enable': { default: false },
  'topology.tuple.compression.max.decompressed.bytes': { default: 10485760 },
  'topology.tuple.compression.threshold': { default: 1460 },
  'topology.tuple.serializer': { default: 'org.apache.storm.serialization.types.ListDelegateSerializer' },
  'topology.tuple.serializer.blowfish.key': {},
  'topology.upstream.feedback.enable': { default: false },
  'topology.upstream.feedback.freq.secs': { default: 10 },
  'topology.users': {},
  'topology.v2.metrics.tick.interval.seconds': {},
  'topology.version': {},
  'topology.worker.childopts': { default: null },
  'topology.worker.gc.childopts': {},
  'topology.worker.logwriter.childopts': { default: '-Xmx64m' },
  'topology.worker.max.heap.size.mb': { default: 768.0 },
  'topology.worker.metrics': {},
  'topology.worker.nimbus.thrift.client.use.tls': { default: false },
  'topology.worker.receiver.thread.count': { default: 1 },
  'topology.worker.shared.thread.pool.size': { default: 4 },
  'topology.worker.timeout.secs': {},
  'topology.workers': { default: 1, rule: int(1) },
  // A worker's timeout: what a silent subprocess gets when topology.subprocess.timeout.secs is unset.
  'supervisor.worker.timeout.secs': { default: 30, rule: int(1, true) },
};

/** The levels of Storm's multi-lang `log` command, lowest first. */
export const LOG_LEVELS = Object.keys(LogLevel) as LogLevelName[];

export const CONCURRENCY_KEY = 'squall.concurrency';
export const LOG_LEVEL_KEY = 'squall.log.level';
export const METRICS_INTERVAL_KEY = 'squall.metrics.interval.secs';
export const ENCODE_NESTED_KEY = 'squall.encode.nested';
export const RECEIVE_BUFFER_BYTES_KEY = 'squall.receive.buffer.bytes';
export const REDIS_URL_KEY = 'squall.redis.url';
export const REDIS_URL_ENV_KEY = 'squall.redis.url.env';

/** squall's own keys. */
export const SQUALL_KEYS: Readonly<Record<string, KeySpec>> = {
  /** Per bolt: tuples one task works on at once (the class's `concurrency` option, unless the class forbids it). */
  [CONCURRENCY_KEY]: { rule: int(1) },
  /** Lowest level a squall component sends to Storm's log (default: the component's `logLevel` option, INFO). */
  [LOG_LEVEL_KEY]: { rule: { kind: 'oneOf', values: LOG_LEVELS } },
  /** Seconds between a squall component's measurement lines (for `squall doctor`); 0 turns them off. */
  [METRICS_INTERVAL_KEY]: { default: 60, rule: { kind: 'number', min: 0 } },
  /** Nested objects and arrays cross as marked JSON text (wire/values.ts); topology-wide, every component must agree. */
  [ENCODE_NESTED_KEY]: { default: true, rule: BOOLEAN },
  /** The embedded runtime's byte budget for one bolt task's receive queue (next to Storm's count). */
  [RECEIVE_BUFFER_BYTES_KEY]: { default: 16 * 1024 * 1024, rule: int(1) },
  /** The Redis connectors' server, when their `url` option is not given. */
  [REDIS_URL_KEY]: { rule: { kind: 'string' } },
  /** The environment variable holding that URL, which keeps its password out of the topology config. */
  [REDIS_URL_ENV_KEY]: { rule: { kind: 'string' } },
};

/** The table as one map, for lookups by key. */
const ALL_KEYS: ReadonlyMap<string, KeySpec> = new Map([...Object.entries(STORM_KEYS), ...Object.entries(SQUALL_KEYS)]);

/** Storm's defaults for `keys`, as a worker's handshake carries them. */
export function stormDefaults(keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, STORM_KEYS[key]?.default ?? null]));
}

type Conf = Readonly<Record<string, unknown>>;

/** The value of `key`, or its default when unset (undefined or null where the default is not null). */
function valueOf(conf: Conf, key: string): unknown {
  return conf[key] ?? ALL_KEYS.get(key)?.default;
}

/** A positive number, or null. */
function positive(value: unknown): number | null {
  return typeof value === 'number' && value > 0 ? value : null;
}

/** `topology.max.spout.pending`: trees one spout task may have open; null (unset, or 0 as Storm's executor reads it) is no limit. */
export function maxSpoutPending(conf: Conf): number | null {
  return positive(conf['topology.max.spout.pending']);
}

/** `topology.message.timeout.secs`: how long a tuple tree may take before Storm fails it. */
export function messageTimeoutSecs(conf: Conf): number {
  return Number(valueOf(conf, 'topology.message.timeout.secs'));
}

/** `topology.shellbolt.max.pending`: tuples sent to a shell bolt and not yet acked or failed. */
export function shellBoltMaxPending(conf: Conf): number {
  return Number(valueOf(conf, 'topology.shellbolt.max.pending'));
}

/** How long a component may stay silent: `topology.subprocess.timeout.secs`, else `supervisor.worker.timeout.secs`. */
export function subprocessTimeoutSecs(conf: Conf): number {
  return Number(conf['topology.subprocess.timeout.secs'] ?? valueOf(conf, 'supervisor.worker.timeout.secs'));
}

/** `topology.tick.tuple.freq.secs`: seconds between tick tuples, or null for none. */
export function tickTupleFreqSecs(conf: Conf): number | null {
  return positive(conf['topology.tick.tuple.freq.secs']);
}

/** `topology.executor.receive.buffer.size`: tuples a bolt task's receive queue holds. */
export function receiveBufferSize(conf: Conf): number {
  return Number(valueOf(conf, 'topology.executor.receive.buffer.size'));
}

/** `squall.receive.buffer.bytes`: bytes a bolt task's receive queue holds (the embedded runtime's second bound). */
export function receiveBufferBytes(conf: Conf): number {
  return Number(valueOf(conf, RECEIVE_BUFFER_BYTES_KEY));
}

/** `squall.concurrency` of a bolt's config, or undefined when unset or not a whole number of at least 1. */
export function configuredConcurrency(conf: Conf): number | undefined {
  const value = conf[CONCURRENCY_KEY];
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/** `squall.log.level` (any case), or undefined when unset or not a level. */
export function logLevel(conf: Conf): LogLevelName | undefined {
  const value = conf[LOG_LEVEL_KEY];
  const level = typeof value === 'string' ? value.toUpperCase() : undefined;
  return level !== undefined && (LOG_LEVELS as string[]).includes(level) ? (level as LogLevelName) : undefined;
}

/** `squall.metrics.interval.secs`: seconds between measurement lines, 0 for none. */
export function metricsIntervalSecs(conf: Conf): number {
  const secs = Number(valueOf(conf, METRICS_INTERVAL_KEY));
  return secs > 0 ? secs : 0;
}

/** `squall.encode.nested`: whether nested values cross as marked JSON text (on unless set to false). */
export function encodeNested(conf: Conf): boolean {
  return conf[ENCODE_NESTED_KEY] !== false;
}

/** Storm's own key prefixes: every key under these belongs to Storm, known to squall or not. */
const STORM_KEY = /^(topology|storm|nimbus|supervisor|worker|drpc|ui|logviewer|pacemaker|transactional|dev\.zookeeper|java\.library)\./;

/** Whether a component's config may carry `key` on a cluster (keys that are not Storm's, squall.* and yours, always may). */
export function componentMayOverride(key: string): boolean {
  return !STORM_KEY.test(key) || STORM_KEYS[key]?.component === true || key.startsWith('topology.bolts.');
}

/** The Storm keys a component's config may set, for messages. */
export const COMPONENT_OVERRIDABLE_KEYS: readonly string[] = Object.keys(STORM_KEYS).filter((key) => STORM_KEYS[key]!.component);

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);

/** What is wrong with `value` for `key` (`"key" must be …, got …`), or undefined when its rule passes it or it has none. */
export function keyProblem(key: string, value: unknown): string | undefined {
  const problem = ruleProblem(key, value);
  return problem === undefined ? undefined : `"${key}" must be ${problem}, got ${JSON.stringify(value)}`;
}

/** What `value` fails of `key`'s rule, in words, or undefined when it passes (or the key has no rule). */
function ruleProblem(key: string, value: unknown): string | undefined {
  const rule = ALL_KEYS.get(key)?.rule;
  if (!rule || value === undefined) return undefined;
  if (value === null) return rule.kind === 'integer' && rule.notNull ? `a whole number${atLeast(rule.min)}` : undefined;
  switch (rule.kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'a whole number';
      if (value > INT_MAX || value < INT_MIN) return `a whole number within Java's int range (${INT_MIN} to ${INT_MAX})`;
      return rule.min !== undefined && value < rule.min ? `a whole number${atLeast(rule.min)}` : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min ? undefined : `a number of at least ${rule.min}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'stringMap':
      return typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string') ? undefined : 'an object mapping names to strings';
    case 'oneOf':
      return typeof value === 'string' && rule.values.includes(value.toUpperCase()) ? undefined : `one of ${rule.values.join(', ')}`;
  }
}

function atLeast(min: 0 | 1 | undefined): string {
  return min === undefined ? '' : ` of at least ${min}`;
}

/**
 * A warning for a `topology.*` or `squall.*` key this table does not know, naming the known key it most likely
 * misspells (fewest single-character edits); undefined for a known key or another namespace (those are the user's
 * own). Only a warning: Storm passes unknown keys through, and so does squall.
 */
export function unknownKeyWarning(key: string): string | undefined {
  if (ALL_KEYS.has(key) || !/^(topology|squall)\./.test(key) || key.startsWith('topology.bolts.')) return undefined;
  let best: { key: string; distance: number } | undefined;
  for (const known of ALL_KEYS.keys()) {
    const distance = editDistance(key, known);
    if (!best || distance < best.distance) best = { key: known, distance };
  }
  const unknown = `"${key}" is not a Storm or squall config key`;
  return best && best.distance <= Math.max(3, Math.floor(key.length / 4))
    ? `${unknown}: did you mean "${best.key}"? (passed on as given)`
    : `${unknown} (passed on as given; docs/config.md lists squall's keys, Storm's Config.java its own)`;
}

/** Levenshtein distance: single-character insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
