import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { SOURCE_FIXTURES } from './helpers/driver.js';

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
});
