import { COMPONENT_OVERRIDABLE_KEYS, componentMayOverride, ENCODE_NESTED_KEY, keyProblem } from '../config/keys.js';
import type { ComponentSpec, TopologySpec } from './spec.js';

/**
 * The checks Nimbus (and Storm's submitter) make before accepting a topology, made here first so a mistake shows
 * up on the laptop with a fix, not as an InvalidTopologyException after an upload. Each problem names the
 * component and says what to change.
 */
export class TopologyValidationError extends Error {
  override readonly name = 'TopologyValidationError';
  constructor(
    readonly topology: string,
    readonly problems: string[],
  ) {
    super(`topology "${topology}" is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function validateTopology(spec: TopologySpec): string[] {
  const problems: string[] = [];
  if (typeof spec.name !== 'string' || spec.name.length === 0) {
    problems.push('the topology has no name: pass one to new Topology("name")');
  } else if (/[/.:\\]/.test(spec.name)) {
    problems.push(`topology name "${spec.name}" contains one of / . : \\ which Storm refuses: use letters, digits, - and _`);
  }
  problems.push(...checkConfig(spec.config, 'topology config'));

  const byId = new Map<string, ComponentSpec>();
  for (const component of spec.components) {
    const where = `${component.kind} "${component.id}"`;
    if (component.id.length === 0) problems.push(`a ${component.kind} has an empty id: give every component a name`);
    if (component.id.startsWith('__')) problems.push(`${where}: ids starting with "__" are reserved for Storm's system components; rename it`);
    if (byId.has(component.id)) problems.push(`${where}: the id is used twice (spouts and bolts share one namespace); rename one`);
    byId.set(component.id, component);
    for (const stream of Object.keys(component.outputs)) {
      if (stream.startsWith('__')) problems.push(`${where}: stream "${stream}" starts with "__", which Storm reserves; rename it`);
    }
    for (const [label, value] of [['parallelism', component.parallelism], ['tasks', component.tasks]] as const) {
      if (!Number.isInteger(value) || value < 1) problems.push(`${where}: ${label} must be a whole number of at least 1, got ${String(value)}`);
    }
    problems.push(...checkConfig(component.config, `${where} config`));
    for (const key of Object.keys(component.config)) {
      if (key === ENCODE_NESTED_KEY) {
        problems.push(`${where} config: "${key}" must be the same for every component (a receiver reads its senders' values by it); set it in the topology config instead`);
      }
      if (!componentMayOverride(key)) {
        problems.push(`${where} config: Storm ignores "${key}" in a component's config (only ${COMPONENT_OVERRIDABLE_KEYS.join(', ')} and topology.bolts.* apply per component); set it in the topology config instead`);
      }
    }
    if (component.impl.type === 'shell' && (!component.impl.command || !component.impl.script)) {
      problems.push(`${where}: a shell component needs both a command and a script, e.g. shell('python3', 'splitter.py')`);
    }
  }
  if (!spec.components.some((c) => c.kind === 'spout')) problems.push('the topology has no spout: add one with t.spout(...)');

  for (const component of spec.components) {
    const where = `${component.kind} "${component.id}"`;
    if (component.kind === 'spout' && component.inputs.length > 0) {
      problems.push(`${where}: spouts cannot subscribe to streams; make it a bolt or remove its inputs`);
    }
    // Storm keys a bolt's inputs by (component, stream) (ComponentCommon.inputs is a map): a second subscription to
    // the same stream cannot be sent, and Storm's own TopologyBuilder would silently keep only the last one.
    const subscribed = new Set<string>();
    for (const input of component.inputs) {
      const key = JSON.stringify([input.component, input.stream]);
      if (subscribed.has(key)) {
        problems.push(
          `${where} subscribes twice to stream "${input.stream}" of "${input.component}": Storm keeps one grouping per stream (the second would replace the first), so keep one subscription`,
        );
      }
      subscribed.add(key);
    }
    for (const input of component.inputs) {
      const source = byId.get(input.component);
      if (!source) {
        problems.push(`${where} subscribes to "${input.component}", which is not a component of this topology (known: ${[...byId.keys()].join(', ')})`);
        continue;
      }
      const stream = source.outputs[input.stream];
      if (!stream) {
        const declared = Object.keys(source.outputs);
        problems.push(
          `${where} subscribes to stream "${input.stream}" of "${source.id}", which declares ${declared.length ? `only ${declared.map((s) => `"${s}"`).join(', ')}` : 'no streams'}: declare it in "${source.id}" outputs or subscribe to another stream`,
        );
        continue;
      }
      if (input.grouping.type === 'fields') {
        if (input.grouping.fields.length === 0) problems.push(`${where}: a fields grouping on "${source.id}" needs at least one field (use global() for one task)`);
        for (const field of input.grouping.fields) {
          if (!stream.fields.includes(field)) {
            problems.push(`${where} groups "${source.id}"/"${input.stream}" by field "${field}", which that stream does not declare (its fields: ${stream.fields.join(', ') || 'none'})`);
          }
        }
      }
      if (input.grouping.type === 'direct' && !stream.direct) {
        problems.push(`${where} uses a direct grouping on "${source.id}"/"${input.stream}", which is not declared direct: declare it { fields: [...], direct: true }`);
      }
      if (input.grouping.type !== 'direct' && stream.direct) {
        problems.push(`${where} subscribes to direct stream "${source.id}"/"${input.stream}" with a ${input.grouping.type} grouping: use direct()`);
      }
    }
  }
  return problems;
}

export function assertValidTopology(spec: TopologySpec): void {
  const problems = validateTopology(spec);
  if (problems.length > 0) throw new TopologyValidationError(spec.name, problems);
}

function checkConfig(config: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  try {
    const roundTrip = JSON.stringify(JSON.parse(JSON.stringify(config)));
    if (roundTrip !== JSON.stringify(config)) throw new Error('changed');
  } catch {
    return [`${where} does not survive a JSON round trip (Storm sends it as JSON): use plain strings, numbers, booleans, lists and objects`];
  }
  // Each key's rule from the one table (config/keys.ts): Storm's own checks for Storm's keys, squall's for its own.
  for (const [key, value] of Object.entries(config)) {
    const problem = keyProblem(key, value);
    if (problem) problems.push(`${where}: ${problem}`);
  }
  return problems;
}
