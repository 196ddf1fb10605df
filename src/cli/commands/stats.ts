import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { withCluster } from '../../cluster/access.js';
import { StormUiClient } from '../../ui/client.js';
import { formatComponentStats, formatTopologyStats, shellComponentsOf, toJson } from '../../ui/stats-report.js';
import { addClusterOptions } from '../cluster-options.js';
import { nameOrBundleProject } from '../name-or-bundle-project.js';

interface StatsOptions extends AccessOptions {
  component?: string;
  json: boolean;
  window: string;
}

export function registerStats(program: Command): void {
  addClusterOptions(
    program
      .command('stats')
      .argument('[name]', 'running topology (default: the project topology’s name)')
      .description("a topology's statistics from the Storm UI: per component, or per executor with -c, and its bottleneck")
      .option('-c, --component <id>', 'per-executor figures of one component')
      .option('--window <secs>', "statistics window: 600, 10800, 86400 or ':all-time'", '600')
      .option('--json', 'print JSON for machines', false),
  )
    .addHelpText(
      'after',
      `
Reads the Storm UI REST API (through the SSH tunnel when the environment uses one). Capacity near 1.0 means an
executor is busy the whole window: the busiest bolt is named as the bottleneck. Counts are sampled by Storm
(topology.stats.sample.rate); for shell bolts (all squall bolts) executeLatency is only the hand-off to the
subprocess, so squall also weighs processLatency.

Examples:
  squall stats wordcount -e prod
  squall stats wordcount -c count --window 10800
  squall stats --json > stats.json
`,
    )
    .action(async (name: string | undefined, options: StatsOptions) => {
      const topology = await nameOrBundleProject(name);
      await withCluster(options, async (access) => {
        const ui = new StormUiClient(await access.uiBaseUrl(), { timeoutMs: (options.timeout ?? 10) * 1000 });
        // Through SSH, a UI that is not there shows as a refused forward: name that step, not the local tunnel URL.
        const { id } = await ui.findTopology(topology.name).catch(async (err: unknown) => {
          throw (await access.forwardFailure('the Storm UI', 'ui')) ?? err;
        });
        const window = options.window === ':all-time' ? ':all-time' : Number(options.window);
        const report = topology.spec ? { shellComponents: shellComponentsOf(topology.spec) } : {};
        if (options.component) {
          const component = await ui.component(id, options.component, window as number);
          process.stdout.write(options.json ? toJson(component, report) : formatComponentStats(component, report));
        } else {
          const stats = await ui.topology(id, window);
          process.stdout.write(options.json ? toJson(stats, report) : formatTopologyStats(stats, report));
        }
      });
    });
}
