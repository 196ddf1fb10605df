import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, stringifyMessage } from '../src/wire/codec.js';
import { boltEmitText, readBoltInput, readShellMsg, readSpoutInput } from '../src/wire/messages.js';
import type { BoltEmitMessage } from '../src/wire/messages.js';

describe('multi-lang message readers', () => {
  it("read a component's emit with Storm's defaults: default stream, need_task_ids true, task 0 not direct", () => {
    assert.deepEqual(readShellMsg({ command: 'emit', tuple: ['a'], anchors: '-12' }, 'bolt'), {
      command: 'emit',
      stream: 'default',
      tuple: ['a'],
      anchors: ['-12'],
      id: undefined,
      directTask: undefined,
      needTaskIds: true,
    });
    const spoutEmit = readShellMsg({ command: 'emit', tuple: [1], id: 7n, task: 3, stream: 's', need_task_ids: false }, 'spout');
    assert.deepEqual(spoutEmit, { command: 'emit', stream: 's', tuple: [1], anchors: [], id: 7n, directTask: 3, needTaskIds: false });
  });

  it('read log levels outside 0-4 as INFO, and commands Storm has no case for as other', () => {
    assert.deepEqual(readShellMsg({ command: 'log', msg: 'hi', level: 9 }, 'bolt'), { command: 'log', msg: 'hi', level: 2 });
    assert.deepEqual(readShellMsg({ command: 'log', msg: 'hi', level: 4 }, 'spout'), { command: 'log', msg: 'hi', level: 4 });
    assert.deepEqual(readShellMsg({ command: 'explode' }, 'bolt'), { command: 'other', name: 'explode' });
  });

  it("throw a ProtocolError in a worker's words for what Storm's reader cannot take", () => {
    const fails = (message: unknown, role: 'bolt' | 'spout', reason: RegExp) =>
      assert.throws(() => readShellMsg(message, role), (err: unknown) => err instanceof ProtocolError && reason.test(err.message));
    fails({ id: '1' }, 'bolt', /^Command not found in bolt message: \{"id":"1"\}/);
    fails([1], 'spout', /^Command not found in spout message/);
    fails({ command: 'emit', tuple: [], need_task_ids: 'yes' }, 'bolt', /need_task_ids" must be a JSON boolean, got "yes"/);
    fails({ command: 'emit', tuple: [], anchors: 5 }, 'bolt', /anchors must be a list of tuple id strings, got 5/);
    fails({ command: 'emit', tuple: [], id: { a: 1 } }, 'spout', /a spout message id must be a string or a number/);
    fails({ command: 'emit' }, 'spout', /emit without a "tuple" list/);
    fails({ command: 'error' }, 'bolt', /error without "msg"/);
  });

  it("read Storm's messages to a component: tuples, commands, task ids", () => {
    assert.deepEqual(readBoltInput([3, 4]), [3, 4]);
    const tuple = { id: '-1', comp: 'a', stream: 'default', task: 2, tuple: [1] };
    assert.equal(readBoltInput(tuple), tuple);
    assert.throws(() => readBoltInput({ command: 'next' }), /a bolt expects tuples/);
    assert.deepEqual(readSpoutInput({ command: 'ack', id: 5 }), { command: 'ack', id: 5 });
    assert.throws(() => readSpoutInput({ command: 'explode', id: '' }), /unknown spout command "explode"; Storm sends next, ack, fail, activate or deactivate/);
  });
});

describe('boltEmitText', () => {
  it('writes the same text as stringifying the emit message, for every optional part', () => {
    const messages: BoltEmitMessage[] = [
      { command: 'emit', tuple: ['word'] },
      { command: 'emit', tuple: ['a "quoted"\nline', 1.5, null, true], need_task_ids: false },
      { command: 'emit', tuple: [1234567890123456789n, '\u001e{"k":1}'], anchors: ['-1234567890123456789', '42'], need_task_ids: false },
      { command: 'emit', tuple: [], stream: 'odd "stream"', anchors: ['1'], task: 7, need_task_ids: true },
      { command: 'emit', tuple: [{ nested: ['x'] }], stream: 'é', task: 3 },
    ];
    for (const message of messages) assert.equal(boltEmitText(message), stringifyMessage(message));
  });
});
