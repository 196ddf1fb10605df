import { basename } from 'node:path';
import type { Command } from 'commander';
import type { AccessOptions } from '../../cluster/access.js';
import { withCluster } from '../../cluster/access.js';
import { metricLinesReader } from '../../cluster/worker-logs.js';
import { createDashboard } from '../../dashboard/server.js';
import { appendRecord, readRecords } from '../../dashboard/record.js';
import { createReplay } from '../../dashboard/replay.js';
import { serveDashboard, type Served } from '../../dashboard/serve.js';
import { uiSource, type UiSourceOptions } from '../../dashboard/source.js';
import type { TopologySpec } from '../../topology/spec.js';
import { StormUiClient } from '../../ui/client.js';
import { addClusterOptions } from '../cluster-options.js';
import { portNumber, positiveNumber } from '../options.js';
import { projectTopology } from '../target-topology.js';
import { GROUPINGS_PROJECT, READ_UI, runningTopologyCommand, targetFlags } from '../shared-options.js';

interface UiOptions extends AccessOptions {
  ui?: string;
  topology: string;
  port: number;
  host: string;
  every: number;
  record?: string;
  replay?: string;
}

/** Where `squall ui` listens unless told: next to the Storm UI's 8080. */
const DEFAULT_PORT = 8090;
/** Seconds between readings of a cluster while a page is open: its UI's figures change every few seconds at most. */
const DEFAULT_EVERY_SECS = 5;

export function registerUi(program: Command): void {
  addClusterOptions(
    runningTopologyCommand(program, 'ui', "a live dashboard of a topology on a cluster: its graph coloured by true utilization, its tasks, doctor's findings and a what-if panel")
      .option(...GROUPINGS_PROJECT)
      .option(...READ_UI)
      .option('--port <port>', `serve the dashboard on this port (0: any free one)`, portNumber('--port'), DEFAULT_PORT)
      .option('--host <host>', 'serve the dashboard on this address (anything but loopback lets others see it)', '127.0.0.1')
      .option('--every <secs>', 'seconds between readings while a page is open', positiveNumber, DEFAULT_EVERY_SECS)
      .option('--record <file>', 'append every reading to FILE as one NDJSON record (the topology is then read all the time)')
      .option('--replay <file>', 'show the readings a --record wrote, with a slider over the recorded moments (reads no cluster)'),
  )
    .addHelpText(
      'after',
      `
The dashboard reads what \`squall doctor\` reads: the Storm UI's REST API, and the components' measurement lines
from the worker logs over SSH when the environment has "user" or "workers" (without SSH, the UI's counts alone:
the page marks those figures coarse and says why). It reads only while a page is open, serves everything itself
(no CDN), and changes nothing on the cluster: the what-if panel only prints the command that would.

A recorded moment is one consistent cut of what was read, stamped by this machine's clock when the reading was
done, whatever the workers' clocks say.

Examples:
  squall ui wordcount -e prod             then open http://127.0.0.1:${DEFAULT_PORT}/
  squall ui --ui http://storm-ui:8080 --port 0
  squall ui wordcount -e prod --record wordcount.ndjson
  squall ui --replay wordcount.ndjson
`,
    )
    .action(async (name: string | undefined, options: UiOptions) => {
      process.exitCode = await ui(name, options);
    });
}

async function ui(name: string | undefined, options: UiOptions): Promise<number> {
  if (options.replay !== undefined) {
    const given = [name && `"${name}"`, options.ui && '--ui', options.environment && '-e', options.nimbus && '--nimbus', options.record && '--record'].filter(Boolean);
    if (given.length) throw new Error(`--replay shows a recorded file and reads no cluster: leave out ${given.join(', ')}`);
    const dashboard = createReplay(readRecords(options.replay), basename(options.replay));
    return serveUntilStopped(await serveDashboard(dashboard, options.port, options.host), `replay of ${options.replay}`);
  }
  const project = await projectTopology(options.topology, 'ui');
  const topology = name ?? project.name;
  const timeoutMs = (options.timeout ?? 10) * 1000;
  const where = targetFlags(options);
  const sourceOptions = (source: string): UiSourceOptions => ({ source, context: { topology, target: where, project: { path: options.topology, spec: project } } });
  if (options.ui) {
    return serveLive(topology, project, new StormUiClient(options.ui, { timeoutMs }), sourceOptions(options.ui), options);
  }
  return withCluster(options, async (access) => {
    const fromLogs = metricLinesReader(access, topology);
    if (!fromLogs) process.stderr.write('squall: no SSH to the workers in this environment ("user", "workers"): the figures are the Storm UI\'s counts alone\n');
    const base = await access.uiBaseUrl();
    return serveLive(topology, project, new StormUiClient(base, { timeoutMs }), { ...sourceOptions(`${where} (${base})`), ...(fromLogs ? { fromLogs } : {}) }, options);
  });
}

async function serveLive(topology: string, project: TopologySpec, client: StormUiClient, source: UiSourceOptions, options: UiOptions): Promise<number> {
  // Fail now, not in the page, when the topology is not there.
  await client.findTopology(topology);
  const record = options.record;
  const dashboard = createDashboard(uiSource(client, topology, project, source), {
    everySecs: options.every,
    ...(record ? { onReading: (state, point) => appendRecord(record, state, point) } : {}),
  });
  const served = await serveDashboard(dashboard, options.port, options.host);
  if (record) process.stderr.write(`squall: recording every reading to ${record}\n`);
  return serveUntilStopped(served, `dashboard of ${topology}`);
}

async function serveUntilStopped(served: Served, what: string): Promise<number> {
  process.stderr.write(`squall: ${what} at ${served.url}/ (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await served.close();
  return 0;
}
