import type { ContextGrouping, HandshakeContext } from '../wire/messages.js';
import type { ComponentSpec, GroupingSpec, TopologySpec } from '../topology/spec.js';
import { componentMayOverride, stormDefaults, subprocessTimeoutSecs } from '../config/keys.js';
import type { LaunchSpec } from './shell-process.js';

/** Storm's defaults for the keys the embedded runtime reads (a real handshake carries every default). */
export const RUNTIME_DEFAULTS: Record<string, unknown> = stormDefaults([
  'topology.message.timeout.secs',
  'supervisor.worker.timeout.secs',
  'topology.shellbolt.max.pending',
  'topology.max.spout.pending',
  'topology.debug',
]);

/** Task ids as Storm assigns them: components in id order, consecutive ids from 1. */
export function assignTasks(spec: TopologySpec): Map<number, ComponentSpec> {
  const tasks = new Map<number, ComponentSpec>();
  let next = 1;
  for (const component of [...spec.components].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    for (let i = 0; i < component.tasks; i++) tasks.set(next++, component);
  }
  return tasks;
}

/** The grouping as the handshake context shows it (Thrift's union field names; global is FIELDS with no fields). */
export function contextGrouping(grouping: GroupingSpec): ContextGrouping {
  switch (grouping.type) {
    case 'fields':
      return { type: 'FIELDS', fields: grouping.fields };
    case 'global':
      return { type: 'FIELDS', fields: [] };
    case 'shuffle':
      return { type: 'SHUFFLE' };
    case 'all':
      return { type: 'ALL' };
    case 'none':
      return { type: 'NONE' };
    case 'direct':
      return { type: 'DIRECT' };
    case 'local_or_shuffle':
      return { type: 'LOCAL_OR_SHUFFLE' };
  }
}

/** The `context` of the handshake for one task, with every key a Storm worker sends. */
export function handshakeContext(spec: TopologySpec, tasks: Map<number, ComponentSpec>, taskId: number): HandshakeContext {
  const component = tasks.get(taskId)!;
  const taskToComponent: Record<string, string> = {};
  for (const [task, c] of tasks) taskToComponent[String(task)] = c.id;
  const outputFields: Record<string, string[]> = {};
  const targets: Record<string, Record<string, ContextGrouping>> = {};
  for (const [stream, decl] of Object.entries(component.outputs)) {
    outputFields[stream] = decl.fields;
    targets[stream] = {};
  }
  for (const subscriber of spec.components) {
    for (const input of subscriber.inputs) {
      if (input.component === component.id && targets[input.stream]) targets[input.stream]![subscriber.id] = contextGrouping(input.grouping);
    }
  }
  const sourceGrouping: Record<string, Record<string, ContextGrouping>> = {};
  const sourceFields: Record<string, Record<string, string[]>> = {};
  for (const input of component.inputs) {
    (sourceGrouping[input.component] ??= {})[input.stream] = contextGrouping(input.grouping);
    const fields = spec.components.find((c) => c.id === input.component)?.outputs[input.stream]?.fields ?? [];
    (sourceFields[input.component] ??= {})[input.stream] = fields;
  }
  return {
    'task->component': taskToComponent,
    taskid: taskId,
    componentid: component.id,
    streams: Object.keys(component.outputs),
    'stream->outputfields': outputFields,
    'stream->target->grouping': targets,
    'source->stream->grouping': sourceGrouping,
    'source->stream->fields': sourceFields,
  };
}

/**
 * The conf a task receives: Storm defaults, the resolved topology conf (-o included), then the keys of the component's
 * own conf that Storm's executor keeps (Executor.normalizedComponentConf), so local behaviour is cluster behaviour.
 */
export function taskConf(spec: TopologySpec, component: ComponentSpec, stormId: string): Record<string, unknown> {
  const componentConf = Object.fromEntries(Object.entries(component.config).filter(([key]) => componentMayOverride(key)));
  return {
    ...RUNTIME_DEFAULTS,
    ...spec.config,
    ...componentConf,
    'topology.name': spec.name,
    'storm.id': stormId,
  };
}

/** Deployments this process has started, for `deploymentId`'s counter. */
let deployments = 0;

/**
 * A new deployment's id, in Nimbus's form `<name>-<counter>-<unix secs at submit>`, different for every run: a
 * component that acts once per deployment (a Redis spout's `startPosition`) tells a new run from a restarted task
 * by it. Nimbus's counter is unique within its process; here the process id × 1000 plus this process's count of
 * deployments, so two runs started in the same second (in one process or two) never share an id.
 */
export function deploymentId(name: string, startedAtMs: number): string {
  deployments++;
  return `${name}-${process.pid * 1000 + (deployments % 1000)}-${Math.floor(startedAtMs / 1000)}`;
}

/** How long a component may stay silent: topology.subprocess.timeout.secs, else supervisor.worker.timeout.secs. */
export function subprocessTimeoutMs(conf: Record<string, unknown>): number {
  return 1000 * subprocessTimeoutSecs(conf);
}

/** How a task's process starts, exactly as a worker starts it: `[command, script]` in the resources folder. */
export function launchSpecFor(
  spec: TopologySpec,
  component: ComponentSpec,
  resourcesDir: string,
  squall: { command: string; script: string } | undefined,
): LaunchSpec {
  const env = (spec.config['topology.environment'] as Record<string, string> | undefined) ?? {};
  if (component.impl.type === 'shell') {
    return { executionCommand: component.impl.command, script: component.impl.script, cwd: resourcesDir, env };
  }
  if (component.impl.type === 'java' || !squall) {
    throw new Error(`${component.kind} "${component.id}" cannot run locally: ${component.impl.type === 'java' ? 'it is a Java component' : 'no bundle given'}`);
  }
  return { executionCommand: squall.command, script: squall.script, cwd: resourcesDir, env };
}
