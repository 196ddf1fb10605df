/**
 * Multi-lang direct emits kill the worker on Storm 2.6.0 and later: submit asks Nimbus its version and refuses
 * such a topology there, run warns, and every example runs on a current Storm.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { Bolt, Spout } from '../src/index.js';
import { java, shell, Topology } from '../src/topology/builder.js';
import { directEmitsBreakOn, multilangDirectStreams } from '../src/topology/direct-emits.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { FakeNimbus } from './helpers/nimbus-server.js';
import { temporaryFolder } from '../src/process/cleanup.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const STREAMS = join(ROOT, 'test', 'topologies', 'streams.ts');

function squall(...args: string[]) {
  return execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], {
    cwd: temporaryFolder('squall-cwd-').path,
    env: { SQUALL_NIMBUS: '' },
    extendEnv: true,
    reject: false,
    timeout: 120_000,
  });
}

const servers: FakeNimbus[] = [];
async function nimbus(version: string): Promise<FakeNimbus> {
  const server = await FakeNimbus.start({ version });
  servers.push(server);
  return server;
}
after(async () => {
  for (const server of servers) await server.close();
});

class S extends Spout {
  override nextTuple(): void {}
}
class B extends Bolt {
  override process(): void {}
}

describe('direct emits and the Storm version', () => {
  it('knows which versions break them', () => {
    for (const v of ['2.6.0', '2.8.8', '2.10.1', '3.0.0-SNAPSHOT']) assert.equal(directEmitsBreakOn(v), true, v);
    for (const v of ['1.2.4', '2.5.0', '2.4.0-SNAPSHOT']) assert.equal(directEmitsBreakOn(v), false, v);
    for (const v of ['', 'unknown']) assert.equal(directEmitsBreakOn(v), undefined, JSON.stringify(v));
  });

  it('counts squall and shell components, not Java ones (their emits skip the JSON serializer)', () => {
    const t = new Topology('mixed');
    const javaSpout = t.spout('java', java('org.example.Spout'), { outputs: { jd: { fields: ['x'], direct: true } } });
    const squallSpout = t.spout('ts', S, { outputs: { td: { fields: ['x'], direct: true }, plain: ['x'] } });
    const py = t.bolt('py', shell('python3', 'splitter.py'), { outputs: { pd: { fields: ['x'], direct: true } } }).shuffle(squallSpout, 'plain');
    t.bolt('sink', B).direct(javaSpout, 'jd').direct(squallSpout, 'td').direct(py, 'pd');
    assert.deepEqual(multilangDirectStreams(t.toSpec()), [
      { component: 'ts', stream: 'td' },
      { component: 'py', stream: 'pd' },
    ]);
  });

  it('submit refuses them on Storm 2.8.8, naming the version, the reason and the alternative, before uploading', async () => {
    const server = await nimbus('2.8.8');
    const result = await squall('submit', STREAMS, '--nimbus', server.address);
    assert.equal(result.exitCode, 1);
    const line = result.stderr.split('\n').find((l) => l.startsWith('squall: refusing'));
    assert.ok(line, result.stderr);
    assert.match(line, /^squall: refusing to submit streams to Storm 2\.8\.8: "dispatcher" \(stream "direct"\) emits on a direct stream/);
    assert.match(line, /Storm 2\.8\.8 kills the worker on a direct emit from a squall or shell component/);
    assert.match(line, /casts the emit's "task" to Long, but its JSON parser gives an Integer: ClassCastException/);
    assert.match(line, /subscribe with a fields grouping on it/);
    assert.equal(server.uploads.size, 0, 'nothing uploaded');
    assert.deepEqual(server.submitted, []);
    assert.ok(server.calls.some((c) => c.method === 'getClusterInfo'), 'the version came from getClusterInfo');
  });

  it('submit accepts them on Storm 2.5.0, where they work', async () => {
    const server = await nimbus('2.5.0');
    const result = await squall('submit', STREAMS, '--nimbus', server.address);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(server.submitted.length, 1);
  });

  it('submit warns and goes on when Nimbus reports a version it cannot read', async () => {
    const server = await nimbus('');
    const result = await squall('submit', STREAMS, '--nimbus', server.address);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /squall: warning: Nimbus reports a Storm version squall cannot read \(""\); if it is 2\.6\.0 or later: "dispatcher"/);
    assert.equal(server.submitted.length, 1);
  });

  it('run warns at start, and still runs them', async () => {
    const result = await squall('run', STREAMS, '--time', '1', '-o', 'topology.message.timeout.secs=1');
    assert.equal(result.exitCode, 0, result.stderr);
    const warning = result.stderr.split('\n').find((l) => l.startsWith('squall: warning:'));
    assert.ok(warning, result.stderr);
    assert.match(warning, /runs here, but not on a cluster: "dispatcher" \(stream "direct"\) emits on a direct stream, and Storm 2\.6\.0 and later kill the worker/);
    assert.ok(result.stderr.indexOf(warning) < result.stderr.indexOf('running "streams"'), 'warned at start');
  });

  it('every example is accepted by a Storm 2.8.8 Nimbus', async () => {
    const server = await nimbus('2.8.8');
    for (const example of ['wordcount', 'reliable', 'batching', 'streams', 'polyglot', 'ndjson', 'redis']) {
      const result = await squall('submit', join(ROOT, 'examples', example), '--nimbus', server.address);
      assert.equal(result.exitCode, 0, `${example}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /direct/, example);
    }
    assert.equal(server.submitted.length, 7);
  });
});
