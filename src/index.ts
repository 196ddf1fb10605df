/**
 * squall: Apache Storm topologies in TypeScript.
 *
 * - Components: Spout and Bolt classes speaking Storm's multi-lang protocol on stdin/stdout
 *   (`runComponent(MyBolt)`, or a topology bundle that serves every component).
 * - Topologies: `new Topology(name)` with typed streams and groupings, validated as Nimbus validates.
 * - Testing, from `squall/testing`: `runTopology` and `testBolt` run real component processes in the embedded runtime.
 */

// Components
export { Component, COMPONENT_DEFAULTS } from './component/component.js';
export type { ComponentOptions, Conf, Logger, TaskIds } from './component/component.js';
export { Bolt, BOLT_DEFAULTS } from './component/bolt.js';
export type { BoltEmitOptions, BoltOptions } from './component/bolt.js';
export { BATCHING_BOLT_DEFAULTS, BatchingBolt } from './component/batching-bolt.js';
export type { BatchingBoltOptions } from './component/batching-bolt.js';
export { Spout, SPOUT_DEFAULTS } from './component/spout.js';
export type { SpoutEmitOptions, SpoutOptions } from './component/spout.js';
export type { SourceReading } from './component/meter.js';
export type { MessageId } from './wire/messages.js';
export { RELIABLE_SPOUT_DEFAULTS, ReliableSpout } from './component/reliable-spout.js';
export type { ReliableSpoutOptions } from './component/reliable-spout.js';
export { TopologyContext } from './component/context.js';
export { Tuple } from './component/tuple.js';
export type { Fields } from './component/tuple.js';
export { runComponent, serve } from './component/serve.js';
export type { ComponentClass, ComponentResolver } from './component/serve.js';
export { ExitCode } from './component/connection.js';
export { LogLevel } from './wire/messages.js';
export type { LogLevelName } from './wire/messages.js';

// Topologies
export { BoltDeclarer, java, shell, Topology } from './topology/builder.js';
export type { ComponentRef, FieldsOf, Outputs, StreamDeclaration, TopologyComponentOptions } from './topology/builder.js';
export type { ComponentSpec, GroupingSpec, TopologySpec } from './topology/spec.js';
export { TopologyValidationError, validateTopology } from './topology/validate.js';

// Testing (runTopology, testBolt, drivers) is its own entry point, squall/testing: see ./testing/index.ts.
