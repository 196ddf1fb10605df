import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { formatDuration } from '../../format/duration.js';
import { table } from '../../format/table.js';
import { addClusterOptions } from '../cluster-options.js';
import { withNimbus } from '../with-nimbus.js';
import { jsonOption } from '../shared-options.js';

export function registerList(program: Command): void {
  addClusterOptions(program.command('list').description('list the topologies running on the cluster'))
    .addOption(jsonOption())
    .addHelpText('after', '\nExamples:\n  squall list -e prod\n  squall list --nimbus nimbus.example.com --json\n')
    .action(async (options: AccessOptions & { json: boolean }) => {
      await withNimbus(options, async (nimbus) => {
        const topologies = (await nimbus.getClusterInfo()).topologies;
        if (options.json) {
          process.stdout.write(JSON.stringify(topologies, null, 2) + '\n');
          return;
        }
        if (topologies.length === 0) {
          process.stdout.write(`no topologies running on ${nimbus.address}\n`);
          return;
        }
        const rows = [
          ['name', 'status', 'uptime', 'workers', 'executors', 'tasks', 'id'],
          ...topologies.map((t) => [t.name, t.status, formatDuration(t.uptimeSecs), String(t.numWorkers), String(t.numExecutors), String(t.numTasks), t.id]),
        ];
        for (const line of table(rows, { leftColumns: 2, lastIsText: true })) process.stdout.write(line + '\n');
      });
    });
}

