import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { buildJar, workerCommand } from '../src/packaging/jar.js';
import { loadTopology, withTopology } from '../src/packaging/load.js';
import { temporaryFolder } from '../src/process/cleanup.js';
import { isTopologyExportError, TopologyExportError } from '../src/worker/topology-export-error.js';
import { LocalCluster, type RuntimeEvent } from '../src/runtime/local-cluster.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { extractResources } from './helpers/unjar.js';
import { linkedQuickstart } from './helpers/linked-project.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const TOPOLOGIES = join(ROOT, 'test', 'topologies');
const squall = (args: string[], input?: string) =>
  execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], { cwd: ROOT, reject: false, ...(input !== undefined ? { input } : {}) });

/** The summary row of a component: [component, kind, tasks, emitted, acked, failed, executed, …]. */
function summaryRow(stdout: string, component: string): string[] | undefined {
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((cells) => cells[0] === component);
}

describe('stack traces in component processes', () => {
  it('under squall run, the error and DIED lines name the bolt\'s .ts file and line, not the bundle', async () => {
    const result = await squall(['run', 'test/topologies/bolt-throws.ts', '--time', '2', '--no-typecheck']);
    const output = `${result.stdout}\n${result.stderr}`;
    const where = /test\/topologies\/bolt-throws\.ts:16:11\)/;
    const error = output.split('\n').find((line) => line.includes('ERROR Shell Process Exception:'));
    assert.ok(error, output);
    assert.match(error, /Error: cannot take boom at Thrower\.process \(.*/);
    assert.match(error, where);
    const died = output.split('\n').find((line) => line.includes('[thrower:2] DIED'));
    assert.ok(died, output);
    assert.match(died, where);
    assert.match(output, /^ {4}at Thrower\.process \(.*test\/topologies\/bolt-throws\.ts:16:11\)$/m, 'the logged stack too');
    assert.doesNotMatch(output, /squall-(topology|bundle)\.mjs/, 'no frame points into the bundle');
  });

  it('on a worker, from the JAR as extracted, the error names the .ts file the JAR\'s map gives', async () => {
    const out = temporaryFolder('squall-test-jar-');
    try {
      await withTopology(join(TOPOLOGIES, 'bolt-throws.ts'), {}, (loaded) => buildJar(loaded, join(out.path, 'bolt-throws.jar')));
      const resources = join(out.path, 'resources');
      await extractResources(join(out.path, 'bolt-throws.jar'), resources);
      const { topology } = (await import(join(resources, 'squall-topology.mjs'))) as { topology: { toSpec(): never } };
      const events: RuntimeEvent[] = [];
      const cluster = new LocalCluster(topology.toSpec(), { squall: workerCommand({}), resourcesDir: resources, onEvent: (e) => events.push(e) });
      await cluster.start();
      const deadline = Date.now() + 20_000;
      while (!events.some((e) => e.kind === 'death') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await cluster.stop(1000);
      const error = events.find((e) => e.kind === 'error');
      const death = events.find((e) => e.kind === 'death');
      assert.ok(error && death, JSON.stringify(events));
      // The JAR's map names sources relative to resources/, where the worker extracted it.
      const where = `${resources}/bolt-throws.ts:16:11)`;
      assert.ok(error.message.endsWith(where), error.message);
      assert.ok(death.message.endsWith(where), death.message);
    } finally {
      out.remove();
    }
  });
});

describe('the worker bundle', () => {
  it('holds the SDK and the user\'s code only: no test harness, packager or build tooling', async () => {
    // A project as `squall quickstart` writes it.
    const scratch = temporaryFolder('squall-test-quickstart-');
    const project = linkedQuickstart(scratch.path, 'wordcount');
    const inputs = await withTopology(join(project, 'topologies', 'wordcount.ts'), {}, (loaded) => Object.keys(loaded.contents.inputs)).finally(() => scratch.remove());
    assert.ok(inputs.some((path) => path.endsWith('src/bolts/split.ts')), inputs.join('\n'));
    assert.ok(inputs.some((path) => path.endsWith('dist/src/component/bolt.js')), inputs.join('\n'));
    const tooling = inputs.filter((path) => /node_modules\/(esbuild|archiver|tar-stream|minimatch|readable-stream|execa|commander)\/|dist\/src\/(testing|packaging|cli|nimbus|ssh|doctor)\//.test(path));
    assert.deepEqual(tooling, []);
  });

  it('the harness is its own entry point, squall/testing; the package root no longer carries it', async () => {
    const root = (await import('squall')) as Record<string, unknown>;
    const testing = (await import('squall/testing')) as Record<string, unknown>;
    for (const name of ['runTopology', 'testBolt', 'driveBolt', 'driveSpout']) {
      assert.equal(typeof testing[name], 'function', name);
      assert.equal(root[name], undefined, `${name} is not exported by the package root`);
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    assert.ok('./testing' in pkg.exports);
  });

  it('stops the esbuild service once bundled: no esbuild process is left running under this one', async () => {
    await withTopology(join(ROOT, 'examples', 'wordcount'), {}, () => undefined);
    // esbuild's stop() signals its process and returns at once: the process is gone when it has been reaped, which
    // takes a turn or two of this event loop (bounded here; a service left running never goes).
    const esbuildChildren = () => readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          return { comm, ppid };
        } catch {
          return undefined;
        }
      })
      .filter((p) => p?.ppid === process.pid && p.comm === 'esbuild');
    for (let i = 0; i < 50 && esbuildChildren().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(esbuildChildren(), []);
  });
});

describe('runComponent in a module a topology imports', () => {
  it('does nothing there: squall run runs the topology and prints its summary', async () => {
    for (const input of [undefined, 'these bytes are not the handshake\n']) {
      const result = await squall(['run', 'test/topologies/self-serving.ts', '--time', '2', '--no-typecheck'], input);
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stdout, /^summary after/m, result.stdout);
      const split = summaryRow(result.stdout, 'split');
      assert.ok(split && Number(split[7]) === 10, `split executed every sentence: ${split?.join(' ')}`);
    }
  });

  it('does nothing where a topology is loaded for its spec (the harness, jar, visualize)', async () => {
    const loaded = await loadTopology(join(TOPOLOGIES, 'self-serving.ts'));
    loaded.release();
    assert.deepEqual(
      loaded.spec.components.map((c) => c.id),
      ['sentences', 'split', 'sink'],
    );
    assert.equal(process.stdin.listenerCount('data'), 0, 'this process\'s stdin was left alone');
  });
});

