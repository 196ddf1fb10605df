import { serve } from '../component/serve.js';
import { Topology } from '../topology/builder.js';
import { isComponentProcess } from './component-process.js';
import { TopologyExportError } from './topology-export-error.js';

/**
 * The bundle's entry: find the Topology the user module exports and, when Storm started the bundle as a component
 * (`[node, squall-topology.mjs]`, cwd = resources/), serve the component the handshake names.
 */
export function startWorker(userModule: Record<string, unknown>, source: string): Topology {
  const topology = findTopology(userModule, source);
  if (isComponentProcess()) {
    void serve((componentId) => topology.classFor(componentId));
  }
  return topology;
}

function findTopology(userModule: Record<string, unknown>, source: string): Topology {
  const candidates = [userModule.default, userModule.topology, ...Object.values(userModule)];
  const found = candidates.find((value): value is Topology => value instanceof Topology);
  if (!found) {
    throw new TopologyExportError(`${source} does not export a Topology: add \`export default new Topology('name')\` (and declare its components)`);
  }
  return found;
}
