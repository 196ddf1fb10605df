/**
 * Where a running topology's worker logs are, and reading them over SSH: `squall tail` shows them, `squall doctor`
 * reads the components' measurement lines from them.
 */
import type { ClusterAccess } from './access.js';
import { execLines, scriptCommand } from '../ssh/remote.js';
import { parseMetricsLine, type TaskMetrics } from '../wire/metrics-line.js';

export interface Located {
  id: string;
  hosts: string[];
  logDir: string;
  /** Whether a worker at host:port belongs to the current assignment (getTopologyInfo). */
  isCurrent: (host: string, port: number) => boolean;
}

/** The topology id, the worker hosts, the log folder and the current assignment. */
export async function locateWorkers(access: ClusterAccess, name: string): Promise<Located> {
  const nimbus = await access.nimbus();
  try {
    const info = await nimbus.getClusterInfo();
    const topology = info.topologies.find((t) => t.name === name);
    if (!topology) {
      throw new Error(`no topology named "${name}" is running (running: ${info.topologies.map((t) => t.name).join(', ') || 'none'})`);
    }
    const hosts = access.env?.workers ?? [...new Set(info.supervisors.map((s) => s.host))];
    if (hosts.length === 0) throw new Error('no worker hosts: list them as "workers" in config.json');
    let logDir = access.env?.log?.path;
    if (!logDir) {
      const conf = await nimbus.getNimbusConf();
      logDir = typeof conf['storm.log.dir'] === 'string' ? conf['storm.log.dir'] : undefined;
    }
    if (!logDir) throw new Error('where are the worker logs? set "log": { "path": "/var/log/storm" } in the environment in config.json');
    const executors = (await nimbus.getTopologyInfo(topology.id, name)).executors;
    const assigned = new Set(executors.map((e) => `${e.host.toLowerCase()}:${e.port}`));
    const assignedHosts = new Set(executors.map((e) => e.host.toLowerCase()));
    const assignedPorts = new Set(executors.map((e) => e.port));
    // "workers" in config.json may name hosts otherwise than Nimbus does (an address for a name): then go by port.
    const isCurrent = (host: string, port: number) =>
      executors.length === 0 || (assignedHosts.has(host.toLowerCase()) ? assigned.has(`${host.toLowerCase()}:${port}`) : assignedPorts.has(port));
    return { id: topology.id, hosts, logDir, isCurrent };
  } finally {
    nimbus.close();
  }
}

/**
 * The remote side of `readMetricLines`: a fixed script, the log folder, topology id and line count as quoted
 * positional parameters; the last lines of each worker.log that carry a measurement.
 */
const METRICS_SCRIPT = `cd "$1/workers-artifacts/$2" 2>/dev/null || exit 0
for log in */worker.log; do [ -e "$log" ] && grep -h -F 'squall.metrics ' -- "$log" | tail -n "$3"; done
exit 0`;

/**
 * How doctor and the dashboard read the topology's measurement lines on a cluster: from the worker logs over SSH,
 * when the environment gives SSH to the workers ("user" or "workers"); undefined when it does not.
 */
export function metricLinesReader(access: ClusterAccess, name: string): (() => Promise<TaskMetrics[]>) | undefined {
  return access.env?.user || access.env?.workers ? () => readMetricLines(access, name) : undefined;
}

/** The measurement lines in the topology's worker logs on every worker host (the newest `perLog` of each log). */
async function readMetricLines(access: ClusterAccess, name: string, perLog = 200): Promise<TaskMetrics[]> {
  const { id, hosts, logDir } = await locateWorkers(access, name);
  const metrics: TaskMetrics[] = [];
  await Promise.all(
    hosts.map(async (host) => {
      const client = await access.sshTo(host);
      const run = await execLines(
        client,
        scriptCommand(METRICS_SCRIPT, [logDir, id, String(perLog)]),
        (line) => {
          const m = parseMetricsLine(line);
          if (m) metrics.push(m);
        },
        () => {},
      );
      await run.done;
    }),
  );
  return metrics;
}
