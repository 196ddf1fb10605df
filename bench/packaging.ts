/**
 * Packaging costs (`npm run bench`, or alone: `node dist/bench/packaging.js`):
 * - bundle: the quickstart's worker bundle, its size and what went in, and how long one of its component processes
 *   takes from spawn to its `{"pid"}` reply (the launcher, source maps on, the bundle loaded, the handshake read).
 * - typecheck: what `squall run`/`jar`/`submit` spend type-checking the quickstart project with its own tsc
 *   (it runs while esbuild bundles, so on two free cores it mostly overlaps the bundling).
 * Best (lowest) of ROUNDS, as the other lines; the machine's other work shows in these figures.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadTopology } from '../src/packaging/load.js';
import { typecheckProject } from '../src/packaging/typecheck.js';
import { temporaryFolder } from '../src/process/cleanup.js';
import { linkedQuickstart } from '../test/helpers/linked-project.js';

const ROUNDS = Number(process.env.SQUALL_BENCH_ROUNDS ?? 3);
const STARTS = 10;

/** Spawn to `{"pid"}`: what a worker waits for before the component can take tuples. */
async function startMs(launcher: string, cwd: string, pidDir: string): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [launcher], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const handshake = { conf: {}, pidDir, context: { componentid: 'split', taskid: 2, 'task->component': { 1: 'sentences', 2: 'split' } } };
  child.stdin.write(`${JSON.stringify(handshake)}\nend\n`);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('"pid"') && resolve());
    child.on('exit', (code) => reject(new Error(`the split component exited (${code}) before its pid reply`)));
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  child.stdin.end();
  await new Promise((resolve) => child.on('exit', resolve));
  return ms;
}

export async function benchPackaging(): Promise<void> {
  const scratch = temporaryFolder('squall-bench-');
  try {
    const project = linkedQuickstart(realpathSync(scratch.path), 'wordcount');
    const topology = join(project, 'topologies', 'wordcount.ts');
    const loaded = await loadTopology(topology);
    const inputs = Object.keys(loaded.contents.inputs);
    const tooling = inputs.filter((path) => /node_modules\/(esbuild|archiver|tar-stream|minimatch|readable-stream|execa)\//.test(path));
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) starts.push(await startMs(loaded.bundle, project, scratch.path));
    loaded.release();
    starts.sort((a, b) => a - b);
    console.log(
      `bundle  quickstart squall-bundle.mjs ${(loaded.bundleBytes / 1024).toFixed(0)} KiB from ${inputs.length} modules (${tooling.length} of build tooling); ` +
        `component start (spawn to pid reply) median ${starts[STARTS >> 1]!.toFixed(0)} ms, best ${starts[0]!.toFixed(0)} ms of ${STARTS}`,
    );
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      const outcome = await typecheckProject(topology);
      if ('ms' in outcome) best = Math.min(best, outcome.ms);
    }
    console.log(`typecheck quickstart project (tsc --noEmit with its tsconfig.json, ${inputs.filter((p) => !p.includes('node_modules') && p.endsWith('.ts')).length} .ts files): ${best.toFixed(0)} ms, best of ${ROUNDS}`);
  } finally {
    scratch.remove();
  }
}

if (import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href) await benchPackaging();
