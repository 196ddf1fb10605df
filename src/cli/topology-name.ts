import { loadTopology } from '../packaging/load.js';
import type { TopologySpec } from '../topology/spec.js';

/**
 * The topology a command is about: the NAME given, or the name of the project's topology (as streamparse takes
 * the only one in topologies/). Returns the spec too when it was loaded.
 */
export async function topologyName(name: string | undefined): Promise<{ name: string; spec?: TopologySpec }> {
  if (name) return { name };
  try {
    const loaded = await loadTopology('.');
    return { name: loaded.spec.name, spec: loaded.spec };
  } catch (err) {
    throw new Error(`give the topology NAME, or run this in a project with one topology (${(err as Error).message})`);
  }
}
