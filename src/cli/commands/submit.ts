import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { AccessOptions, ClusterAccess } from '../../cluster/access.js';
import { withCluster } from '../../cluster/access.js';
import type { NimbusClient } from '../../nimbus/client.js';
import { buildJar, workerCommand } from '../../packaging/jar.js';
import { loadTopology } from '../../packaging/load.js';
import { temporaryFolder } from '../../process/cleanup.js';
import { directEmitProblem, directEmitsBreakOn, multilangDirectStreams } from '../../topology/direct-emits.js';
import type { TopologySpec } from '../../topology/spec.js';
import { addClusterOptions, collectConcurrency, collectParallelism, collectTasks, wholeSeconds } from '../cluster-options.js';
import { collectOption } from '../options.js';
import { NO_TYPECHECK, reportTypecheck } from '../typecheck-option.js';

export interface SubmitOptions extends AccessOptions {
  name?: string;
  force: boolean;
  inactive: boolean;
  option: Record<string, unknown>;
  parallelism: Record<string, number>;
  tasks: Record<string, number>;
  concurrency: Record<string, number>;
  wait?: number;
  bundleNode: boolean;
  /** Type-check the project first (the CLI's default); unset, as for doctor's redeploys, it is not checked. */
  typecheck?: boolean;
}

export function registerSubmit(program: Command): void {
  addClusterOptions(
    program
      .command('submit')
      .argument('[topology]', 'topology file, or a folder with topology.ts / topologies/<one>.ts', '.')
      .description('validate, package and submit a topology to a Storm cluster (Nimbus over Thrift, through SSH when configured)')
      .option('-n, --name <name>', 'submit under this name (default: the name in the topology)')
      .option('-f, --force', 'kill a running topology of that name first, and wait until it is gone', false)
      .option('--inactive', 'submit deactivated; start it later with squall activate', false)
      .option('-o, --option <key=value>', 'topology config, repeatable (beats the topology config, which beats the environment options)', collectOption, {})
      .option('-p, --parallelism <component=N>', 'executors of a component, repeatable (overrides the topology)', collectParallelism, {})
      .option('--tasks <component=N>', 'tasks of a component, repeatable: the most executors a rebalance can give it later', collectTasks, {})
      .option('--concurrency <bolt=N>', 'tuples one task of a bolt works on at once ("squall.concurrency" in its config), repeatable', collectConcurrency, {})
      .option('--wait <secs>', 'with --force: seconds the old topology gets to finish in-flight tuples (default 0)', wholeSeconds)
      .option('--bundle-node', 'ship this Node.js binary in the JAR, for workers without Node', false)
      .option(...NO_TYPECHECK),
  )
    .addHelpText(
      'after',
      `
Steps: type-check the project (--no-typecheck skips it), bundle and validate (the checks Nimbus makes), build
the JAR, find the leader Nimbus (getLeader), check its Storm version (getClusterInfo: from 2.6.0 on, a direct
emit from a squall or shell component kills the worker, so such a topology is refused), upload the JAR in
307,200-byte chunks, submitTopologyWithOpts. Workers run squall components as [node, bundle] (the environment's
"node_command" replaces node), or [sh, squall-node.sh] with --bundle-node.

Examples:
  squall submit -e prod
  squall submit topologies/wordcount.ts -e prod -n wordcount-v2 -o topology.workers=4
  squall submit --nimbus 127.0.0.1:6627 --force --wait 10
`,
    )
    .action(async (target: string, options: SubmitOptions) => {
      await withCluster(options, (access) => submitProject(access, target, options));
    });
}

/**
 * Bundle, validate, package and submit the topology at `target` (the whole of `squall submit`); `squall doctor
 * --apply` redeploys a plan through it, so there is one submit path.
 */
