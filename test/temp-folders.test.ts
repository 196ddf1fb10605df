/**
 * What squall's commands leave in the temporary folder: nothing. Each command runs with a temporary folder of its
 * own (TMPDIR, which os.tmpdir() reads), so the count is exact while other test files run alongside.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { temporaryFolder } from '../src/process/cleanup.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { FakeNimbus } from './helpers/nimbus-server.js';
import { startUiServer, wordcountFixture, type UiServer } from './helpers/ui-server.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const WORDCOUNT = join(ROOT, 'examples', 'wordcount');

describe('temporary folders', () => {
  const scratch = temporaryFolder('squall-test-tmp-');
  let nimbus: FakeNimbus;
  let ui: UiServer;
  let runs = 0;
  before(async () => {
    nimbus = await FakeNimbus.start();
    ui = await startUiServer({ topologies: [wordcountFixture('wordcount-7-1700000000')] });
  });
  after(async () => {
    await nimbus.close();
    await ui.close();
    scratch.remove();
  });

  /** Run squall in `cwd` with a temporary folder of its own; return what it left there, and its output. */
  async function leftBehind(cwd: string, ...args: string[]): Promise<{ left: string[]; output: string; exitCode: number | undefined }> {
    const tmp = join(scratch.path, `run-${++runs}`);
    mkdirSync(tmp);
    const result = await execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], {
      cwd,
      reject: false,
      env: { TMPDIR: tmp, HOME: scratch.path, SQUALL_NIMBUS: '' },
      all: true,
      timeout: 120_000,
    });
    return { left: readdirSync(tmp), output: result.all ?? '', exitCode: result.exitCode };
  }

  it('jar (type-checked), run and visualize leave nothing', async () => {
    const jar = await leftBehind(ROOT, 'jar', 'examples/wordcount', '-o', join(scratch.path, 'wordcount.jar'));
    assert.equal(jar.exitCode, 0, jar.output);
    assert.deepEqual(jar.left, [], jar.output);
    const run = await leftBehind(ROOT, 'run', 'examples/wordcount', '--time', '1', '--no-typecheck');
    assert.equal(run.exitCode, 0, run.output);
    assert.deepEqual(run.left, [], run.output);
    const visualize = await leftBehind(ROOT, 'visualize', 'examples/wordcount');
    assert.equal(visualize.exitCode, 0, visualize.output);
    assert.deepEqual(visualize.left, []);
  });

  it('submit leaves neither its bundle nor its JAR', async () => {
    const submit = await leftBehind(ROOT, 'submit', 'examples/wordcount', '--nimbus', nimbus.address, '--no-typecheck');
    assert.equal(submit.exitCode, 0, submit.output);
    assert.match(submit.output, /submitted wordcount/);
    assert.deepEqual(submit.left, []);
  });

  it('stats, tail and doctor without a topology name (they bundle the project to read it) leave nothing', async () => {
    // stats and tail read the name, then fail to reach a cluster (nothing listens on port 9): the bundle must go anyway.
    for (const command of ['stats', 'tail']) {
      const result = await leftBehind(WORDCOUNT, command, '--nimbus', '127.0.0.1:9', '--timeout', '2');
      assert.equal(result.exitCode, 1, result.output);
      assert.deepEqual(result.left, [], `${command}: ${result.output}`);
    }
    const doctor = await leftBehind(WORDCOUNT, 'doctor', '--ui', ui.url);
    assert.deepEqual(doctor.left, [], doctor.output);
    assert.ok(ui.requests.length > 0, 'doctor read the UI');
  });
});
