/**
 * The benchmark's components are also documentation (docs/sdk.md cites them): run them here, briefly, so they
 * stay correct between benchmark runs. Speed is measured by `npm run bench`, never here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ShellBoltExecutor } from '../src/runtime/shell-bolt.js';
import { ShellProcess } from '../src/runtime/shell-process.js';
import { decodeValues, encodeValues } from '../src/wire/values.js';
import { ShellSpoutExecutor } from '../src/runtime/shell-spout.js';
import { FIXTURES, makeContext, pidDir, Recorder } from './helpers/driver.js';

const COMPONENTS = join(FIXTURES, '..', '..', 'bench', 'components');
const SENTENCE = 'the quick brown fox jumps over the lazy dog';

function launch(script: string, componentId: string) {
  const proc = new ShellProcess({ executionCommand: process.execPath, script: join(COMPONENTS, script), cwd: COMPONENTS });
  const context = makeContext({ componentId, tasks: { 1: 'sentences', 2: 'split' }, taskId: componentId === 'split' ? 2 : 1, sourceFields: { sentences: { default: ['sentence'] } } });
  return proc.launch({}, context, pidDir()).then(() => proc);
}

describe('bench components', () => {
  for (const script of ['sdk-bolt.js', 'baseline-bolt.js']) {
    it(`${script} splits sentences, anchors every word and acks`, async () => {
      const proc = await launch(script, 'split');
      const recorder = new Recorder();
      const words: Array<{ word: unknown; anchors: number[] }> = [];
      const executor = new ShellBoltExecutor<number>(
        proc,
        {
          emit: (_stream, anchors, values) => (words.push({ word: values[0], anchors }), []),
          ack: (i) => (recorder.acks.push(i), recorder.changed()),
          fail: (i) => (recorder.fails.push(i), recorder.changed()),
          error: (m) => recorder.errors.push(m),
          log: () => {},
          died: (d) => ((recorder.death = d), recorder.changed()),
        },
        { timeoutMs: 30_000, maxPending: 100 },
      );
      executor.start();
      for (let i = 0; i < 50; i++) executor.execute(i, 'sentences', 'default', 1, [SENTENCE]);
      await recorder.until(() => recorder.acks.length === 50, '50 acks');
      assert.equal(words.length, 50 * 9);
      assert.deepEqual(words.slice(0, 9).map((w) => w.word), SENTENCE.split(' '));
      assert.ok(words.every((w, i) => w.anchors.length === 1 && w.anchors[0] === Math.floor(i / 9)), 'each word anchored to its sentence');
      assert.equal(recorder.death, undefined);
      await executor.stop();
    });
  }

  for (const script of ['sdk-spout.js', 'baseline-spout.js']) {
    it(`${script} emits one reliable sentence per next and syncs`, async () => {
      const proc = await launch(script, 'sentences');
      const emits: Array<{ values: unknown[]; id: unknown }> = [];
      const executor = new ShellSpoutExecutor(
        proc,
        { emit: (_s, values, id) => (emits.push({ values, id }), []), error: () => {}, log: () => {}, died: () => {} },
        { timeoutMs: 30_000 },
      );
      executor.start();
      await executor.command('activate');
      for (let i = 0; i < 20; i++) assert.equal(await executor.command('next'), 1);
      await executor.command('ack', 0);
      assert.deepEqual(emits.map((e) => e.id), Array.from({ length: 20 }, (_, i) => i));
      assert.ok(emits.every((e) => e.values[0] === SENTENCE));
      await executor.stop();
    });
  }

  it('sdk-echo-bolt.js restores a nested value and sends it back as it came', async () => {
    const proc = await launch('sdk-echo-bolt.js', 'split');
    const recorder = new Recorder();
    const emits: unknown[][] = [];
    const executor = new ShellBoltExecutor<number>(
      proc,
      {
        emit: (_s, _a, values) => (emits.push(values), []),
        ack: (i) => (recorder.acks.push(i), recorder.changed()),
        fail: () => {},
        error: () => {},
        log: () => {},
        died: (death) => ((recorder.death = death), recorder.changed()),
      },
      { timeoutMs: 30_000, maxPending: 100 },
    );
    executor.start();
    const record = { id: 7, words: SENTENCE.split(' '), source: { name: 'bench', line: 7 } };
    executor.execute(0, 'sentences', 'default', 1, encodeValues([record]));
    executor.execute(1, 'sentences', 'default', 1, [SENTENCE]);
    await recorder.until(() => recorder.acks.length === 2, '2 acks');
    assert.deepEqual(emits, [encodeValues([record]), [SENTENCE]]);
    assert.deepEqual(decodeValues(emits[0]!), [record]);
    await executor.stop();
  });
});
