import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder, FrameWriter, ProtocolError, encodeFrame } from '../src/wire/codec.js';

function decodeInPieces(bytes: Buffer, cuts: number[]): unknown[] {
  const decoder = new FrameDecoder();
  const out: unknown[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...decoder.push(bytes.subarray(start, cut)));
    start = cut;
  }
  assert.equal(decoder.pendingBytes, 0);
  return out;
}

describe('FrameDecoder', () => {
  const messages = [{ command: 'emit', tuple: ['naïve café ☕ 𝄞'] }, [1, 2, 3], { command: 'sync' }];
  const bytes = Buffer.from(messages.map(encodeFrame).join(''), 'utf8');

  it('decodes several frames from one chunk', () => {
    assert.deepEqual(decodeInPieces(bytes, []), messages);
  });

  it('decodes identically whatever single byte position the stream is cut at', () => {
    // Covers cuts inside "\nend\n" and inside every multi-byte UTF-8 character.
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(decodeInPieces(bytes, [cut]), messages, `cut at byte ${cut}`);
    }
  });

  it('decodes when fed one byte at a time', () => {
    assert.deepEqual(
      decodeInPieces(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)),
      messages,
    );
  });

  it('splits a delimiter over three chunks', () => {
    const frame = Buffer.from(encodeFrame({ a: 1 }));
    const at = frame.length - 5; // start of "\nend\n"
    assert.deepEqual(decodeInPieces(frame, [at + 1, at + 3]), [{ a: 1 }]);
  });

  it('reassembles a multi-megabyte frame from 64 KiB chunks', () => {
    const big = 'x'.repeat(6 * 1024 * 1024) + 'é';
    const frame = Buffer.from(encodeFrame({ tuple: [big] }));
    const cuts: number[] = [];
    for (let i = 65536; i < frame.length; i += 65536) cuts.push(i);
    const [decoded] = decodeInPieces(frame, cuts) as Array<{ tuple: string[] }>;
    assert.equal(decoded!.tuple[0], big);
  });

  it('decodes integers beyond 2^53 as BigInt and writes them back exactly, leaving strings and decimals alone', () => {
    const text = '{"tuple":[1234567890123456789,-9223372036854775808,"12345678901234567890",0.12345678901234567890,9007199254740991]}';
    const [decoded] = new FrameDecoder().push(Buffer.from(text + '\nend\n')) as Array<{ tuple: unknown[] }>;
    assert.deepEqual(decoded!.tuple.slice(0, 3), [1234567890123456789n, -9223372036854775808n, '12345678901234567890']);
    assert.equal(typeof decoded!.tuple[3], 'number');
    assert.equal(decoded!.tuple[4], 9007199254740991);
    assert.equal(encodeFrame({ tuple: [1234567890123456789n, 'x'] }), '{"tuple":[1234567890123456789,"x"]}\nend\n');
  });

  it('takes tuple ids (19 digits inside strings) as strings, and still finds a long after spaces or at the start', () => {
    const ids = '{"command":"emit","anchors":["-1234567890123456789","9223372036854775807"],"tuple":["a:1234567890123456789"]}';
    const [emit] = new FrameDecoder().push(Buffer.from(ids + '\nend\n')) as Array<{ anchors: unknown[]; tuple: unknown[] }>;
    assert.deepEqual(emit!.anchors, ['-1234567890123456789', '9223372036854775807']);
    assert.deepEqual(emit!.tuple, ['a:1234567890123456789']);
    // Other encoders put spaces after separators (Python's json.dumps does); a bare number is a frame too.
    const spaced = new FrameDecoder().push(Buffer.from('{"id": 1234567890123456789, "tuple": [ -1234567890123456789]}\nend\n1234567890123456789\nend\n'));
    assert.deepEqual(spaced, [{ id: 1234567890123456789n, tuple: [-1234567890123456789n] }, 1234567890123456789n]);
  });

  it('rejects a frame that is not JSON, quoting it', () => {
    const decoder = new FrameDecoder();
    assert.throws(
      () => decoder.push(Buffer.from('{"command": "sync"\nend\n')),
      (err: unknown) => err instanceof ProtocolError && /not JSON/.test(err.message) && /command/.test(err.message),
    );
  });

  it('rejects an empty frame', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from('\nend\n')), /empty message/);
  });

  it('keeps an incomplete frame pending', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(Buffer.from('{"a":1}\nen')), []);
    assert.equal(decoder.pendingBytes, 10);
  });
});

