/**
 * squall/testing: run a topology or one bolt of it in the embedded runtime, from a project's own tests.
 *
 * Its own entry point, apart from the package root: the harness bundles topologies (esbuild) and starts the
 * embedded runtime, tooling a worker never needs. Topology bundles import the root, so none of this lands there.
 */
export { runTopology } from './harness.js';
export type { EmittedTuple, RunTopologyOptions, TopologyRun } from './harness.js';
export { testBolt } from './component-harness.js';
export type { BoltRun, InputTuple } from './component-harness.js';
export { contextFor, driveBolt, driveSpout, Recorder } from './component-driver.js';
export type { BoltDriver, ContextSpec, DriveOptions, Emitted, SpoutDriver } from './component-driver.js';
export type { LaunchSpec, ShellDeath } from '../runtime/shell-process.js';
export type { ComponentStats, RuntimeEvent } from '../runtime/local-cluster.js';
