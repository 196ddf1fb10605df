import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigSources } from '../config/topology-config.js';
import { resolveTopology } from '../config/topology-config.js';
import type { Topology } from '../topology/builder.js';
import type { TopologySpec } from '../topology/spec.js';
import { bundleTopology, resolveTopologyFile } from './bundle.js';

export interface LoadedTopology {
  topologyFile: string;
  /** Folder of the topology file: shell scripts and resources are relative to it. */
  resourcesDir: string;
  bundle: string;
  bundleBytes: number;
  topology: Topology;
  /** The topology as it will run: config resolved from every source, validated. */
  spec: TopologySpec;
}

export interface LoadOptions {
  /** Where the bundle goes (default: a fresh temporary folder). */
  outDir?: string;
  /** Config besides the topology's own: environment options, `--debug`, `-o`. */
  config?: ConfigSources;
  /** Run or submit under this name instead of the topology's (`submit -n`). */
  name?: string;
}

/**
 * Bundle, load, resolve the config of and validate a topology: the one path `run`, `jar`, `submit` and the test
 * harness share, so what runs locally is the bundle that ships, with the config every command resolves alike.
 */
export async function loadTopology(target: string | undefined, options: LoadOptions = {}): Promise<LoadedTopology> {
  const topologyFile = resolveTopologyFile(target);
  const { file, bytes } = await bundleTopology(topologyFile, options.outDir ?? mkdtempSync(join(tmpdir(), 'squall-build-')));
  const module = (await import(pathToFileURL(file).href)) as { topology: Topology };
  const spec = resolveTopology(module.topology.toSpec(), options.config, options.name);
  return { topologyFile, resourcesDir: dirname(topologyFile), bundle: file, bundleBytes: bytes, topology: module.topology, spec };
}
