import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

/** squall's own compiled sources: bundles use exactly the squall that builds them. */
const SQUALL_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What Storm runs with `node` in the JAR's resources/: the launcher of the bundle (LAUNCHER_SOURCE). */
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

/**
 * The bundle proper: the user's topology, its components, their npm dependencies and the SDK, with its source map
 * `squall-bundle.mjs.map`. Storm starts BUNDLE_NAME, which loads this file.
 */
export const BUNDLE_BODY_NAME = 'squall-bundle.mjs';

/**
 * What a worker starts (`[node, squall-topology.mjs]`, cwd = resources/). Node maps stack traces only for modules
 * loaded after source maps are on, and no flag can ride on Storm's `[execution_command, script]`: so this small
 * module turns them on, then loads the bundle, whose errors then name the user's .ts files and lines. Imported
 * instead (the CLI reading the topology), it only passes the topology on. Started as a script, it also marks the
 * process as a component process before any bundled module runs (see ../worker/guard.ts).
 */
export const LAUNCHER_SOURCE = `// Started by Storm as [node, ${BUNDLE_NAME}]: source maps on, then the topology bundle (${BUNDLE_BODY_NAME}).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const started = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (started) {
  process.setSourceMapsEnabled(true);
  globalThis[Symbol.for('squall.componentProcess')] = true;
}
export const { topology } = await import('./${BUNDLE_BODY_NAME}');
`;

export interface BundleContents {
  /** The bundle body (BUNDLE_BODY_NAME), as if written beside the topology: no temporary paths inside. */
  code: Uint8Array;
  /** Its source map: sources relative to the topology's folder. */
  map: Uint8Array;
  /** Which modules went in, by their path relative to the topology's folder, and their bytes in the output. */
  inputs: Record<string, number>;
}

/** The one-file ES module: a guard first, the user's topology, then the worker that serves a component. */
function entrySource(topologyFile: string): string {
  const squall = (path: string) => JSON.stringify(join(SQUALL_DIST, path));
  // The guard comes first: ES modules evaluate in import order, so it runs before any user module.
  return [
    `import ${squall('worker/guard.js')};`,
    `import * as userModule from ${JSON.stringify(topologyFile)};`,
    `import { startWorker } from ${squall('worker/worker.js')};`,
    `export const topology = startWorker(userModule, ${JSON.stringify(basename(topologyFile))});`,
  ].join('\n');
}

/** esbuild's service process (about 64 MB) is needed only while bundling: it is stopped once no build is running. */
let buildsRunning = 0;

/**
 * Bundle a topology module, its components and all their npm dependencies into one ES module that both
 * describes the topology (when imported) and runs any of its components (when Storm starts it through the launcher).
 * Built in memory as if written beside the topology, so the same sources give the same bytes (the JAR is
 * reproducible) and one build serves both `run` and `jar`/`submit`.
 */
export async function bundleTopology(topologyFile: string): Promise<BundleContents> {
  const projectDir = dirname(topologyFile);
  buildsRunning++;
  try {
    const result = await build({
      stdin: { contents: entrySource(topologyFile), resolveDir: projectDir, sourcefile: 'squall-entry.mjs', loader: 'js' },
      absWorkingDir: projectDir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(projectDir, BUNDLE_BODY_NAME),
      write: false,
      sourcemap: true,
      // Stack traces need the mappings only; the sources themselves would triple the map that every component process reads at start.
      sourcesContent: false,
      // User code imports 'squall': the same files the entry uses, so `instanceof Topology` holds in the bundle.
      alias: {
        squall: join(SQUALL_DIST, 'index.js'),
        'squall/redis': join(SQUALL_DIST, 'connectors/redis/index.js'),
        'squall/testing': join(SQUALL_DIST, 'testing/index.js'),
      },
      // CommonJS dependencies call require(); an ES module bundle needs one made for it.
      banner: { js: "import { createRequire as __squallRequire } from 'node:module'; const require = __squallRequire(import.meta.url);" },
      logLevel: 'silent',
      metafile: true,
    });
    const outputs = result.outputFiles ?? [];
    const code = outputs.find((f) => f.path.endsWith('.mjs'));
    const map = outputs.find((f) => f.path.endsWith('.map'));
    if (!code || !map) throw new Error('esbuild produced no bundle');
    const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1];
    const inputs = Object.fromEntries(Object.entries(output?.inputs ?? {}).map(([path, { bytesInOutput }]) => [path, bytesInOutput]));
    return { code: code.contents, map: map.contents, inputs };
  } finally {
    if (--buildsRunning === 0) await stop();
  }
}

/**
 * Write a bundle where `squall run` starts it: the launcher, the body and its map. The map gets the topology's
 * folder as its sourceRoot, so stack traces name the user's files where they are, not in this folder.
 * Returns the launcher's path.
 */
export function writeBundle(contents: BundleContents, topologyFile: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const map = JSON.parse(Buffer.from(contents.map).toString()) as { sourceRoot?: string };
  map.sourceRoot = pathToFileURL(dirname(topologyFile)).href + '/';
  writeFileSync(join(outDir, BUNDLE_BODY_NAME), contents.code);
  writeFileSync(join(outDir, `${BUNDLE_BODY_NAME}.map`), JSON.stringify(map));
  const launcher = join(outDir, BUNDLE_NAME);
  writeFileSync(launcher, LAUNCHER_SOURCE);
  return launcher;
}
