/**
 * `npm run bench`: throughput of squall components relative to minimal hand-written ones, measured in the same
 * run by the same Storm-side driver (the embedded runtime's executors), so the ratio isolates the SDK's cost.
 *
 * - bolt: a split-sentence bolt fed sentences with `topology.shellbolt.max.pending` = 100 tuples in flight
 *   (Storm's default); a tuple counts when acked.
 * - spout: `next` commands one at a time, each answered with an emit and `sync`, as Storm's ShellSpout drives it.
 *
 * Runs alternate baseline / squall several times and keep each side's best, so a noisy moment hurts neither.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../src/packaging/load.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import { ShellBoltExecutor } from '../src/runtime/shell-bolt.js';
import { ShellProcess } from '../src/runtime/shell-process.js';
import { ShellSpoutExecutor } from '../src/runtime/shell-spout.js';
import type { HandshakeContext } from '../src/wire/messages.js';
import { decodeValues, encodeValues } from '../src/wire/values.js';
import { redisBench } from './redis.js';
import { benchDoctor } from './doctor/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BAR = 0.85;
const ROUNDS = Number(process.env.SQUALL_BENCH_ROUNDS ?? 3);
const BOLT_TUPLES = Number(process.env.SQUALL_BENCH_TUPLES ?? 50_000);
const SPOUT_COMMANDS = Number(process.env.SQUALL_BENCH_COMMANDS ?? 30_000);
const SENTENCE = 'the quick brown fox jumps over the lazy dog';

function context(componentId: string): HandshakeContext {
  return {
    'task->component': { '1': 'sentences', '2': componentId },
    taskid: 2,
    componentid: componentId,
    streams: ['default'],
    'stream->outputfields': { default: ['word'] },
    'stream->target->grouping': {},
    'source->stream->grouping': {},
    'source->stream->fields': { sentences: { default: ['sentence'] } },
  };
}

async function launch(script: string, componentId: string, conf: Record<string, unknown> = {}): Promise<ShellProcess> {
  const proc = new ShellProcess({ executionCommand: process.execPath, script: join(here, 'components', script), cwd: here });
  await proc.launch(conf, context(componentId), mkdtempSync(join(tmpdir(), 'squall-bench-')));
  return proc;
}

/** Tuples per second through a bolt (by default the split bolt, fed sentences), counting acks. */
async function boltRate(script: string, values: unknown[] = [SENTENCE], emitsPerTuple = 9, conf: Record<string, unknown> = {}): Promise<number> {
  const proc = await launch(script, 'split', conf);
  let acked = 0;
  let sent = 0;
  let words = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const executor: ShellBoltExecutor<number> = new ShellBoltExecutor<number>(
    proc,
    {
      emit: () => (words++, []),
      ack: () => {
        acked++;
        if (sent < BOLT_TUPLES) executor.execute(sent++, 'sentences', 'default', 1, values);
        if (acked === BOLT_TUPLES) done();
      },
      fail: () => {
        throw new Error('bench bolt failed a tuple');
      },
      error: (msg) => console.error(msg),
      log: () => {},
      died: (death) => {
        throw death;
      },
    },
    { timeoutMs: 30_000, maxPending: 100 },
  );
  executor.start();
  const started = process.hrtime.bigint();
  while (sent < 100) executor.execute(sent++, 'sentences', 'default', 1, values);
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (words !== BOLT_TUPLES * emitsPerTuple) throw new Error(`expected ${BOLT_TUPLES * emitsPerTuple} emits, got ${words}`);
  await executor.stop();
  return BOLT_TUPLES / seconds;
}

/** Commands per second through a spout that emits one reliable tuple per `next`. */
async function spoutRate(script: string): Promise<number> {
  const proc = await launch(script, 'sentences');
  let emitted = 0;
  const executor = new ShellSpoutExecutor(
    proc,
    {
      emit: () => (emitted++, []),
      error: (msg) => console.error(msg),
      log: () => {},
      died: (death) => {
        throw death;
      },
    },
    { timeoutMs: 30_000 },
  );
  executor.start();
  await executor.command('activate');
  const started = process.hrtime.bigint();
  for (let i = 0; i < SPOUT_COMMANDS; i++) await executor.command('next');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (emitted !== SPOUT_COMMANDS) throw new Error(`expected ${SPOUT_COMMANDS} emits, got ${emitted}`);
  await executor.stop();
  return SPOUT_COMMANDS / seconds;
}

async function compare(name: string, unit: string, measure: (script: string) => Promise<number>, baseline: string, sdk: string) {
  let best = { baseline: 0, sdk: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    best = { baseline: Math.max(best.baseline, await measure(baseline)), sdk: Math.max(best.sdk, await measure(sdk)) };
  }
  const ratio = best.sdk / best.baseline;
  console.log(
    `${name.padEnd(7)} baseline ${best.baseline.toFixed(0).padStart(8)} ${unit}   squall ${best.sdk.toFixed(0).padStart(8)} ${unit}   ratio ${ratio.toFixed(2)}`,
  );
  return ratio;
}

