import type { ComponentStats, RuntimeEvent } from '../runtime/local-cluster.js';
import { LocalCluster } from '../runtime/local-cluster.js';
import { checkResources } from '../packaging/jar.js';
import { withTopology, type LoadedTopology } from '../packaging/load.js';
import { decodeValues } from '../wire/values.js';
import { encodeNested } from '../config/keys.js';

export interface EmittedTuple {
  component: string;
  task: number;
  stream: string;
  values: unknown[];
}

export interface TopologyRun {
  /** Every tuple every component emitted, in order, with nested values as the emitter had them (see docs/sdk.md "Values"). */
  emitted: EmittedTuple[];
  /** Component logs, reported errors, deaths and restarts. */
  events: RuntimeEvent[];
  /** Per-component figures, as `squall run` prints them. */
  stats: ComponentStats[];
}

export interface RunTopologyOptions {
  /** How long to let the spouts run before deactivating them (ms). */
  runMs: number;
  /** Config overrides, as `-o key=value`. */
  conf?: Record<string, unknown>;
  /** Stop early once this returns true (checked after every emit and event). */
  until?: (run: TopologyRun) => boolean;
  /** Longest wait for in-flight tuples after deactivation (default: the message timeout). */
  drainMs?: number;
}

/**
 * Run a topology in the embedded runtime and collect what it did, for assertions in a user's own tests:
 *
 *   const run = await runTopology('topologies/wordcount.ts', { runMs: 2000 });
 *   assert.ok(run.emitted.some((t) => t.component === 'count' && t.values[0] === 'the'));
 */
export async function runTopology(target: string, options: RunTopologyOptions): Promise<TopologyRun> {
  // -o overrides are part of the resolved spec, validated as `squall run` validates them.
  return withTopology(target, { config: { commandLine: options.conf } }, (loaded) => runLoaded(loaded, options));
}

async function runLoaded(loaded: LoadedTopology, options: RunTopologyOptions): Promise<TopologyRun> {
  checkResources(loaded.resourcesDir, loaded.spec.resources);
  const run: TopologyRun = { emitted: [], events: [], stats: [] };
  const decode = encodeNested(loaded.spec.config);
  let wake: (() => void) | undefined;
  const check = () => {
    if (options.until?.(run)) wake?.();
  };
  const cluster = new LocalCluster(loaded.spec, {
    squall: { command: process.execPath, script: loaded.bundle },
    resourcesDir: loaded.resourcesDir,
    restartDelayMs: 200,
    onEmit: (component, task, stream, values) => {
      run.emitted.push({ component, task, stream, values: decode ? decodeValues(values) : values });
      check();
    },
    onEvent: (event) => {
      run.events.push(event);
      check();
    },
  });
  await cluster.start();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.runMs);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
    check();
  });
  wake = undefined;
  run.stats = await cluster.stop(options.drainMs);
  return run;
}
