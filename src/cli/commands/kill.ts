import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { addClusterOptions, wholeSeconds } from '../cluster-options.js';
import { withNimbus } from '../with-nimbus.js';
import { namedTopologyCommand } from '../shared-options.js';

export function registerKill(program: Command): void {
  addClusterOptions(
    namedTopologyCommand(program, 'kill', 'kill a running topology: spouts are deactivated, then its workers stop')
      .option('--wait <secs>', 'seconds between deactivation and shutdown (default: the topology message timeout)', wholeSeconds),
  )
    .addHelpText('after', '\nExamples:\n  squall kill wordcount -e prod\n  squall kill wordcount --wait 0 --nimbus nimbus.example.com\n')
    .action(async (name: string, options: AccessOptions & { wait?: number }) => {
      await withNimbus(options, (nimbus) => nimbus.killTopology(name, options.wait));
      process.stdout.write(`killed ${name}${options.wait === undefined ? '' : ` (after ${options.wait}s)`}\n`);
    });
}