/**
 * End to end: examples/wordcount (spout -> split x2 -> count x2, fields grouping, acking, max.spout.pending 200)
 * in the embedded runtime. Reports completed sentence trees per second, and the time from start to the first
 * tuple reaching the count bolt (process launches, handshakes, activation included; bundling excluded).
 */
async function endToEnd(): Promise<void> {
  const loaded = await loadTopology(join(here, '..', '..', 'examples', 'wordcount'));
  let firstCount: number | undefined;
  const began = process.hrtime.bigint();
  const cluster = new LocalCluster(loaded.spec, {
    squall: { command: process.execPath, script: loaded.bundle },
    resourcesDir: loaded.resourcesDir,
    onEmit: (component) => {
      if (component === 'count' && firstCount === undefined) firstCount = Number(process.hrtime.bigint() - began) / 1e6;
    },
  });
  await cluster.start();
  const runMs = Number(process.env.SQUALL_BENCH_E2E_MS ?? 5000);
  await new Promise((resolve) => setTimeout(resolve, runMs));
  const stats = await cluster.stop();
  const spout = stats.find((s) => s.component === 'sentences')!;
  const words = stats.find((s) => s.component === 'count')!.executed;
  console.log(
    `e2e     wordcount: ${(spout.acked / (runMs / 1000)).toFixed(0)} sentences/s acked (${(words / (runMs / 1000)).toFixed(0)} words/s counted), ` +
      `complete latency ${spout.meanLatencyMs.toFixed(1)} ms, failed ${spout.failed}; first tuple at count after ${firstCount?.toFixed(0)} ms`,
  );
}

/**
 * What nested values cost, per tuple: the squall echo bolt (`sdk-echo-bolt.ts`: receive a tuple, emit its value,
 * ack), same driver, fed
 * - flat: a sentence;
 * - json: a nested record (an object holding an array and an object) as JSON text the bolt passes on untouched,
 *   what users had to do before: the floor for carrying that record at all;
 * - encoded: the same record as a squall spout sends it, which the bolt decodes and encodes again (the default);
 * - raw: the record as raw nested JSON with squall.encode.nested off (what crashes between workers).
 * Ratios are against flat. Then, in process, the encode + decode time of the record against a flat value's.
 */
async function nestedCost(): Promise<void> {
  const record = [{ id: 7, words: SENTENCE.split(' '), source: { name: 'bench', line: 7 } }];
  const variants = {
    flat: { values: [SENTENCE], conf: {} },
    json: { values: [JSON.stringify(record[0])], conf: {} },
    encoded: { values: encodeValues(record), conf: {} },
    raw: { values: record, conf: { 'squall.encode.nested': false } },
  };
  const names = Object.keys(variants) as Array<keyof typeof variants>;
  const best = { flat: 0, json: 0, encoded: 0, raw: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate which goes first, so none always gets the quieter moment.
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!;
      const { values, conf } = variants[name];
      best[name] = Math.max(best[name], await boltRate('sdk-echo-bolt.js', values, 1, conf));
    }
  }
  const perTuple = (values: unknown[]) => {
    const n = 200_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) decodeValues(encodeValues(values));
    return Number(process.hrtime.bigint() - started) / 1e3 / n;
  };
  perTuple(record);
  perTuple(variants.flat.values);
  const rate = (name: keyof typeof best) => `${name} ${best[name].toFixed(0)} (${(best[name] / best.flat).toFixed(2)})`;
  console.log(
    `nested  echo bolt tuples/s (ratio to flat): ${names.map(rate).join(', ')}; ` +
      `encode+decode ${perTuple(record).toFixed(2)} µs/tuple nested, ${perTuple(variants.flat.values).toFixed(3)} µs flat`,
  );
}

console.log(`squall bench: best of ${ROUNDS} alternating rounds, node ${process.version}`);
const boltRatio = await compare('bolt', 'tuples/s', boltRate, 'baseline-bolt.js', 'sdk-bolt.js');
const spoutRatio = await compare('spout', 'cmds/s', spoutRate, 'baseline-spout.js', 'sdk-spout.js');
await nestedCost();
console.log(`bar: squall bolt >= ${BAR} x baseline: ${boltRatio >= BAR ? 'met' : 'NOT met'} (${boltRatio.toFixed(2)}); spout ${spoutRatio.toFixed(2)}`);
await endToEnd();
await redisBench();
// squall doctor's predictions against real runs (about 4 minutes; SQUALL_BENCH_DOCTOR=0 skips them).
if (process.env.SQUALL_BENCH_DOCTOR !== '0') await benchDoctor();
