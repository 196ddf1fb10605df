import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConfigSources } from '../topology/resolve.js';
import { resolveTopology } from '../topology/resolve.js';
import type { Topology } from '../topology/builder.js';
import type { TopologySpec } from '../topology/spec.js';
import { temporaryFolder } from '../process/cleanup.js';
import { bundleTopology, resolveTopologyFile, writeBundle, type BundleContents } from './bundle.js';
import { typecheckProject, type TypecheckOutcome } from './typecheck.js';
import { isTopologyExportError } from '../worker/topology-export-error.js';

export interface LoadedTopology {
  topologyFile: string;
  /** Folder of the topology file: shell scripts and resources are relative to it. */
  resourcesDir: string;
  /** What a component process runs (`[node, bundle]`): the launcher in this load's own temporary folder. */
  bundle: string;
  bundleBytes: number;
  /** The bundle as built, for the JAR: `jar` and `submit` pack what was loaded, without bundling again. */
  contents: BundleContents;
  topology: Topology;
  /** The topology as it will run: config resolved from every source, validated. */
  spec: TopologySpec;
  /** Set when the load was asked to type-check (`typecheck` given): what that came to. */
  typecheck?: TypecheckOutcome;
  /** Remove the bundle's folder now (else it goes when this process exits). Component processes must be stopped. */
  release(): void;
}

export interface LoadOptions {
  /** Config besides the topology's own: environment options, `--debug`, `-o`. */
  config?: ConfigSources;
  /** Run or submit under this name instead of the topology's (`submit -n`). */
  name?: string;
  /** true: type-check the project first and refuse on errors; false: skipped (`--no-typecheck`); unset: not asked. */
  typecheck?: boolean;
}

/**
 * Bundle, load, resolve the config of and validate a topology: the one path `run`, `jar`, `submit` and the test
 * harness share, so what runs locally is the bundle that ships, with the config every command resolves alike.
 * The bundle lives in a temporary folder the loaded topology owns: `release()` removes it, and the process's exit
 * removes it if nothing did (see ../process/cleanup.ts). Those that only need the spec use `withTopology`.
 */
export async function loadTopology(target: string | undefined, options: LoadOptions = {}): Promise<LoadedTopology> {
  const topologyFile = resolveTopologyFile(target);
  if (!MODULE_EXTENSIONS.has(extname(topologyFile))) {
    throw new Error(
      `${displayPath(topologyFile)} is not a topology module: give a TypeScript or JavaScript file (${[...MODULE_EXTENSIONS].join(', ')}) that exports a Topology, or a folder holding one`,
    );
  }
  // tsc runs in its own process while esbuild bundles; a type error is reported before a bundling error.
  const checking = options.typecheck === undefined ? undefined : options.typecheck ? typecheckProject(topologyFile) : Promise.resolve({ skipped: '--no-typecheck' });
  const [checked, bundled] = await Promise.allSettled([checking, bundleTopology(topologyFile)]);
  if (checked.status === 'rejected') throw checked.reason;
  if (bundled.status === 'rejected') throw bundled.reason;
  const contents = bundled.value;
  const folder = temporaryFolder('squall-build-');
  try {
    const bundle = writeBundle(contents, topologyFile, folder.path);
    const module = await importTopology(bundle, topologyFile);
    const spec = resolveTopology(module.topology.toSpec(), options.config, options.name);
    return {
      topologyFile,
      resourcesDir: dirname(topologyFile),
      bundle,
      bundleBytes: contents.code.byteLength,
      contents,
      topology: module.topology,
      spec,
      ...(checked.value ? { typecheck: checked.value } : {}),
      release: folder.remove,
    };
  } catch (err) {
    folder.remove();
    throw err;
  }
}

/** Load a topology for what it declares, and remove its bundle as soon as `use` is done. */
export async function withTopology<T>(target: string | undefined, options: LoadOptions, use: (loaded: LoadedTopology) => T | Promise<T>): Promise<T> {
  const loaded = await loadTopology(target, options);
  try {
    return await use(loaded);
  } finally {
    loaded.release();
  }
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
    if (isTopologyExportError(err)) throw err;
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
    .find((line) => line.startsWith('at ') && !/node:|node_modules|squall-entry\.mjs|squall-topology\.mjs/.test(line) && !line.includes(squallDir) && !line.includes(fileURLToPath(squallDir)));
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
