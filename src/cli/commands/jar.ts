import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildJar } from '../../packaging/jar.js';
import { withTopology } from '../../packaging/load.js';
import { describeTypecheck } from '../../packaging/typecheck.js';
import { printNote, printStep } from '../progress.js';
import { NO_TYPECHECK } from '../typecheck-option.js';
import { BUNDLE_NODE, projectCommand } from '../shared-options.js';

interface JarCommandOptions {
  output?: string;
  bundleNode: boolean;
  typecheck: boolean;
}

export function registerJar(program: Command): void {
  projectCommand(program, 'jar', 'build a self-contained topology JAR: one bundled JS file with every dependency, ready for Nimbus')
    .option('-o, --output <file>', 'where to write the JAR (default: _build/<topology name>.jar)')
    .option(...BUNDLE_NODE)
    .option(...NO_TYPECHECK)
    .addHelpText(
      'after',
      `
First the topology's project is type-checked with its own tsc and tsconfig.json (--no-typecheck skips it).
The JAR holds resources/squall-bundle.mjs (your components and npm dependencies, bundled with esbuild, plus a
source map), resources/squall-topology.mjs (which turns source maps on and loads the bundle), the topology's
declared resources (e.g. Python scripts of shell components) and META-INF/MANIFEST.MF. Workers start squall
components as [node, squall-topology.mjs] in resources/; with --bundle-node as [sh, squall-node.sh], which runs
the bundled node. The same sources give a byte-identical JAR.
Never packed: config.json, .env*, keys, .git, node_modules.

Examples:
  squall jar examples/wordcount
  squall jar topologies/wordcount.ts -o wordcount.jar --bundle-node
`,
    )
    .action(async (target: string, options: JarCommandOptions) => {
      printStep(`bundling ${target}`);
      const jar = await withTopology(target, { typecheck: options.typecheck }, (loaded) => {
        if (loaded.typecheck) printNote(describeTypecheck(loaded.typecheck));
        const out = resolve(options.output ?? join('_build', `${loaded.spec.name}.jar`));
        return buildJar(loaded, out, { bundleNode: options.bundleNode, onStep: printStep });
      });
      for (const path of jar.skipped) printNote(`left out ${path} (secrets and local files never go in a JAR)`);
      process.stdout.write(`${jar.file} (${(jar.bytes / 1024).toFixed(0)} KiB, ${jar.entries.length} entries)\n`);
    });
}
