import { withTopology, type LoadedTopology } from '../packaging/load.js';
import { emitShapeProblem } from '../runtime/router.js';
import { assignTasks, deploymentId, handshakeContext, launchSpecFor, taskConf } from '../runtime/assignment.js';
import { decodeValues, encodeValues } from '../wire/values.js';
import { encodeNested, shellBoltMaxPending } from '../config/keys.js';
import { driveBolt } from './component-driver.js';

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
  return withTopology(target, { config: { commandLine: options.conf } }, (loaded) => feedBolt(loaded, componentId, inputs, options));
}

async function feedBolt(
  loaded: LoadedTopology,
  componentId: string,
  inputs: InputTuple[],
  options: { conf?: Record<string, unknown>; timeoutMs?: number },
): Promise<BoltRun> {
  const tasks = assignTasks(loaded.spec);
  const entry = [...tasks].find(([, c]) => c.id === componentId && c.kind === 'bolt');
  if (!entry) throw new Error(`"${componentId}" is not a bolt of ${loaded.spec.name} (bolts: ${loaded.spec.components.filter((c) => c.kind === 'bolt').map((c) => c.id).join(', ')})`);
  const [taskId, component] = entry;
  const first = component.inputs[0];
  // An input stands for a tuple its source emits: one Storm would refuse is refused here, before anything starts.
  inputs.forEach((input, i) => {
    const source = input.source ?? first?.component;
    const sourceSpec = loaded.spec.components.find((c) => c.id === source);
    const problem = sourceSpec && emitShapeProblem(sourceSpec, sourceSpec.id, input.stream ?? first?.stream ?? 'default', input.values);
    if (problem) throw new Error(`testBolt(${JSON.stringify(componentId)}) input ${i} (${JSON.stringify(input.values)}) cannot come from ${sourceSpec.id}: ${problem}; give one value per field`);
  });
  const conf = taskConf(loaded.spec, component, deploymentId(loaded.spec.name, Date.now()));
  const bolt = await driveBolt(launchSpecFor(loaded.spec, component, loaded.resourcesDir, { command: process.execPath, script: loaded.bundle }), {
    conf,
    context: handshakeContext(loaded.spec, tasks, taskId),
    maxPending: shellBoltMaxPending(conf),
    taskIds: [],
  });
  const decode = encodeNested(conf);
  const fed = inputs.map((input) => ({ ...input, source: input.source ?? first?.component ?? 'source', stream: input.stream ?? first?.stream ?? 'default' }));
  fed.forEach((input) => {
    const sourceTask = [...tasks].find(([, c]) => c.id === input.source)?.[0] ?? 0;
    // As a squall source sends them (see ../wire/values.ts), so the bolt decodes exactly what it would on a cluster.
    bolt.send(decode ? encodeValues(input.values) : input.values, { comp: input.source, stream: input.stream, task: sourceTask });
  });
  const { recorder } = bolt;
  // Not an error when it runs out: what the bolt did until then is the answer.
  await recorder
    .until(() => recorder.death !== undefined || recorder.acks.length + recorder.fails.length >= inputs.length, 'every input acked or failed', options.timeoutMs ?? 10_000)
    .catch(() => {});
  await bolt.stop();
  // What the bolt emitted must fit its own declaration, as on a cluster, where the worker refuses it.
  for (const emit of recorder.emits) {
    const problem = emitShapeProblem(component, componentId, emit.stream, emit.values);
    if (problem) throw new Error(`testBolt: ${problem}`);
  }
  return {
    emitted: recorder.emits.map(({ stream, values, anchors, directTask }) => ({ stream, values: decode ? decodeValues(values) : values, anchors, directTask })),
    acked: recorder.acks,
    failed: recorder.fails,
    logs: recorder.logs.map((l) => l.msg),
    errors: recorder.errors,
    death: recorder.death?.message,
  };
}
