import type { TopologySpec } from './spec.js';
import { assertValidTopology } from './validate.js';
import { CONCURRENCY_KEY, LOG_LEVEL_KEY } from '../config/keys.js';
import type { EnvironmentConfig } from '../config/project-config.js';

/**
 * Where a topology's config comes from besides the topology itself. Every command resolves it the same way
 * (`resolveTopology`), so `run`, `jar`, `submit` and the test helpers accept and refuse the same values.
 */
export interface ConfigSources {
  /** Defaults a command sets for its own use (`run --ui`), below everything else. */
  defaults?: Record<string, unknown>;
  /** The config.json environment in use (`submit -e`): its `options`, and `log.level` as `squall.log.level`. */
  environment?: EnvironmentConfig;
  /** `run --debug`: `topology.debug` on, and squall components log at DEBUG. */
  debug?: boolean;
  /** `-o key=value` on the command line (`conf` in runTopology/testBolt). */
  commandLine?: Record<string, unknown>;
  /** `-p component=N`: executors (Storm's parallelism hint) per component, without editing the topology. */
  parallelism?: Record<string, number>;
  /** `--tasks component=N`: tasks per component (fixed at submit; a rebalance can use up to this many executors). */
  tasks?: Record<string, number>;
  /**
   * `--concurrency bolt=N`: tuples one task of a bolt works on at once, set as `squall.concurrency` in that bolt's own
   * config (what a component's `config` would hold), so a redeploy can change it without editing the topology.
   */
  concurrency?: Record<string, number>;
}

/**
 * The topology config that Nimbus, or the embedded runtime, receives. Lowest precedence first: the command's
 * own defaults, the environment's `log.level`, the environment's `options`, the topology's own config, `--debug`, then `-o`. Keys are replaced
 * whole, as Storm's submitter merges maps (an `-o topology.environment={…}` replaces the topology's map).
 * Storm's defaults are not added here: the cluster (or the embedded runtime, acting as one) adds them under
 * everything, as a worker does, so a cluster's own storm.yaml still applies.
 */
export function resolveTopologyConfig(topologyConfig: Record<string, unknown>, sources: ConfigSources = {}): Record<string, unknown> {
  const level = sources.environment?.log?.level;
  return {
    ...(sources.defaults ?? {}),
    ...(level ? { [LOG_LEVEL_KEY]: level.toUpperCase() } : {}),
    ...(sources.environment?.options ?? {}),
    ...topologyConfig,
    ...(sources.debug ? { 'topology.debug': true, [LOG_LEVEL_KEY]: 'DEBUG' } : {}),
    ...(sources.commandLine ?? {}),
  };
}

/**
 * The topology as it will run: config resolved from every source, optionally renamed (`submit -n`), and
 * validated once, as a whole. Throws a TopologyValidationError naming each problem.
 */
export function resolveTopology(spec: TopologySpec, sources: ConfigSources = {}, name = spec.name): TopologySpec {
  const resolved = { ...spec, name, config: resolveTopologyConfig(spec.config, sources), components: withParallelism(spec, sources) };
  assertValidTopology(resolved);
  return resolved;
}

/**
 * Components with `-p` and `--tasks` applied. A component whose tasks followed its parallelism (the default) keeps
 * following it; otherwise tasks never drop below the executors, which Storm would refuse.
 */
function withParallelism(spec: TopologySpec, sources: ConfigSources): TopologySpec['components'] {
  const known = new Set(spec.components.map((c) => c.id));
  for (const [flag, given] of [['-p', sources.parallelism], ['--tasks', sources.tasks], ['--concurrency', sources.concurrency]] as const) {
    for (const id of Object.keys(given ?? {})) {
      if (!known.has(id)) throw new Error(`${flag} ${id}=…: the topology has no component "${id}" (it has ${[...known].join(', ')})`);
    }
  }
  return spec.components.map((c) => {
    const parallelism = sources.parallelism?.[c.id] ?? c.parallelism;
    const tasks = sources.tasks?.[c.id] ?? (c.tasks === c.parallelism ? parallelism : Math.max(c.tasks, parallelism));
    if (tasks < parallelism) throw new Error(`--tasks ${c.id}=${tasks} is fewer than its ${parallelism} executors: give it at least ${parallelism} tasks`);
    const concurrency = sources.concurrency?.[c.id];
    if (concurrency !== undefined && c.kind !== 'bolt') throw new Error(`--concurrency ${c.id}=${concurrency}: ${c.id} is a spout; only bolts work on several tuples at once`);
    const config = concurrency === undefined ? c.config : { ...c.config, [CONCURRENCY_KEY]: concurrency };
    return parallelism === c.parallelism && tasks === c.tasks && config === c.config ? c : { ...c, parallelism, tasks, config };
  });
}
