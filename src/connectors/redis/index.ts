/**
 * squall/redis: a Redis Streams source and sink, at least once. A subpath of its own, so that only topologies that
 * use Redis carry its client in their bundle (about 1.6 MB); `import { RedisStreamSpout } from 'squall/redis'`.
 */
export { REDIS_STREAM_SPOUT_DEFAULTS, RedisStreamSpout } from './spout.js';
export type { EntryTuple, RedisStreamSpoutCounts, RedisStreamSpoutOptions } from './spout.js';
export { REDIS_STREAM_BOLT_DEFAULTS, RedisStreamBolt } from './bolt.js';
export type { RedisStreamBoltOptions } from './bolt.js';
export type { StreamEntry } from './entries.js';
export type { RedisClientSettings, RedisTlsOptions } from './client.js';
export type { StartPosition } from './start-position.js';
export { DEFAULT_REDIS_URL, REDIS_URL_CONF, REDIS_URL_ENV_CONF } from './client.js';
export { maskConfiguration, redactUrl } from '../../config/credentials.js';
