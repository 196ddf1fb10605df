import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConfigSources } from '../topology/resolve.js';
import { resolveTopology } from '../topology/resolve.js';
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
  if (!MODULE_EXTENSIONS.has(extname(topologyFile))) {
    throw new Error(
      `${displayPath(topologyFile)} is not a topology module: give a TypeScript or JavaScript file (${[...MODULE_EXTENSIONS].join(', ')}) that exports a Topology, or a folder holding one`,
    );
  }
  const { file, bytes } = await bundleTopology(topologyFile, options.outDir ?? mkdtempSync(join(tmpdir(), 'squall-build-')));
  const module = await importTopology(file, topologyFile);
  const spec = resolveTopology(module.topology.toSpec(), options.config, options.name);
  return { topologyFile, resourcesDir: dirname(topologyFile), bundle: file, bundleBytes: bytes, topology: module.topology, spec };
}

/** What esbuild bundles as a module (its default loaders for TypeScript and JavaScript). */
const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);

/**
 * Import the bundle, which runs the user's module. When that throws, say which topology was loading and where in
 * the user's own sources it threw (source maps on, so the frame names the .ts file, not the bundle).
 */
async function importTopology(bundle: string, topologyFile: string): Promise<{ topology: Topology }> {
  // Only for this import: mapped stack traces cost time wherever errors are made later in this process.
  const wasEnabled = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(true);
  try {
    return (await import(pathToFileURL(bundle).href)) as { topology: Topology };
  } catch (err) {
    // The bundle's own check (no exported Topology) already says what to do.
    if (err instanceof Error && err.name === 'TopologyExportError') throw err;
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const frame = userFrame(err);
    throw new Error(`loading ${displayPath(topologyFile)} threw: ${what}${frame ? `\n    ${frame}` : ''}`, { cause: err });
  } finally {
    process.setSourceMapsEnabled(wasEnabled);
  }
}

/** The first stack frame in the user's code: not Node's internals, not a dependency, not squall itself. */
function userFrame(err: unknown): string | undefined {
  if (!(err instanceof Error) || !err.stack) return undefined;
  const squallDir = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..')).href;
  return err.stack
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('at ') && !/node:|node_modules|squall-entry\.mjs/.test(line) && !line.includes(squallDir) && !line.includes(fileURLToPath(squallDir)));
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