describe('FrameWriter', () => {
  it('coalesces messages written in one turn into one write', async () => {
    const writes: string[] = [];
    const writer = new FrameWriter({ write: (chunk) => (writes.push(chunk), true), once: () => {} });
    writer.write({ command: 'emit', tuple: ['a'] });
    writer.write({ command: 'ack', id: '1' });
    writer.write({ command: 'sync' });
    await writer.flush();
    assert.equal(writes.length, 1);
    assert.equal(writes[0], '{"command":"emit","tuple":["a"]}\nend\n{"command":"ack","id":"1"}\nend\n{"command":"sync"}\nend\n');
  });

  it('during a long busy turn, flushes what waited 100 ms and keeps batching what follows', async () => {
    const writes: string[] = [];
    const writer = new FrameWriter({ write: (chunk) => (writes.push(chunk), true), once: () => {} });
    writer.write({ n: 0 });
    const until = Date.now() + 120;
    while (Date.now() < until); // the event loop is blocked, as in a synchronous backlog
    for (let n = 1; n <= 50; n++) writer.write({ n });
    assert.equal(writes.length, 1, 'one stale flush, then the rest waits again');
    await writer.flush();
    assert.equal(writes.length, 2);
    assert.equal(writes.join('').split('\nend\n').length - 1, 51);
  });

  it('holds what is written while corked, and sends it as one write at the end of the turn after uncork', async () => {
    const writes: string[] = [];
    const writer = new FrameWriter({ write: (chunk) => (writes.push(chunk), true), once: () => {} });
    writer.write({ n: 1 });
    assert.equal(writer.hasPending, true);
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, 1);
    writer.cork(60_000);
    writer.write({ n: 2 });
    writer.write({ n: 3 });
    writer.endBatch();
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, 1, 'nothing written while corked, not even by endBatch');
    writer.uncork();
    assert.equal(writes.length, 1, 'written at the end of the turn, not inside uncork');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes.slice(1), ['{"n":2}\nend\n{"n":3}\nend\n']);
    writer.cork(60_000);
    writer.write({ n: 4 });
    await writer.flush();
    assert.equal(writes.length, 3, 'flush (before exiting) sends what a cork held');
  });

  it('ends a cork by itself after its bound when no one uncorks (a reader holding its input, waiting for more)', async () => {
    const writes: string[] = [];
    const writer = new FrameWriter({ write: (chunk) => (writes.push(chunk), true), once: () => {} });
    // A bound long enough that the end of this turn comes first even on a loaded machine (with 5 ms, a turn that
    // was descheduled longer let the timer fire before the check).
    writer.cork(200);
    writer.write({ n: 1 });
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, 0, 'held while corked');
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(writes, ['{"n":1}\nend\n'], 'sent once the bound passed');
    writer.cork(200);
    writer.uncork();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(writes.length, 1, 'an uncorked writer with nothing pending writes nothing when the old bound passes');
  });

  it('holds output while the sink is full and reports back-pressure', async () => {
    const writes: string[] = [];
    let drain: (() => void) | undefined;
    const states: boolean[] = [];
    const writer = new FrameWriter(
      { write: (chunk) => (writes.push(chunk), writes.length > 1), once: (_e, fn) => (drain = fn) },
      (blocked) => states.push(blocked),
    );
    writer.write({ n: 1 });
    await new Promise((r) => setImmediate(r));
    writer.write({ n: 2 });
    writer.write({ n: 3 });
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, 1, 'nothing written while blocked');
    assert.deepEqual(states, [true]);
    const flushed = writer.flush();
    drain!();
    await flushed;
    assert.deepEqual(states, [true, false]);
    assert.equal(writes[1], '{"n":2}\nend\n{"n":3}\nend\n');
  });
});
