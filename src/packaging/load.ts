import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Topology } from '../topology/builder.js';
import type { TopologySpec } from '../topology/spec.js';
import { assertValidTopology } from '../topology/validate.js';
import { bundleTopology, resolveTopologyFile } from './bundle.js';

export interface LoadedTopology {
  topologyFile: string;
  /** Folder of the topology file: shell scripts and resources are relative to it. */
  resourcesDir: string;
  bundle: string;
  bundleBytes: number;
  topology: Topology;
  spec: TopologySpec;
}

/**
 * Bundle, load and validate a topology: the one path `run`, `jar` and the test harness share, so what runs locally
 * is the bundle that ships.
 */
export async function loadTopology(target: string | undefined, outDir = mkdtempSync(join(tmpdir(), 'squall-build-'))): Promise<LoadedTopology> {
  const topologyFile = resolveTopologyFile(target);
  const { file, bytes } = await bundleTopology(topologyFile, outDir);
  const module = (await import(pathToFileURL(file).href)) as { topology: Topology };
  const spec = module.topology.toSpec();
  assertValidTopology(spec);
  return { topologyFile, resourcesDir: dirname(topologyFile), bundle: file, bundleBytes: bytes, topology: module.topology, spec };
}
