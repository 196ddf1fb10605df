import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { ZipArchive } from 'archiver';
import type { TopologySpec } from '../topology/spec.js';
import { BUNDLE_BODY_NAME, BUNDLE_NAME, LAUNCHER_SOURCE, type BundleContents } from './bundle.js';

/** The launcher Storm runs (`sh squall-node.sh`) when the JAR carries its own Node binary. */
export const NODE_LAUNCHER = 'squall-node.sh';
const BUNDLED_NODE = 'node/bin/node';

/**
 * Storm extracts resources/ without file permissions, so the bundled node cannot be executed as extracted:
 * make it executable first, or run a copy where that is not allowed.
 */
const LAUNCHER_SCRIPT = `#!/bin/sh
# Started by Storm as [sh, ${NODE_LAUNCHER}] with cwd = the topology's resources/ folder.
# The JAR's files lose their permissions on extraction: restore the execute bit on the bundled node.
NODE=./${BUNDLED_NODE}
if ! chmod u+x "$NODE" 2>/dev/null || [ ! -x "$NODE" ]; then
  COPY="\${TMPDIR:-/tmp}/squall-node-$$"
  cp "$NODE" "$COPY" && chmod u+x "$COPY" && NODE="$COPY"
fi
exec "$NODE" ${BUNDLE_NAME}
`;

/** Every entry gets this time, so the same sources give a byte-identical JAR. */
const FIXED_DATE = new Date('2000-01-01T00:00:00Z');

/** Files that must never travel in a JAR: credentials, keys, local config, VCS data, installed modules. */
const SECRET = [/^\.env/, /\.(pem|key|p12|pfx|jks|keystore)$/i, /^id_(rsa|dsa|ecdsa|ed25519)/, /^config\.json$/, /^\.npmrc$/, /^\.netrc$/];
const NEVER_DIRS = new Set(['.git', 'node_modules', '.squall', '_build']);

export interface JarOptions {
  /** Ship the Node binary running squall (started through `sh squall-node.sh`), for workers without Node. */
  bundleNode?: boolean;
  /** Progress messages (bundling, adding files, writing). */
  onStep?: (message: string) => void;
}

export interface JarResult {
  file: string;
  bytes: number;
  /** Entry names, in JAR order. */
  entries: string[];
  /** Files under resource folders left out because they look like secrets or build output. */
  skipped: string[];
}

/** How a worker starts squall components from this JAR: Storm's `[execution_command, script]`. */
export function workerCommand(options: { bundleNode?: boolean; nodeCommand?: string }): { command: string; script: string } {
  return options.bundleNode ? { command: 'sh', script: NODE_LAUNCHER } : { command: options.nodeCommand ?? 'node', script: BUNDLE_NAME };
}

/** What a JAR is made of: the loaded topology (../packaging/load.ts), whose bundle is packed as it was built. */
export interface JarSource {
  topologyFile: string;
  spec: TopologySpec;
  contents: BundleContents;
}

/**
 * Write the topology JAR: `resources/` holds the bundle's launcher, the one-file bundle (all components and npm
 * dependencies) with its source map, the topology's declared resources (other languages' scripts, data), and with
 * `bundleNode` the Node binary and its launcher; `META-INF/MANIFEST.MF` makes it a JAR. Entries are sorted and
 * time-stamped alike.
 */
export async function buildJar({ topologyFile, spec, contents: bundle }: JarSource, outFile: string, options: JarOptions = {}): Promise<JarResult> {
  const step = options.onStep ?? (() => {});
  const files = new Map<string, Buffer | string>();
  files.set('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\r\nCreated-By: squall\r\n\r\n');
  files.set(`resources/${BUNDLE_NAME}`, LAUNCHER_SOURCE);
  files.set(`resources/${BUNDLE_BODY_NAME}`, Buffer.from(bundle.code));
  files.set(`resources/${BUNDLE_BODY_NAME}.map`, Buffer.from(bundle.map));
  const skipped: string[] = [];
  const projectDir = dirname(topologyFile);
  for (const resource of spec.resources) addResource(projectDir, resource, files, skipped);
  if (options.bundleNode) {
    step(`adding the Node binary (${process.version}, ${(statSync(process.execPath).size / 1e6).toFixed(0)} MB)`);
    files.set(`resources/${BUNDLED_NODE}`, readFileSync(process.execPath));
    files.set(`resources/${NODE_LAUNCHER}`, LAUNCHER_SCRIPT);
  }
  const entries = [...files.keys()].sort();
  step(`writing ${outFile} (${entries.length} entries)`);
  mkdirSync(dirname(outFile), { recursive: true });
  const archive = new ZipArchive({ zlib: { level: 9 } });
  const output = createWriteStream(outFile);
  const done = new Promise<void>((resolve, reject) => {
    output.on('close', () => resolve());
    output.on('error', reject);
    archive.on('error', reject);
  });
  archive.pipe(output);
  for (const name of entries) archive.append(files.get(name)!, { name, date: FIXED_DATE, mode: 0o644 });
  await archive.finalize();
  await done;
  return { file: outFile, bytes: statSync(outFile).size, entries, skipped };
}

/**
 * Check that every declared resource (shell components' scripts included) is inside the topology's folder and
 * exists: `run` checks as `jar` does, so a missing script stops both up front.
 */
export function checkResources(projectDir: string, resources: readonly string[]): void {
  for (const resource of resources) resourcePath(projectDir, resource);
}

function resourcePath(projectDir: string, resource: string): { clean: string; path: string } {
  const clean = normalize(resource);
  if (isAbsolute(clean) || clean.startsWith('..')) {
    throw new Error(`resource "${resource}" is outside the topology's folder: list resources relative to ${projectDir}, inside it`);
  }
  const path = join(projectDir, clean);
  if (!existsSync(path)) throw new Error(`resource "${resource}" does not exist (looked for ${path}); fix the path in the topology`);
  return { clean, path };
}

function addResource(projectDir: string, resource: string, files: Map<string, Buffer | string>, skipped: string[]): void {
  const { clean, path } = resourcePath(projectDir, resource);
  if (statSync(path).isFile()) {
    if (SECRET.some((pattern) => pattern.test(basename(path))) || clean.split(sep).some((part) => NEVER_DIRS.has(part))) {
      throw new Error(`refusing to pack "${resource}": it looks like a secret or local file (keys, .env, config.json, .git, node_modules). Remove it from the topology's resources`);
    }
    files.set(`resources/${clean.split(sep).join('/')}`, readFileSync(path));
    return;
  }
  for (const name of readdirSync(path).sort()) {
    const child = join(clean, name);
    if (NEVER_DIRS.has(name) || SECRET.some((pattern) => pattern.test(name))) {
      skipped.push(child);
      continue;
    }
    addResource(projectDir, relative(projectDir, join(projectDir, child)), files, skipped);
  }
}
