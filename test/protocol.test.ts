import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { driveBolt } from '../src/testing/component-driver.js';
import { FIXTURES, makeContext, pidDir, SOURCE_FIXTURES } from './helpers/driver.js';

const handshake = (componentId: string, dir: string) =>
  JSON.stringify({ conf: {}, pidDir: dir, context: makeContext({ componentId }) }) + '\nend\n';

/** Start the fixture process with raw pipes: we write exact bytes and read exact bytes. */
function raw(componentId: string) {
  const dir = pidDir();
  const child = execa(process.execPath, [join(FIXTURES, 'components.js')], {
    cwd: FIXTURES,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
  });
  child.stdin.write(handshake(componentId, dir));
  return { child, dir };
}

describe('protocol edges, over raw pipes', () => {
  it('exits 0 on EOF, after its pid reply and pid file', async () => {
    const { child, dir } = raw('scripted');
    child.stdin.end();
    const result = await child;
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `{"pid":${child.pid}}\nend`);
    assert.ok(existsSync(join(dir, String(child.pid))));
    assert.equal(result.stderr, '', 'stderr stays quiet');
  });

  it("says on stderr why it exits when the handshake's pidDir does not exist", async () => {
    const missing = join(pidDir(), 'no-such-dir');
    const child = execa(process.execPath, [join(FIXTURES, 'components.js')], { cwd: FIXTURES, reject: false, input: handshake('scripted', missing) });
    const result = await child;
    assert.equal(result.exitCode, 3);
    assert.equal(result.stdout, '', 'no pid reply: Storm would wait for it in vain otherwise');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^squall: cannot create the pid file in the handshake's pidDir ".*no-such-dir": .*ENOENT/);
  });

  it('handles frames split in the middle of "\\nend\\n" and of a multi-byte character', async () => {
    const { child } = raw('scripted');
    const frame = Buffer.from(JSON.stringify({ id: '-42', comp: 'source', stream: 'default', task: 7, tuple: ['emit', 'é☕'] }) + '\nend\n');
    // Cut inside the 3-byte ☕ and inside "\nend\n", with pauses so they arrive as separate reads.
    const coffee = frame.indexOf(Buffer.from('☕'));
    const cuts = [coffee + 1, coffee + 2, frame.length - 3, frame.length];
    let start = 0;
    for (const cut of cuts) {
      child.stdin.write(frame.subarray(start, cut));
      start = cut;
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, 200));
    child.stdin.end();
    const result = await child;
    assert.equal(result.exitCode, 0);
    // execa strips the final newline of stdout.
    const frames = (result.stdout + '\n').split('\nend\n').filter(Boolean).map((f) => JSON.parse(f));
    assert.deepEqual(frames.slice(1), [
      { command: 'emit', tuple: ['é☕'], anchors: ['-42'], need_task_ids: false },
      { command: 'ack', id: '-42' },
    ]);
  });

  it('keeps integers beyond 2^53 exact, both ways', async () => {
    const { child } = raw('scripted');
    child.stdin.write('{"id":"-7","comp":"source","stream":"default","task":7,"tuple":["emit",1234567890123456789,-9223372036854775808,0.12345678901234567]}\nend\n');
    await new Promise((r) => setTimeout(r, 300));
    child.stdin.end();
    const result = await child;
    assert.match(result.stdout, /\{"command":"emit","tuple":\[1234567890123456789,-9223372036854775808,0\.12345678901234566?7?\]/);
  });

  it('runs no more user code after an exception that ends the process', async () => {
    const { child } = raw('scripted');
    const tuple = (id: string, values: unknown[]) => JSON.stringify({ id, comp: 'source', stream: 'default', task: 7, tuple: values }) + '\nend\n';
    // In one write, so both are queued before the first is processed.
    child.stdin.write(tuple('1', ['throw', 'first']) + tuple('2', ['emit', 'must not happen']));
    const result = await child;
    assert.equal(result.exitCode, 1);
    assert.doesNotMatch(result.stdout, /must not happen/);
    assert.match(result.stdout, /\{"command":"fail","id":"1"\}/);
  });

  it('on a malformed frame: one clear line on stderr and exit code 3', async () => {
    const { child } = raw('scripted');
    child.stdin.write('{"id": "1", "tuple": [\nend\n');
    const result = await child;
    assert.equal(result.exitCode, 3);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^squall: malformed multi-lang frame \(not JSON/);
  });

  it('on an unknown spout command: a clear protocol error and exit code 3', async () => {
    const { child } = raw('counting');
    child.stdin.write(JSON.stringify({ command: 'explode', id: '' }) + '\nend\n');
    const result = await child;
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /unknown spout command "explode"; Storm sends next, ack, fail, activate or deactivate/);
  });

  it('on a truncated message at EOF: a protocol error, not a silent exit', async () => {
    const { child } = raw('scripted');
    child.stdin.end('{"id": "1"');
    const result = await child;
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, /stdin closed in the middle of a message/);
  });
});

/** The Storm side driving a component written in Python against the protocol alone. */
async function pythonBolt(env: Record<string, string> = {}, timeoutMs = 30_000, heartbeatMs?: number) {
  const launch = { executionCommand: 'python3', script: 'raw_bolt.py', cwd: SOURCE_FIXTURES, env };
  const bolt = await driveBolt(launch, { context: { componentId: 'raw' }, timeoutMs, heartbeatMs, taskIds: [3] });
  return { proc: bolt.proc, recorder: bolt.recorder, send: (op: string) => bolt.send([op]) };
}

describe('what kills a real worker kills the component here (Python bolt)', () => {
  it('accepts a well-behaved foreign bolt: anchors as one string, task ids sent back', async () => {
    const b = await pythonBolt();
    b.send('ok');
    await b.recorder.until(() => b.recorder.acks.length === 1, 'ack');
    assert.deepEqual(b.recorder.emits[0]!.anchors, [0]);
    assert.equal(b.recorder.death, undefined);
    b.proc.kill();
  });

  const fatal: Array<[string, RegExp, Record<string, string>?]> = [
    ['ack-unknown', /Acked a non-existent or already acked\/failed id: "12345"/],
    ['ack-number', /Acked a non-existent or already acked\/failed id: -?\d+/],
    ['no-command', /Command not found in bolt message/],
    ['anchor-acked', /Anchored onto "-?\d+" after ack\/fail/],
    ['bad-need-task-ids', /need_task_ids" must be a JSON boolean/],
    ['metrics', /Could not find metric by name\[m\]/],
    ['garbage', /malformed multi-lang frame/],
  ];
  for (const [op, reason] of fatal) {
    it(`dies on ${op}`, async () => {
      const b = await pythonBolt();
      b.send(op);
      await b.recorder.until(() => b.recorder.death !== undefined, 'death');
      assert.match(b.recorder.death!.message, reason);
    });
  }

  it('dies when a heartbeat is acked', async () => {
    const b = await pythonBolt({ RAW_ACK_HEARTBEAT: '1' }, 30_000, 50);
    await b.recorder.until(() => b.recorder.death !== undefined, 'death');
    assert.match(b.recorder.death!.message, /Acked a non-existent/);
  });

  it('dies of a heartbeat timeout when the bolt stays silent', async () => {
    const b = await pythonBolt({ RAW_SILENT: '1' }, 300, 50);
    await b.recorder.until(() => b.recorder.death !== undefined, 'death');
    assert.match(b.recorder.death!.message, /subprocess heartbeat timeout/);
  });
});
