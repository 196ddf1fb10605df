/**
 * The benchmark's components are also documentation (docs/sdk.md cites them): run them here, briefly, so they
 * stay correct between benchmark runs. So is its hand-written Storm-side driver (the runtime line's yardstick):
 * it must really drive a process and track its acks as Storm does. Speed is measured by `npm run bench`, never here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pumpBolt } from '../bench/baseline-driver.js';
import { contextFor, driveBolt, driveSpout } from '../src/testing/component-driver.js';
import { decodeValues, encodeValues } from '../src/wire/values.js';
import { FIXTURES, SOURCE_FIXTURES } from './helpers/driver.js';

const COMPONENTS = join(FIXTURES, '..', '..', 'bench', 'components');
const SENTENCE = 'the quick brown fox jumps over the lazy dog';

function options(componentId: string) {
  const context = { componentId, tasks: { 1: 'sentences', 2: 'split' }, taskId: componentId === 'split' ? 2 : 1, sourceFields: { sentences: { default: ['sentence'] } } };
  return { context, taskIds: [] };
}
const launch = (script: string) => ({ executionCommand: process.execPath, script: join(COMPONENTS, script), cwd: COMPONENTS });
const fromSentences = { comp: 'sentences', stream: 'default', task: 1 };

describe('bench components', () => {
  for (const script of ['sdk-bolt.js', 'baseline-bolt.js']) {
    it(`${script} splits sentences, anchors every word and acks`, async () => {
      const bolt = await driveBolt(launch(script), options('split'));
      const { recorder } = bolt;
      for (let i = 0; i < 50; i++) bolt.send([SENTENCE], fromSentences);
      await recorder.until(() => recorder.acks.length === 50, '50 acks');
      const words = recorder.emits.map((e) => ({ word: e.values[0], anchors: e.anchors }));
      assert.equal(words.length, 50 * 9);
      assert.deepEqual(words.slice(0, 9).map((w) => w.word), SENTENCE.split(' '));
      assert.ok(words.every((w, i) => w.anchors.length === 1 && w.anchors[0] === Math.floor(i / 9)), 'each word anchored to its sentence');
      assert.equal(recorder.death, undefined);
      await bolt.stop();
    });
  }

  for (const script of ['sdk-spout.js', 'baseline-spout.js']) {
    it(`${script} emits one reliable sentence per next and syncs`, async () => {
      const spout = await driveSpout(launch(script), options('sentences'));
      await spout.command('activate');
      for (let i = 0; i < 20; i++) assert.equal(await spout.command('next'), 1);
      await spout.command('ack', 0);
      const emits = spout.recorder.emits;
      assert.deepEqual(emits.map((e) => e.messageId), Array.from({ length: 20 }, (_, i) => i));
      assert.ok(emits.every((e) => e.values[0] === SENTENCE));
      await spout.stop();
    });
  }

  it('sdk-echo-bolt.js restores a nested value and sends it back as it came', async () => {
    const bolt = await driveBolt(launch('sdk-echo-bolt.js'), options('split'));
    const { recorder } = bolt;
    const record = { id: 7, words: SENTENCE.split(' '), source: { name: 'bench', line: 7 } };
    bolt.send(encodeValues([record]), fromSentences);
    bolt.send([SENTENCE], fromSentences);
    await recorder.until(() => recorder.acks.length === 2, '2 acks');
    const emits = recorder.emits.map((e) => e.values);
    assert.deepEqual(emits, [encodeValues([record]), [SENTENCE]]);
    assert.deepEqual(decodeValues(emits[0]!), [record]);
    await bolt.stop();
  });

  describe('baseline driver', () => {
    const pump = (script: string, values: unknown[], tuples: number) =>
      pumpBolt(launch(script), { context: contextFor(options('split').context), tuples, values, from: fromSentences, maxPending: 100 });

    for (const script of ['baseline-bolt.js', 'sdk-bolt.js']) {
      it(`pumps sentences through ${script} and counts every ack and every word`, async () => {
        // More tuples than max.pending, so the window refills on acks.
        const run = await pump(script, [SENTENCE], 350);
        assert.deepEqual({ acked: run.acked, emitted: run.emitted }, { acked: 350, emitted: 350 * 9 });
      });
    }

    const raw = (values: unknown[]) =>
      pumpBolt(
        { executionCommand: 'python3', script: 'raw_bolt.py', cwd: SOURCE_FIXTURES },
        { context: contextFor({ componentId: 'raw' }), tuples: 3, values, from: fromSentences },
      );

    it('drives a bolt written to the protocol alone (one anchor as a string, task ids asked for)', async () => {
      const run = await raw(['ok']);
      assert.deepEqual({ acked: run.acked, emitted: run.emitted }, { acked: 3, emitted: 3 });
    });

    it('refuses what kills a Storm worker: an ack of an id it never sent, an anchor to an acked tuple, no command', async () => {
      await assert.rejects(raw(['ack-unknown']), /baseline driver: ack of an id it was not sent or already acked: "12345"/);
      await assert.rejects(raw(['anchor-acked']), /baseline driver: anchored onto "-?\d+" after ack\/fail/);
      await assert.rejects(raw(['no-command']), /baseline driver: a message without "command"/);
    });
  });
});
