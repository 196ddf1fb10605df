import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startSpout } from './helpers/driver.js';

type Started = Awaited<ReturnType<typeof startSpout>>;
const started: Started[] = [];
after(() => {
  for (const s of started) s.proc.kill();
});

async function spout(componentId: string, conf: Record<string, unknown> = {}, taskIds?: number[], script = 'components.js'): Promise<Started> {
  const s = await startSpout(script, {
    context: { componentId, outputFields: { default: ['sentence'], side: ['x'] } },
    conf,
    ...(taskIds ? { taskIds } : {}),
  });
  started.push(s);
  return s;
}

describe('Spout over real pipes', () => {
  it('answers every command with sync, emitting reliably in between', async () => {
    const s = await spout('counting', { 'test.count': 2 });
    assert.equal(await s.executor.command('activate'), 0);
    assert.equal(await s.executor.command('next'), 1);
    assert.equal(await s.executor.command('next'), 1);
    assert.equal(await s.executor.command('next'), 0, 'an exhausted spout still syncs');
    await s.executor.command('ack', 0);
    await s.executor.command('fail', 1);
    await s.executor.command('deactivate');
    assert.deepEqual(
      s.recorder.emits.map((e) => [e.values, e.messageId]),
      [
        [['sentence 0'], 0],
        [['sentence 1'], 1],
      ],
    );
    assert.deepEqual(
      s.recorder.logs.map((l) => l.msg),
      ['activated', 'ack 0', 'fail 1', 'deactivated'],
    );
    assert.equal(s.recorder.death, undefined);
  });

  it('backs off when idle instead of spinning', async () => {
    const s = await spout('counting', { 'test.count': 0 });
    await s.executor.command('activate');
    const started = Date.now();
    for (let i = 0; i < 8; i++) await s.executor.command('next');
    // 1+2+4+8+16+32+32+32 ms of pauses: an idle spout answers ~8 commands in well over 100 ms.
    assert.ok(Date.now() - started >= 100, `8 idle nexts took ${Date.now() - started} ms`);
  });

  it('supports async nextTuple, unreliable, streamed, task-id and direct emits', async () => {
    const s = await spout('async', {}, [5, 6]);
    await s.executor.command('activate');
    for (let i = 0; i < 4; i++) await s.executor.command('next');
    assert.deepEqual(
      s.recorder.emits.map((e) => [e.stream, e.values, e.messageId, e.directTask]),
      [
        ['default', ['unreliable'], undefined, undefined],
        ['side', ['on-stream'], 'side-1', undefined],
        ['default', ['ask'], 'ask-1', undefined],
        ['default', ['[5,6]'], 'ids-1', undefined],
        ['default', ['direct'], 'd-1', 9],
      ],
    );
  });

  it('ReliableSpout replays a failed message up to maxRetries, then gives up', async () => {
    const s = await spout('replayer');
    await s.executor.command('activate');
    await s.executor.command('next');
    const [m0, m1] = s.recorder.emits.map((e) => e.messageId);
    assert.equal(m0, 'm0');
    await s.executor.command('ack', m1!);
    await s.executor.command('fail', 'm0');
    await s.executor.command('fail', 'm0');
    await s.executor.command('fail', 'm0');
    assert.deepEqual(s.recorder.emits.map((e) => e.messageId), ['m0', m1, 'm0', 'm0']);
    assert.deepEqual(s.recorder.logs.map((l) => l.msg), [
      `acked ${m1} ["m1"]`,
      'failed m0 ["m0"]',
      'failed m0 ["m0"]',
      'failed m0 ["m0"]',
      'gave up m0 ["m0"] after 2',
    ]);
  });

  it('on an exception in nextTuple: reports it and exits 1 without a sync', async () => {
    const s = await spout('throwing');
    await s.executor.command('activate');
    await assert.rejects(s.executor.command('next'), /process exited \(code 1\)/);
    assert.match(s.recorder.errors[0]!, /^Error: spout exploded at .*components\.js:\d+:\d+\)$/);
    assert.equal(s.recorder.errors.length, 1);
  });
});
