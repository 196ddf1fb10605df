/**
 * The SDK's own entry points on a component, keyed by symbols that squall's public index does not export:
 * `serve` calls them, and they never show up in a user's completion next to `process` or `nextTuple`.
 */
export const start = Symbol('squall.start');
export const receive = Symbol('squall.receive');

/**
 * What Storm tells a spout, before the user's `on<Event>` callbacks hear of it: an SDK spout (ReliableSpout,
 * RedisStreamSpout) does its own work here (replay, XACK, …) and then calls the callback, so the public names
 * stay the user's and an override of `onAck` cannot switch the replay logic off by forgetting `super`.
 */
export const acked = Symbol('squall.acked');
export const failed = Symbol('squall.failed');
export const activated = Symbol('squall.activated');
export const deactivated = Symbol('squall.deactivated');
