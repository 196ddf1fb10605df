/**
 * A topology on this machine's embedded runtime, below the CLI: `squall run` loads and starts it through here, and
 * `squall doctor --run` restarts the same bundle with other overrides.
 */
import { checkResources } from '../packaging/jar.js';
import { loadTopology, type LoadedTopology } from '../packaging/load.js';
import { describeTypecheck } from '../packaging/typecheck.js';
import { LocalCluster, type LocalClusterOptions } from '../runtime/local-cluster.js';
import { directEmitProblem, multilangDirectStreams } from '../topology/direct-emits.js';
import type { ConfigSources } from '../topology/resolve.js';
import type { TopologySpec } from '../topology/spec.js';
import type { Progress } from './progress.js';

/**
 * Bundle and load a topology for the embedded runtime, with its resources checked. `typecheck` as LoadOptions has
 * it; `progress` hears the bundling, the type check's outcome and a warning for direct emits.
 */
export async function loadForRun(target: string, sources: ConfigSources, typecheck?: boolean, progress: Progress = {}): Promise<LoadedTopology> {
  progress.onStep?.(`bundling ${target}`);
  const loaded = await loadTopology(target, { config: sources, ...(typecheck !== undefined ? { typecheck } : {}) });
  if (loaded.typecheck) progress.onNote?.(describeTypecheck(loaded.typecheck));
  checkResources(loaded.resourcesDir, loaded.spec.resources);
  // The embedded runtime accepts direct emits; a current Storm cluster does not (squall submit refuses them there).
  const direct = multilangDirectStreams(loaded.spec);
  if (direct.length > 0) progress.onNote?.(`warning: runs here, but not on a cluster: ${directEmitProblem(direct)}`);
  return loaded;
}

/** The embedded runtime for `spec` (the loaded topology, or it with other overrides), each task started as a worker starts it. */
export function localCluster(loaded: LoadedTopology, spec: TopologySpec, hooks: Pick<LocalClusterOptions, 'onEvent' | 'onEmit' | 'onMetrics'>): LocalCluster {
  return new LocalCluster(spec, { squall: { command: process.execPath, script: loaded.bundle }, resourcesDir: loaded.resourcesDir, ...hooks });
}
