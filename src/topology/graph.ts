/**
 * A topology as a picture: Graphviz DOT and Mermaid text, one node per component and one edge per subscription.
 * Pure functions over the spec, so `squall visualize` and anyone's docs tooling get the same drawing.
 *
 * Spouts and bolts get different shapes (DOT: ellipse vs box; Mermaid: stadium vs rectangle) because where tuples
 * enter is the first thing a reader looks for. Direct-grouped edges are dashed/dotted: the emitter, not Storm,
 * picks the receiving task, which is worth seeing at a glance.
 */
import type { ComponentSpec, GroupingSpec, InputSpec, TopologySpec } from './spec.js';

/** `shuffle`, `fields(word)`, `localOrShuffle` (named as the builder methods are, so it reads like the code). */
export function groupingLabel(grouping: GroupingSpec): string {
  switch (grouping.type) {
    case 'fields':
      return `fields(${grouping.fields.join(', ')})`;
    case 'local_or_shuffle':
      return 'localOrShuffle';
    default:
      return grouping.type;
  }
}

/** Edge label: the stream only when it is not `default` (most edges carry default; naming it everywhere is noise). */
export function edgeLabel(input: InputSpec): string {
  const grouping = groupingLabel(input.grouping);
  return input.stream === 'default' ? grouping : `${input.stream}: ${grouping}`;
}

/** Node label lines: id, parallelism (and tasks when they differ), and what runs it when it is not squall code. */
export function nodeLabelLines(component: ComponentSpec): string[] {
  const lines = [component.id];
  lines.push(component.tasks === component.parallelism ? `parallelism ${component.parallelism}` : `parallelism ${component.parallelism}, ${component.tasks} tasks`);
  if (component.impl.type === 'shell') lines.push(`(${component.impl.command} ${component.impl.script})`);
  if (component.impl.type === 'java') lines.push(`(java ${component.impl.className})`);
  return lines;
}

// ---------------------------------------------------------------------------------------------------------------
// Graphviz DOT

/**
 * A DOT double-quoted string. Graphviz turns `\"` into `"` and keeps every other backslash pair as is (labels then
 * read `\\` as one backslash and `\n` as a line break), so escaping `\` and `"` is enough for ids and labels alike;
 * raw newlines become `\n` so one id cannot span lines.
 */
export function dotQuote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n')}"`;
}

/** Figures to draw on the graph (`squall doctor --dot`): extra label lines, and components to mark as hot. */
export interface GraphAnnotations {
  lines?: ReadonlyMap<string, string[]>;
  /** Components drawn filled: the ones that hold the topology back. */
  hot?: ReadonlySet<string>;
}

export function toDot(spec: TopologySpec, annotations: GraphAnnotations = {}): string {
  const out = [
    `digraph ${dotQuote(spec.name)} {`,
    '  rankdir=LR;',
    `  label=${dotQuote(spec.name)};`,
    '  labelloc=t;',
    '  node [fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const component of spec.components) {
    // Each line is quoted separately and joined with DOT's own `\n`, so a backslash in a script path stays literal.
    const lines = [...nodeLabelLines(component), ...(annotations.lines?.get(component.id) ?? [])];
    const label = lines.map((line) => dotQuote(line).slice(1, -1)).join('\\n');
    const shape = component.kind === 'spout' ? 'ellipse' : 'box';
    const fill = annotations.hot?.has(component.id) ? ', style=filled, fillcolor="#f4a6a6"' : '';
    out.push(`  ${dotQuote(component.id)} [shape=${shape}, label="${label}"${fill}];`);
  }
  for (const component of spec.components) {
    for (const input of component.inputs) {
      const style = input.grouping.type === 'direct' ? ', style=dashed' : '';
      out.push(`  ${dotQuote(input.component)} -> ${dotQuote(component.id)} [label=${dotQuote(edgeLabel(input))}${style}];`);
    }
  }
  out.push('}');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Mermaid

/**
 * Text inside a Mermaid `"..."` label. Mermaid renders labels as (sanitized) HTML and reads `#name;` as an entity, so
 * `#` goes first, then the characters that would end the string or open a tag.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/&/g, '#amp;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\r?\n|\r/g, ' ');
}

/**
 * Mermaid node ids are positional (`c0`, `c1`, …), not the component ids: Storm ids may contain `-`, `.`, spaces or
 * words Mermaid reserves (`end`, `graph`, `style`, …) that break the flowchart grammar. The real id is in the label.
 */
export function toMermaid(spec: TopologySpec): string {
  const nodeIds = new Map<string, string>();
  spec.components.forEach((component, i) => {
    if (!nodeIds.has(component.id)) nodeIds.set(component.id, `c${i}`);
  });
  // A subscription to a component the spec lacks (an invalid topology) still gets a node, so the drawing shows it.
  let extra = spec.components.length;
  for (const component of spec.components) {
    for (const input of component.inputs) if (!nodeIds.has(input.component)) nodeIds.set(input.component, `c${extra++}`);
  }

  const out = ['---', `title: ${JSON.stringify(spec.name)}`, '---', 'flowchart LR'];
  for (const component of spec.components) {
    const label = nodeLabelLines(component).map(mermaidText).join('<br/>');
    const [open, close] = component.kind === 'spout' ? ['(["', '"])'] : ['["', '"]'];
    out.push(`  ${nodeIds.get(component.id)}${open}${label}${close}`);
  }
  const declared = new Set(spec.components.map((c) => c.id));
  for (const [id, nodeId] of nodeIds) if (!declared.has(id)) out.push(`  ${nodeId}["${mermaidText(id)}<br/>(not declared)"]`);
  for (const component of spec.components) {
    for (const input of component.inputs) {
      const arrow = input.grouping.type === 'direct' ? '-.->' : '-->';
      out.push(`  ${nodeIds.get(input.component)} ${arrow}|"${mermaidText(edgeLabel(input))}"| ${nodeIds.get(component.id)}`);
    }
  }
  return out.join('\n') + '\n';
}
