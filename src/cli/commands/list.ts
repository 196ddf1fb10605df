import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { addClusterOptions } from '../cluster-options.js';
import { withNimbus } from '../with-nimbus.js';

export function registerList(program: Command): void {
  addClusterOptions(program.command('list').description('list the topologies running on the cluster'))
    .option('--json', 'print JSON for machines', false)
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
          ...topologies.map((t) => [t.name, t.status, uptime(t.uptimeSecs), String(t.numWorkers), String(t.numExecutors), String(t.numTasks), t.id]),
        ];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        for (const row of rows) process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
      });
    });
}

function uptime(secs: number): string {
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${secs % 60}s`;
}
