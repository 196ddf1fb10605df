import { Option, type Command } from 'commander';
import { withTopology } from '../../packaging/load.js';
import { toDot, toMermaid } from '../../topology/graph.js';
import { projectCommand } from '../shared-options.js';

type Format = 'mermaid' | 'dot';

export function registerVisualize(program: Command): void {
  projectCommand(program, 'visualize', "draw a topology's components and streams as a Mermaid or Graphviz DOT graph (printed to stdout)")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .addHelpText(
      'after',
      `
One node per component: spouts are rounded (Mermaid) or ellipses (DOT), bolts are boxes. Each node shows the id,
the parallelism (and tasks when different), and the command for shell and Java components. Each edge is one
subscription, labelled with its grouping, e.g. shuffle or fields(word), prefixed by the stream when it is not
"default"; direct-grouped edges are dotted (dashed in DOT). The topology is bundled and validated first, as for run.

Examples:
  squall visualize examples/wordcount                   Mermaid: paste into a \`\`\`mermaid block in Markdown
                                                        (GitHub renders it) or into https://mermaid.live
  squall visualize examples/wordcount > docs/wordcount.mmd
  squall visualize topologies/clicks.ts --format dot | dot -Tsvg -o clicks.svg
                                                        DOT: render with Graphviz (dot -Tpng, -Tsvg, …)
`,
    )
    .action(async (target: string, options: { format: Format }) => {
      process.stdout.write(await visualize(target, options.format));
    });
}

function visualize(target: string, format: Format): Promise<string> {
  return withTopology(target, {}, ({ spec }) => (format === 'dot' ? toDot(spec) : toMermaid(spec)));
}
