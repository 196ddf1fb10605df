import { loadTopology } from '../packaging/load.js';
import { assignTasks, handshakeContext, taskConf } from '../runtime/assignment.js';
import { temporaryFolder } from '../runtime/leftovers.js';
import { launchSpecFor } from '../runtime/local-cluster.js';
import { ShellBoltExecutor } from '../runtime/shell-bolt.js';
import { ShellProcess } from '../runtime/shell-process.js';
import { decodeValues, encodeValues, ENCODE_NESTED_KEY } from '../wire/values.js';

export interface InputTuple {
  values: unknown[];
  /** Source component and stream (default: the bolt's first subscription). */
  source?: string;
  stream?: string;
}

export interface BoltRun {
  /** What the bolt emitted (nested values as the bolt had them); `anchors` are indexes into the inputs. */
  emitted: Array<{ stream: string; values: unknown[]; anchors: number[]; directTask: number | undefined }>;
  /** Indexes of the inputs acked / failed, in order. */
  acked: number[];
  failed: number[];
  logs: string[];
  errors: string[];
  /** Set when the bolt did something that kills a real worker. */
  death: string | undefined;
}

/**
 * Feed given tuples to one bolt of a topology (its real process, started as a worker starts it) and collect
 * what it emitted, acked and failed. Resolves once every input is acked or failed, or after `timeoutMs`.
 *
 *   const run = await testBolt('topologies/wordcount.ts', 'split', [{ values: ['a b'] }]);
 *   assert.deepEqual(run.emitted.map((e) => e.values), [['a'], ['b']]);
 */
export async function testBolt(
  target: string,
  componentId: string,
  inputs: InputTuple[],
  options: { conf?: Record<string, unknown>; timeoutMs?: number } = {},
): Promise<BoltRun> {
  const build = temporaryFolder('squall-build-');
  const pids = temporaryFolder('squall-pids-');
  try {
    return await feedBolt(build.path, pids.path, target, componentId, inputs, options);
  } finally {
    pids.remove();
    build.remove();
  }
}

async function feedBolt(
  buildDir: string,
  pidDir: string,
  target: string,
  componentId: string,
  inputs: InputTuple[],
  options: { conf?: Record<string, unknown>; timeoutMs?: number },
): Promise<BoltRun> {
  const loaded = await loadTopology(target, { outDir: buildDir, config: { commandLine: options.conf } });
  const tasks = assignTasks(loaded.spec);
  const entry = [...tasks].find(([, c]) => c.id === componentId && c.kind === 'bolt');
  if (!entry) throw new Error(`"${componentId}" is not a bolt of ${loaded.spec.name} (bolts: ${loaded.spec.components.filter((c) => c.kind === 'bolt').map((c) => c.id).join(', ')})`);
  const [taskId, component] = entry;
  const proc = new ShellProcess(launchSpecFor(loaded.spec, component, loaded.resourcesDir, { command: process.execPath, script: loaded.bundle }));
  const conf = taskConf(loaded.spec, component);
  try {
    await proc.launch(conf, handshakeContext(loaded.spec, tasks, taskId), pidDir);
  } catch (err) {
    proc.kill();
    throw err;
  }
  const decode = conf[ENCODE_NESTED_KEY] !== false;
  const run: BoltRun = { emitted: [], acked: [], failed: [], logs: [], errors: [], death: undefined };
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const check = () => {
    if (run.death !== undefined || run.acked.length + run.failed.length >= inputs.length) settle();
  };
  const executor = new ShellBoltExecutor<number>(
    proc,
    {
      emit: (stream, anchors, values, directTask) => (run.emitted.push({ stream, values: decode ? decodeValues(values) : values, anchors, directTask }), []),
      ack: (i) => (run.acked.push(i), check()),
      fail: (i) => (run.failed.push(i), check()),
      error: (msg) => run.errors.push(msg),
      log: (msg) => run.logs.push(msg),
      died: (death) => ((run.death = death.message), check()),
    },
    { timeoutMs: 30_000, maxPending: Number(conf['topology.shellbolt.max.pending'] ?? 100) },
  );
  executor.start();
  const first = component.inputs[0];
  inputs.forEach((input, i) => {
    const source = input.source ?? first?.component ?? 'source';
    const sourceTask = [...tasks].find(([, c]) => c.id === source)?.[0] ?? 0;
    // As a squall source sends them (see ../wire/values.ts), so the bolt decodes exactly what it would on a cluster.
    executor.execute(i, source, input.stream ?? first?.stream ?? 'default', sourceTask, decode ? encodeValues(input.values) : input.values);
  });
  const timer = setTimeout(settle, options.timeoutMs ?? 10_000);
  await settled;
  clearTimeout(timer);
  await executor.stop();
  return run;
}
