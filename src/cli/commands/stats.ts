import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { withCluster } from '../../cluster/access.js';
import { collect } from '../../doctor/collect.js';
import { diagnose, unevenExecutors } from '../../doctor/findings.js';
import { loadTopology } from '../../packaging/load.js';
import type { TopologySpec } from '../../topology/spec.js';
import { StormUiClient } from '../../ui/client.js';
import { formatComponentStats, formatTopologyStats, shellComponentsOf, toJson, type ReportOptions } from '../../ui/stats-report.js';
import { addClusterOptions } from '../cluster-options.js';
import { observationOf, readTopology } from '../../doctor/read.js';
import { targetTopology } from '../target-topology.js';
import { jsonOption, READ_UI, runningTopologyCommand } from '../shared-options.js';

interface StatsOptions extends AccessOptions {
  component?: string;
  json: boolean;
  window: string;
  ui?: string;
  topology?: string;
}

export function registerStats(program: Command): void {
  addClusterOptions(
    runningTopologyCommand(program, 'stats', "a topology's statistics from the Storm UI: per component, or per executor with -c, and squall doctor's verdict")
      .option('-c, --component <id>', 'per-executor figures of one component')
      .option('--window <secs>', "statistics window: 600, 10800, 86400 or ':all-time'", '600')
      .option(...READ_UI)
      .option('--topology <path>', "the topology's project, for the verdict's groupings (default: the project here, when it is NAME's)")
      .addOption(jsonOption()),
  )
    .addHelpText(
      'after',
      `
Reads the Storm UI REST API (through the SSH tunnel when the environment uses one) and prints its figures. The
verdict (what holds the topology back) is squall doctor's, from the same figures: it needs the topology's groupings,
so it comes when the project is at hand (run in it, or --topology PATH); otherwise stats says how to get it. Counts
are sampled by Storm (topology.stats.sample.rate), not by squall run --ui; for shell bolts (all squall bolts)
executeLatency is only the hand-off to the subprocess.

Examples:
  squall stats wordcount -e prod
  squall stats wordcount -c count --window 10800
  squall stats --ui http://127.0.0.1:8080
  squall stats --json > stats.json
`,
    )
    .action(async (name: string | undefined, options: StatsOptions) => {
      const topology = await targetTopology(name);
      const spec = topology.spec ?? (await projectFor(topology.name, options.topology));
      const timeoutMs = (options.timeout ?? 10) * 1000;
      if (options.ui) return printStats(new StormUiClient(options.ui, { timeoutMs }), topology.name, spec, options);
      await withCluster(options, async (access) => {
        const ui = new StormUiClient(await access.uiBaseUrl(), { timeoutMs });
        // Through SSH, a UI that is not there shows as a refused forward: name that step, not the local tunnel URL.
        await ui.findTopology(topology.name).catch(async (err: unknown) => {
          throw (await access.forwardFailure('the Storm UI', 'ui')) ?? err;
        });
        await printStats(ui, topology.name, spec, options);
      });
    });
}

async function printStats(ui: StormUiClient, name: string, spec: TopologySpec | undefined, options: StatsOptions): Promise<void> {
  const { id } = await ui.findTopology(name);
  const window = options.window === ':all-time' ? ':all-time' : Number(options.window);
  const stats = await ui.topology(id, window);
  // A UI whose topology page names the components' measurements is a `squall run --ui`: it counts every tuple.
  const local = stats.squallMetricsPath !== null;
  const report: ReportOptions = { ...(spec ? { shellComponents: shellComponentsOf(spec) } : {}), sampled: !local, verdict: await verdict(ui, name, spec, options.component) };
  if (options.component) {
    const component = await ui.component(id, options.component, window as number);
    const uneven = component.kind === 'bolt' ? unevenExecutors(component.id, component.executorStats) : null;
    if (uneven && !report.verdict!.includes(uneven.message)) report.verdict = [uneven.message, ...report.verdict!];
    process.stdout.write(options.json ? toJson(component, report) : formatComponentStats(component, report));
  } else {
    process.stdout.write(options.json ? toJson(stats, report) : formatTopologyStats(stats, report));
  }
}

/**
 * squall doctor's findings, from doctor's own reading (UI pages and the components' measurements) and analysis:
 * stats judges nothing itself. Without the project there are no groupings, and so no verdict: say how to get one.
 */
async function verdict(ui: StormUiClient, name: string, spec: TopologySpec | undefined, component?: string): Promise<string[]> {
  if (!spec) return [`verdict: squall doctor ${name} --topology PATH (what holds it back needs the project's groupings; run stats in the project to see it here)`];
  const d = diagnose(collect(observationOf(await readTopology(ui, name, spec), spec)).figures);
  const findings = d.findings.filter((f) => component === undefined || f.component === undefined || f.component === component);
  if (findings.length === 0) return ['verdict (squall doctor): nothing holds this topology back at its current load.'];
  return ['verdict (squall doctor):', ...findings.map((f) => `  - ${f.message}`)];
}

/** The project's topology when it is the one named (its groupings are the running topology's); else none. */
async function projectFor(name: string, path: string | undefined): Promise<TopologySpec | undefined> {
  try {
    const loaded = await loadTopology(path ?? '.');
    if (loaded.spec.name === name || path !== undefined) return loaded.spec;
  } catch (err) {
    if (path !== undefined) throw new Error(`--topology ${path}: ${(err as Error).message}`);
  }
  return undefined;
}
