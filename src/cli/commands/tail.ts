import type { Command } from 'commander';
import { locateWorkers } from '../../cluster/worker-logs.js';
import { withCluster } from '../../cluster/access.js';
import type { AccessOptions } from '../../cluster/access.js';
import { lostReason, SshError } from '../../ssh/connection.js';
import { execLines, scriptCommand } from '../../ssh/remote.js';
import { addClusterOptions } from '../cluster-options.js';
import { targetTopology } from '../target-topology.js';
import { runningTopologyCommand } from '../shared-options.js';

interface TailOptions extends AccessOptions {
  follow: boolean;
  lines: string;
  pattern?: string;
}

/**
 * The remote side: a fixed script; the log folder, topology id and line count arrive as quoted positional
 * parameters. `tail` headers (==> 6700/worker.log <==) tell which worker port a line came from.
 */
const NO_LOGS = 3;
const TAIL_SCRIPT = `cd "$1/workers-artifacts/$2" 2>/dev/null || { echo "no worker logs of $2 under $1 on this host" >&2; exit ${NO_LOGS}; }
lines=$3; mode=$4
set -- */worker.log
[ -e "$1" ] || { echo "no worker.log under $PWD" >&2; exit ${NO_LOGS}; }
if [ "$mode" = follow ]; then exec tail -v -n "$lines" -F -- "$@"; fi
exec tail -v -n "$lines" -- "$@"`;

export function registerTail(program: Command): void {
  addClusterOptions(
    runningTopologyCommand(program, 'tail', "read a topology's worker logs on every worker host in parallel, over SSH")
      .option('-f, --follow', 'keep following new lines until Ctrl-C', false)
      .option('-n, --lines <N>', 'lines to show from the end of each log', '20')
      .option('--pattern <regex>', 'only lines matching this regular expression'),
  )
    .addHelpText(
      'after',
      `
Worker hosts come from the environment's "workers", or else from Nimbus's supervisors; logs are read under the
environment's "log.path" (else Nimbus's storm.log.dir) at workers-artifacts/<topology id>/<port>/worker.log.
Each line is prefixed with host:port.

Examples:
  squall tail wordcount -e prod -n 100
  squall tail -f --pattern 'ERROR|WARN'
`,
    )
    .action(async (name: string | undefined, options: TailOptions) => {
      if (!/^\d+$/.test(options.lines)) throw new Error(`-n expects a number of lines, got "${options.lines}"`);
      const pattern = options.pattern === undefined ? undefined : toRegex(options.pattern);
      const topology = await targetTopology(name);
      await withCluster(options, async (access) => {
        if (!access.env) throw new Error('tail reads worker logs over SSH: use an environment from config.json (-e NAME) with "user" and "workers"');
        const { id, hosts, logDir, isCurrent } = await locateWorkers(access, topology.name);
        process.stderr.write(`squall: ${topology.name} (${id}) on ${hosts.join(', ')}${options.follow ? ' (Ctrl-C to stop)' : ''}\n`);
        const failures: string[] = [];
        const lost: string[] = [];
        let hostsWithLogs = 0;
        await Promise.all(
          hosts.map(async (host) => {
            const client = await access.sshTo(host);
            let port = '?';
            let prefix = `${host}:?`;
            const run = await execLines(
              client,
              scriptCommand(TAIL_SCRIPT, [logDir, id, options.lines, options.follow ? 'follow' : 'once']),
              (line) => {
                const header = /^==> (\d+)\/worker\.log <==$/.exec(line);
                if (header) {
                  port = header[1]!;
                  // Logs of workers from an earlier assignment (before a rebalance) stay on disk: say so.
                  prefix = isCurrent(host, Number(port)) ? `${host}:${port}` : `${host}:${port} (old worker)`;
                } else if (line !== '' && (!pattern || pattern.test(line))) process.stdout.write(`${prefix} | ${line}\n`);
              },
              (line) => failures.push(`${host}: ${line}`),
            );
            try {
              if ((await run.done) !== NO_LOGS) hostsWithLogs++;
            } catch (err) {
              if (!(err instanceof SshError) || access.closed) return;
              hostsWithLogs++;
              lost.push(host);
              const reason = lostReason(client);
              if (reason) failures.push(`${host}: ${reason}`);
            }
          }),
        );
        for (const failure of failures) process.stderr.write(`squall: ${failure}\n`);
        if (lost.length) {
          throw new Error(`the SSH connection to ${lost.join(', ')} was lost${options.follow ? ' while following' : ' while reading'} the logs; run squall tail again once the host is reachable`);
        }
        if (hostsWithLogs === 0) throw new Error(`no worker logs of ${topology.name} (${id}) on ${hosts.join(', ')} under ${logDir}: check "workers" and "log.path" in config.json`);
      });
    });
}

function toRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new Error(`--pattern is not a valid regular expression: ${(err as Error).message}`);
  }
}
