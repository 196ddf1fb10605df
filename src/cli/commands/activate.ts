import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { addClusterOptions } from '../cluster-options.js';
import { withNimbus } from '../with-nimbus.js';

export function registerActivate(program: Command): void {
  addClusterOptions(
    program
      .command('activate')
      .argument('<name>', 'name of the topology')
      .description('activate a deactivated (or --inactive submitted) topology: its spouts start emitting'),
  )
    .addHelpText('after', '\nExample:\n  squall activate wordcount -e prod\n')
    .action(async (name: string, options: AccessOptions) => {
      await withNimbus(options, (nimbus) => nimbus.activate(name));
      process.stdout.write(`activated ${name}\n`);
    });
}
