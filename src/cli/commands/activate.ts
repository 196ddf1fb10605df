import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { addClusterOptions } from '../cluster-options.js';
import { withNimbus } from '../with-nimbus.js';
import { namedTopologyCommand } from '../shared-options.js';

export function registerActivate(program: Command): void {
  addClusterOptions(
    namedTopologyCommand(program, 'activate', 'activate a deactivated (or --inactive submitted) topology: its spouts start emitting'),
  )
    .addHelpText('after', '\nExample:\n  squall activate wordcount -e prod\n')
    .action(async (name: string, options: AccessOptions) => {
      await withNimbus(options, (nimbus) => nimbus.activate(name));
      process.stdout.write(`activated ${name}\n`);
    });
}
