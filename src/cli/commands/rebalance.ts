import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { addClusterOptions, collectParallelism, wholeSeconds } from '../cluster-options.js';
import { withNimbus } from '../with-nimbus.js';
import { namedTopologyCommand } from '../shared-options.js';

interface RebalanceOptions extends AccessOptions {
  parallelism: Record<string, number>;
  workers?: number;
  wait?: number;
}

export function registerRebalance(program: Command): void {
  addClusterOptions(
    namedTopologyCommand(program, 'rebalance', 'spread a running topology over its workers again, optionally with new executor and worker counts')
      .option('-p, --parallelism <component=N>', 'executors for a component (repeatable; at most its task count)', collectParallelism, {})
      .option('-w, --workers <N>', 'number of worker processes', (raw: string) => {
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1) throw new Error(`-w expects a whole number of workers, got "${raw}"`);
        return n;
      })
      .option('--wait <secs>', 'seconds the topology stays deactivated before moving (default: the message timeout)', wholeSeconds),
  )
    .addHelpText(
      'after',
      `
A component can have at most as many executors as tasks. Tasks are fixed at submit (a component's "tasks"
option), so leave head-room there if you plan to scale. (streamparse has no rebalance; Storm's UI REST endpoint
ignores new parallelism on 2.x, so squall uses Nimbus's Thrift rebalance.)

Examples:
  squall rebalance wordcount -p count=4 -p split=4 -e prod
  squall rebalance wordcount -w 3 --wait 10
`,
    )
    .action(async (name: string, options: RebalanceOptions) => {
      const executors = Object.keys(options.parallelism).length > 0 ? options.parallelism : undefined;
      await withNimbus(options, (nimbus) => nimbus.rebalance(name, { waitSecs: options.wait, numWorkers: options.workers, numExecutors: executors }));
      const changes = [...Object.entries(options.parallelism).map(([c, n]) => `${c}=${n}`), ...(options.workers ? [`workers=${options.workers}`] : [])];
      process.stdout.write(`rebalancing ${name}${changes.length ? ` (${changes.join(', ')})` : ''}\n`);
    });
}