export async function submitProject(access: ClusterAccess, target: string, options: SubmitOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  process.stderr.write(`squall: bundling and validating ${target} …\n`);
  const loaded = await loadTopology(target, {
    config: { environment: access.env, commandLine: options.option, parallelism: options.parallelism, tasks: options.tasks, concurrency: options.concurrency },
    name: options.name,
    ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
  });
  reportTypecheck(loaded);
  const { spec } = loaded;
  const { name, config } = spec;
  const dir = temporaryFolder('squall-submit-');
  try {
    const jar = await buildJar(loaded, join(dir.path, `${name}.jar`), {
      bundleNode: options.bundleNode,
      onStep: (message) => process.stderr.write(`squall: ${message} …\n`),
    });
    const nimbus = await access.nimbus(Math.max(access.timeoutMs, 60_000));
    try {
      await refuseDirectEmits(nimbus, spec);
      if (options.force) await killAndWait(nimbus, name, options.wait ?? 0, (options.timeout ?? 10) + 60);
      const location = await upload(nimbus, jar.file, jar.bytes);
      const command = workerCommand({ bundleNode: options.bundleNode, nodeCommand: access.env?.node_command });
      await nimbus.submitTopology(name, location, JSON.stringify(config), spec, { nodeCommand: command.command, bundleScript: command.script }, { inactive: options.inactive });
      out.write(`submitted ${name} to ${nimbus.address}${access.envName ? ` (${access.envName})` : ''}, ${options.inactive ? 'INACTIVE' : 'ACTIVE'}\n`);
    } finally {
      nimbus.close();
    }
  } finally {
    dir.remove();
    loaded.release();
  }
}

/**
 * Multi-lang direct emits kill the worker on Storm 2.6.0 and later: ask Nimbus which Storm it runs (its
 * NimbusSummary version) and refuse before anything is uploaded or killed. A version that cannot be read is
 * only warned about.
 */
async function refuseDirectEmits(nimbus: NimbusClient, spec: TopologySpec): Promise<void> {
  const streams = multilangDirectStreams(spec);
  if (streams.length === 0) return;
  const nimbuses = (await nimbus.getClusterInfo()).nimbuses;
  const version = (nimbuses.find((n) => n.isLeader) ?? nimbuses[0])?.version ?? '';
  const broken = directEmitsBreakOn(version);
  if (broken === false) return;
  if (broken === undefined) {
    process.stderr.write(`squall: warning: Nimbus reports a Storm version squall cannot read (${JSON.stringify(version)}); if it is 2.6.0 or later: ${directEmitProblem(streams)}\n`);
    return;
  }
  throw new Error(`refusing to submit ${spec.name} to Storm ${version}: ${directEmitProblem(streams, version)}`);
}

/** Upload with a progress bar on a terminal, a line per quarter otherwise. */
async function upload(nimbus: NimbusClient, file: string, bytes: number): Promise<string> {
  const mib = (n: number) => (n / 1048576).toFixed(1);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 'squall: uploading [{bar}] {percentage}% {sent}/{size} MiB', hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(bytes, 0, { sent: mib(0), size: mib(bytes) });
  let reported = 0;
  try {
    return await nimbus.uploadJar(file, (sent, total) => {
      bar?.update(sent, { sent: mib(sent), size: mib(total) });
      if (!bar && (sent === total || sent - reported >= total / 4)) {
        reported = sent;
        process.stderr.write(`squall: uploaded ${mib(sent)}/${mib(total)} MiB\n`);
      }
    });
  } finally {
    bar?.stop();
  }
}

/** --force: kill the running topology of that name and wait until Nimbus no longer lists it. */
async function killAndWait(nimbus: NimbusClient, name: string, waitSecs: number, limitSecs: number): Promise<void> {
  const running = (await nimbus.getClusterInfo()).topologies.some((t) => t.name === name);
  if (!running) return;
  process.stderr.write(`squall: killing the running ${name} (wait ${waitSecs}s) …\n`);
  await nimbus.killTopology(name, waitSecs);
  const deadline = Date.now() + (waitSecs + limitSecs) * 1000;
  while ((await nimbus.getClusterInfo()).topologies.some((t) => t.name === name)) {
    if (Date.now() > deadline) throw new Error(`${name} is still listed by Nimbus ${waitSecs + limitSecs}s after the kill; check it with squall list, then submit again`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
