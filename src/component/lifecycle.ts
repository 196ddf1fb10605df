/**
 * The SDK's own entry points on a component, keyed by symbols that squall's public index does not export:
 * `serve` calls them, and they never show up in a user's completion next to `process` or `nextTuple`.
 */
export const start = Symbol('squall.start');
export const receive = Symbol('squall.receive');
