import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** squall's own compiled sources: bundles use exactly the squall that builds them. */
const SQUALL_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The file the bundle is written to, inside the JAR's resources/ (and what Storm runs with `node`). */
export const BUNDLE_NAME = 'squall-topology.mjs';

/**
 * Find the topology module: a file, or a folder holding `topology.ts`, `index.ts`, or a single file in
 * `topologies/`. Throws with the places it looked.
 */
export function resolveTopologyFile(target = '.'): string {
  const path = resolve(target);
  if (existsSync(path) && statSync(path).isFile()) return path;
  if (!existsSync(path)) throw new Error(`no topology at ${target}: give a topology file (topologies/wordcount.ts) or a folder holding one`);
  const direct = ['topology.ts', 'index.ts', 'topology.js', 'index.js'].map((f) => join(path, f)).find((f) => existsSync(f));
  if (direct) return direct;
  const folder = join(path, 'topologies');
  if (existsSync(folder)) {
    const files = readdirSync(folder).filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith('.d.ts'));
    if (files.length === 1) return join(folder, files[0]!);
    if (files.length > 1) throw new Error(`${folder} holds several topologies (${files.join(', ')}): name one, e.g. squall run topologies/${files[0]}`);
  }
  throw new Error(`no topology in ${target}: expected topology.ts, index.ts or one file in topologies/`);
}

export interface BundleResult {
  /** The bundle (ESM, one file), where it was written. */
  file: string;
  bytes: number;
}

export interface BundleContents {
  code: Uint8Array;
  map: Uint8Array;
}

/** The one-file ES module: a guard first, the user's topology, then the worker that serves a component. */
function entrySource(topologyFile: string): string {
  const squall = (path: string) => JSON.stringify(join(SQUALL_DIST, path));
  // The guard comes first: ES modules evaluate in import order, so it runs before any user module.
  return [
    `import ${squall('worker/guard.js')};`,
    `import * as userModule from ${JSON.stringify(topologyFile)};`,
    `import { startWorker } from ${squall('worker/worker.js')};`,
    `export const topology = startWorker(userModule, import.meta.url, ${JSON.stringify(basename(topologyFile))});`,
  ].join('\n');
}

/**
 * Bundle a topology module, its components and all their npm dependencies into one ES module that both
 * describes the topology (when imported) and runs any of its components (when Storm starts it as a script).
 * Paths inside the output are relative to the topology's folder, so the same sources give the same bytes.
 */
async function buildBundle(topologyFile: string, outfile: string, write: boolean) {
  const projectDir = dirname(topologyFile);
  return build({
    stdin: { contents: entrySource(topologyFile), resolveDir: projectDir, sourcefile: 'squall-entry.mjs', loader: 'js' },
    absWorkingDir: projectDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    write,
    sourcemap: true,
    // User code imports 'squall': the same files the entry uses, so `instanceof Topology` holds in the bundle.
    alias: { squall: join(SQUALL_DIST, 'index.js'), 'squall/redis': join(SQUALL_DIST, 'connectors/redis/index.js') },
    // CommonJS dependencies call require(); an ES module bundle needs one made for it.
    banner: { js: "import { createRequire as __squallRequire } from 'node:module'; const require = __squallRequire(import.meta.url);" },
    logLevel: 'silent',
    metafile: true,
  });
}

/** Bundle to `outDir/squall-topology.mjs` (plus its source map), for `squall run` and the test harness. */
export async function bundleTopology(topologyFile: string, outDir: string): Promise<BundleResult> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, BUNDLE_NAME);
  const result = await buildBundle(topologyFile, file, true);
  const bytes = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1].bytes ?? 0;
  return { file, bytes };
}

/** Bundle in memory, as if written beside the topology, for the JAR (reproducible: no temp paths inside). */
export async function bundleTopologyContents(topologyFile: string): Promise<BundleContents> {
  const result = await buildBundle(topologyFile, join(dirname(topologyFile), BUNDLE_NAME), false);
  const outputs = result.outputFiles ?? [];
  const code = outputs.find((f) => f.path.endsWith('.mjs'));
  const map = outputs.find((f) => f.path.endsWith('.map'));
  if (!code || !map) throw new Error('esbuild produced no bundle');
  return { code: code.contents, map: map.contents };
}
