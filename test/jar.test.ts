import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { buildJar, workerCommand } from '../src/packaging/jar.js';
import { loadTopology } from '../src/packaging/load.js';
import { temporaryFolder } from '../src/process/cleanup.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import type { Topology } from '../src/topology/builder.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { extractResources, readJar } from './helpers/unjar.js';

const TOPOLOGIES = join(SOURCE_FIXTURES, '..', 'topologies');
const EXAMPLES = join(SOURCE_FIXTURES, '..', '..', 'examples');
/** A temporary folder of this test process, removed when it exits. */
const temp = (prefix: string) => temporaryFolder(prefix).path;

/** Run the topology found in an extracted resources/ folder, started exactly as a worker starts it. */
async function runExtracted(resources: string, bundleNode: boolean, ms: number) {
  const { topology } = (await import(pathToFileURL(join(resources, 'squall-topology.mjs')).href)) as { topology: Topology };
  const cluster = new LocalCluster(topology.toSpec(), { squall: workerCommand({ bundleNode }), resourcesDir: resources });
  await cluster.start();
  await new Promise((r) => setTimeout(r, ms));
  return cluster.stop(5000);
}

describe('squall jar', () => {
  it('packs the bundle, its source map, shell scripts and resources, reproducibly', async () => {
    // Two loads, two bundles: the same sources must give the same bytes.
    const first = await buildJar(await loadTopology(join(TOPOLOGIES, 'polyglot.ts')), join(temp('squall-jar-'), 'a.jar'));
    const second = await buildJar(await loadTopology(join(TOPOLOGIES, 'polyglot.ts')), join(temp('squall-jar-'), 'b.jar'));
    assert.deepEqual(first.entries, [
      'META-INF/MANIFEST.MF',
      'resources/multilang.py',
      'resources/splitter.py',
      'resources/squall-bundle.mjs',
      'resources/squall-bundle.mjs.map',
      'resources/squall-topology.mjs',
    ]);
    assert.ok(readFileSync(first.file).equals(readFileSync(second.file)), 'byte-identical JARs from the same sources');
    const entries = await readJar(first.file);
    assert.match(entries.get('META-INF/MANIFEST.MF')!.toString(), /^Manifest-Version: 1\.0\r\n/);
    // Packed as loaded: jar and submit bundle once, and the JAR holds the very bundle `run` would start.
    const loaded = await loadTopology(join(TOPOLOGIES, 'polyglot.ts'));
    const packed = await readJar((await buildJar(loaded, join(temp('squall-jar-'), 'c.jar'))).file);
    assert.ok(packed.get('resources/squall-bundle.mjs')!.equals(Buffer.from(loaded.contents.code)));
    assert.equal(readFileSync(join(loaded.bundle, '..', 'squall-bundle.mjs')).length, loaded.contents.code.byteLength);
    for (const name of ['resources/squall-topology.mjs', 'resources/squall-bundle.mjs', 'resources/squall-bundle.mjs.map']) {
      assert.doesNotMatch(entries.get(name)!.toString(), /\/tmp\//, `no temp paths inside ${name}`);
    }
  });

  it('runs from an extracted resources/ folder with no permissions, as a worker starts it', async () => {
    const loaded = await loadTopology(join(TOPOLOGIES, 'polyglot.ts'));
    const jar = await buildJar(loaded, join(temp('squall-jar-'), 'polyglot.jar'));
    const resources = temp('squall-resources-');
    await extractResources(jar.file, resources);
    assert.equal(statSync(join(resources, 'squall-topology.mjs')).mode & 0o111, 0, 'nothing executable');
    const stats = await runExtracted(resources, false, 1500);
    const sentences = stats.find((s) => s.component === 'sentences')!;
    assert.equal(sentences.acked, 20, 'all 20 sentences went through the TypeScript and Python bolts');
    assert.equal(stats.find((s) => s.component === 'upper')!.executed, 80);
  });

  it('with --bundle-node, runs through sh and the bundled node, after extraction without permissions', async () => {
    const loaded = await loadTopology(join(EXAMPLES, 'wordcount'));
    const jar = await buildJar(loaded, join(temp('squall-jar-'), 'wordcount.jar'), { bundleNode: true });
    assert.ok(jar.entries.includes('resources/node/bin/node') && jar.entries.includes('resources/squall-node.sh'));
    const resources = temp('squall-resources-');
    await extractResources(jar.file, resources);
    assert.equal(statSync(join(resources, 'node/bin/node')).mode & 0o111, 0, 'the bundled node starts without its execute bit');
    const stats = await runExtracted(resources, true, 1500);
    const sentences = stats.find((s) => s.component === 'sentences')!;
    assert.ok(sentences.acked > 0 && sentences.acked === sentences.emitted, `acked ${sentences.acked} of ${sentences.emitted}`);
  });

  it('never packs secrets: skips them inside resource folders, refuses them by name', async () => {
    const loaded = await loadTopology(join(TOPOLOGIES, 'secrets', 'topology.ts'));
    const jar = await buildJar(loaded, join(temp('squall-jar-'), 'secrets.jar'));
    assert.ok(jar.entries.includes('resources/data/words.txt'));
    assert.ok(!jar.entries.some((e) => /\.env|id_rsa|config\.json/.test(e)), jar.entries.join(', '));
    assert.deepEqual(jar.skipped.sort(), ['data/.env', 'data/id_rsa']);
    process.env.SQUALL_TEST_PACK_CONFIG = '1';
    try {
      const withConfig = await loadTopology(join(TOPOLOGIES, 'secrets', 'topology.ts'));
      await assert.rejects(buildJar(withConfig, join(temp('squall-jar-'), 'x.jar')), /refusing to pack "config.json"/);
    } finally {
      delete process.env.SQUALL_TEST_PACK_CONFIG;
    }
  });
});