describe('a module that exports no Topology', () => {
  it('is refused with the bundle\'s own error, recognised by its brand across the bundle boundary', async () => {
    const project = temporaryFolder('squall-noexport-');
    try {
      const file = join(project.path, 'topology.ts');
      writeFileSync(file, 'export const notATopology = 1;\n');
      const err: unknown = await loadTopology(file).then(
        () => assert.fail('loaded a module with no Topology'),
        (e: unknown) => e,
      );
      // Thrown by the bundle's copy of squall: not this process's class, yet recognised, and passed on as it is
      // (without the brand, load.ts would wrap it as "loading topology.ts threw: …").
      assert.ok(!(err instanceof TopologyExportError), 'the bundle carries its own class');
      assert.ok(isTopologyExportError(err), String(err));
      assert.match((err as Error).message, /^\S*topology\.ts does not export a Topology: add `export default new Topology\('name'\)`/);
    } finally {
      project.remove();
    }
  });

  it('is told by the brand, not the name: another error named TopologyExportError is not one', () => {
    assert.equal(isTopologyExportError(Object.assign(new Error('x'), { name: 'TopologyExportError' })), false);
    assert.equal(isTopologyExportError(new TopologyExportError('x')), true);
    assert.equal(isTopologyExportError(undefined), false);
  });
});
