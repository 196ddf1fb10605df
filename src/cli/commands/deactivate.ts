import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { addClusterOptions } from '../cluster-options.js';
import { withNimbus } from '../with-nimbus.js';
import { namedTopologyCommand } from '../shared-options.js';

export function registerDeactivate(program: Command): void {
  addClusterOptions(
    namedTopologyCommand(program, 'deactivate', 'deactivate a topology: spouts stop emitting, in-flight tuples finish; squall activate resumes'),
  )
    .addHelpText('after', '\nExample:\n  squall deactivate wordcount -e prod\n')
    .action(async (name: string, options: AccessOptions) => {
      await withNimbus(options, (nimbus) => nimbus.deactivate(name));
      process.stdout.write(`deactivated ${name}\n`);
    });
}
