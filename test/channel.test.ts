import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameChannel } from '../src/wire/channel.js';
import { encodeFrame, ProtocolError } from '../src/wire/codec.js';

/** A channel over an in-memory sink: what it writes, and the protocol errors it reports. */
function memoryChannel() {
  const writes: string[] = [];
  const errors: ProtocolError[] = [];
  const channel = new FrameChannel({ write: (chunk) => (writes.push(chunk), true), once: () => {} }, { protocolError: (err) => errors.push(err) });
  return { channel, writes, errors };
}

describe('FrameChannel', () => {
  it('keeps messages that arrive before anyone listens, and delivers them first, in order', () => {
    const { channel } = memoryChannel();
    channel.receive(Buffer.from(encodeFrame({ pid: 1 }) + encodeFrame({ command: 'log', msg: 'a' })));
    const seen: unknown[] = [];
    channel.listen((m) => seen.push(m));
    channel.receive(Buffer.from(encodeFrame({ command: 'sync' })));
    assert.deepEqual(seen, [{ pid: 1 }, { command: 'log', msg: 'a' }, { command: 'sync' }]);
  });

  it('next() takes one message, from the backlog or the next to arrive; the rest wait for a listener', async () => {
    const { channel } = memoryChannel();
    const first = channel.next();
    channel.receive(Buffer.from(encodeFrame({ pid: 7 }) + encodeFrame({ command: 'log', msg: 'after pid' })));
    assert.deepEqual(await first, { pid: 7 });
    assert.deepEqual(await channel.next(), { command: 'log', msg: 'after pid' });
  });

  it('writes what a received chunk made its listener answer within the same call (the peer waits on it)', () => {
    const { channel, writes } = memoryChannel();
    channel.listen(() => channel.write({ command: 'sync' }));
    channel.receive(Buffer.from(encodeFrame({ command: 'next', id: '' })));
    assert.deepEqual(writes, ['{"command":"sync"}\nend\n']);
  });

  it('reports bytes that are not a frame as a ProtocolError, and delivers nothing from that chunk', () => {
    const { channel, errors } = memoryChannel();
    const seen: unknown[] = [];
    channel.listen((m) => seen.push(m));
    channel.receive(Buffer.from('not json\nend\n'));
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof ProtocolError);
    assert.deepEqual(seen, []);
  });

  it('counts a partial frame as pending bytes, and writes nothing once closed', () => {
    const { channel, writes } = memoryChannel();
    channel.receive(Buffer.from('{"pid"'));
    assert.equal(channel.pendingBytes, 6);
    channel.close();
    channel.write({ command: 'sync' });
    channel.endBatch();
    assert.equal(channel.hasPendingWrites, false);
    assert.deepEqual(writes, []);
  });
});
