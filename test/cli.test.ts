import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { temporaryFolder } from '../src/process/cleanup.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const squall = (...args: string[]) => execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], { cwd: ROOT, reject: false });

describe('squall CLI', () => {
  it('runs wordcount for a set time and prints the summary', async () => {
    const result = await squall('run', 'examples/wordcount', '--time', '2');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /running "wordcount": 5 tasks for 2s/);
    const spout = result.stdout.split('\n').find((line) => line.startsWith('sentences'));
    const [, , , emitted, acked, failed] = spout!.trim().split(/\s+/);
    assert.ok(Number(emitted) > 0 && emitted === acked && failed === '0', spout);
  });

  it('refuses an invalid topology before starting anything, listing every problem', async () => {
    const result = await squall('run', 'test/topologies/invalid.ts', '--time', '1');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /topology "bad:name" is invalid/);
    assert.match(result.stderr, /contains one of \/ \. : \\/);
    assert.match(result.stderr, /no spout/);
    assert.match(result.stderr, /bolt "count" subscribes to "split", which is not a component/);
    assert.doesNotMatch(result.stderr, /at .*\.js/, 'no stack trace');
  });

  it('explains that Java components run only on a cluster', async () => {
    const result = await squall('run', 'test/topologies/java-only.ts', '--time', '1');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /spout "kafka" is a Java component .* runs only on a Storm cluster/);
  });

  it('names the topology file and the user\'s own line when the module throws while loading', async () => {
    const result = await squall('run', 'test/topologies/throws.ts', '--time', '1');
    assert.equal(result.exitCode, 1);
    const lines = result.stderr.trim().split('\n');
    assert.ok(lines.includes('squall: loading test/topologies/throws.ts threw: Error: settings.json is missing'), result.stderr);
    assert.match(result.stderr, /^ {4}at readSettings \(.*test\/topologies\/throws\.ts:9:9\)$/m);
    assert.doesNotMatch(result.stderr, /squall-topology\.mjs/, 'frames point at the source, not the bundle');
  });

  it('says a file that is not a module is not a topology module', async () => {
    const dir = temporaryFolder('squall-notes-').path;
    writeFileSync(join(dir, 'notes.log'), 'not code\n');
    const result = await execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), 'run', 'notes.log'], { cwd: dir, reject: false });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /squall: notes\.log is not a topology module: give a TypeScript or JavaScript file \(\.ts, .*\) that exports a Topology/);
    assert.doesNotMatch(result.stderr, /loader/);
  });

  it('with topology.workers 2, shows the simulated workers and fails a raw nested value crossing them as Storm does', async () => {
    const result = await squall('run', 'test/topologies/raw-nested.ts', '--time', '2');
    assert.equal(result.exitCode, 1, 'a task died');
    // __acker 1,2 | raw 3 | sink 4,5 on a cluster: executors dealt to workers 1,2,1,2,1.
    assert.match(result.stderr, /2 simulated workers.*\n.*worker 1: raw:1 sink:3\n.*worker 2: sink:2\n/);
    assert.match(result.stderr, /DIED.*Class is not registered: org\.apache\.storm\.shade\.net\.minidev\.json\.JSONObject/);
  });

  it('teaches with --help', async () => {
    const result = await squall('run', '--help');
    assert.match(result.stdout, /embedded Storm runtime/);
    assert.match(result.stdout, /-o, --option <key=value>/);
    assert.match(result.stdout, /squall run examples\/wordcount --time 10/);
  });

  it('names the command that needs the project for its groupings (squall ui said "squall doctor")', async () => {
    const result = await squall('ui', '--topology', 'test/no-such-project', '--ui', 'http://127.0.0.1:1');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /squall ui needs the topology's project for its groupings: run it in the project folder or pass --topology PATH/);
  });

  it('refuses an empty port, which read as port 0 (any free port)', async () => {
    for (const args of [['run', 'examples/wordcount', '--ui', ''], ['ui', '--port', '']]) {
      const result = await squall(...args);
      assert.equal(result.exitCode, 1, args.join(' '));
      assert.match(result.stderr, /(--ui|--port) takes a port number \(0 for any free port\), got ""/, args.join(' '));
    }
  });
});
