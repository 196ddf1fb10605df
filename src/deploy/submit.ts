/**
 * `squall submit` below the CLI: bundle, validate, package and submit a project's topology to a Storm cluster. Progress
 * goes to the caller's callbacks (as `buildJar`'s `onStep`), so the CLI prints it and `squall doctor --apply`
 * redeploys through the same path with its own progress lines.
 */
import { join } from 'node:path';
import type { AccessOptions, ClusterAccess } from '../cluster/access.js';
import { withCluster } from '../cluster/access.js';
import type { NimbusClient } from '../nimbus/client.js';
import { buildJar, workerCommand } from '../packaging/jar.js';
import { loadTopology } from '../packaging/load.js';
import { temporaryFolder } from '../process/cleanup.js';
import { directEmitProblem, directEmitsBreakOn, multilangDirectStreams } from '../topology/direct-emits.js';
import type { TopologySpec } from '../topology/spec.js';
import { describeTypecheck } from '../packaging/typecheck.js';
import type { Progress } from './progress.js';

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

/** What a submit reports while it works; every callback is optional. */
export interface SubmitProgress extends Progress {
  /** Bytes of the JAR uploaded so far, of `total`. */
  onUpload?: (sent: number, total: number) => void;
  /**
   * The submit is over, submitted or failed: whatever shows the upload ends here (a terminal's progress bar would
   * otherwise stay, cursor hidden, when the upload fails part way). Called once per submit, also for a redeploy.
   */
  onEnd?: () => void;
}

export interface Submitted {
  name: string;
  /** The Nimbus it went to (host:port). */
  nimbus: string;
  /** The environment's name in config.json, when one was used. */
  envName?: string;
  active: boolean;
}

/** `submitted wordcount to 10.0.0.5:6627 (prod), ACTIVE`: the line a submit ends with. */
export function describeSubmitted(s: Submitted): string {
  return `submitted ${s.name} to ${s.nimbus}${s.envName ? ` (${s.envName})` : ''}, ${s.active ? 'ACTIVE' : 'INACTIVE'}`;
}

/**
 * Bundle, validate, package and submit the topology at `target` (the whole of `squall submit`); `squall doctor
 * --apply` redeploys a plan through it, so there is one submit path.
 */
export async function submitProject(access: ClusterAccess, target: string, options: SubmitOptions, progress: SubmitProgress = {}): Promise<Submitted> {
  try {
    return await submitSteps(access, target, options, progress);
  } finally {
    progress.onEnd?.();
  }
}

async function submitSteps(access: ClusterAccess, target: string, options: SubmitOptions, progress: SubmitProgress): Promise<Submitted> {
  const { onStep, onNote } = progress;
  onStep?.(`bundling and validating ${target}`);
  const loaded = await loadTopology(target, {
    config: { environment: access.env, commandLine: options.option, parallelism: options.parallelism, tasks: options.tasks, concurrency: options.concurrency },
    name: options.name,
    ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
  });
  if (loaded.typecheck) onNote?.(describeTypecheck(loaded.typecheck));
  const { spec } = loaded;
  const { name, config } = spec;
  const dir = temporaryFolder('squall-submit-');
  try {
    const jar = await buildJar(loaded, join(dir.path, `${name}.jar`), {
      bundleNode: options.bundleNode,
      ...(onStep ? { onStep } : {}),
    });
    const nimbus = await access.nimbus(Math.max(access.timeoutMs, 60_000));
    try {
      await refuseDirectEmits(nimbus, spec, onNote);
      if (options.force) await killAndWait(nimbus, name, options.wait ?? 0, (options.timeout ?? 10) + 60, onStep);
      const location = await nimbus.uploadJar(jar.file, progress.onUpload);
      const command = workerCommand({ bundleNode: options.bundleNode, nodeCommand: access.env?.node_command });
      await nimbus.submitTopology(name, location, JSON.stringify(config), spec, { nodeCommand: command.command, bundleScript: command.script }, { inactive: options.inactive });
      return { name, nimbus: nimbus.address, ...(access.envName ? { envName: access.envName } : {}), active: !options.inactive };
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
async function refuseDirectEmits(nimbus: NimbusClient, spec: TopologySpec, onNote?: (message: string) => void): Promise<void> {
  const streams = multilangDirectStreams(spec);
  if (streams.length === 0) return;
  const nimbuses = (await nimbus.getClusterInfo()).nimbuses;
  const version = (nimbuses.find((n) => n.isLeader) ?? nimbuses[0])?.version ?? '';
  const broken = directEmitsBreakOn(version);
  if (broken === false) return;
  if (broken === undefined) {
    onNote?.(`warning: Nimbus reports a Storm version squall cannot read (${JSON.stringify(version)}); if it is 2.6.0 or later: ${directEmitProblem(streams)}`);
    return;
  }
  throw new Error(`refusing to submit ${spec.name} to Storm ${version}: ${directEmitProblem(streams, version)}`);
}

/** --force: kill the running topology of that name and wait until Nimbus no longer lists it. */
async function killAndWait(nimbus: NimbusClient, name: string, waitSecs: number, limitSecs: number, onStep?: (message: string) => void): Promise<void> {
  const running = (await nimbus.getClusterInfo()).topologies.some((t) => t.name === name);
  if (!running) return;
  onStep?.(`killing the running ${name} (wait ${waitSecs}s)`);
  await nimbus.killTopology(name, waitSecs);
  const deadline = Date.now() + (waitSecs + limitSecs) * 1000;
  while ((await nimbus.getClusterInfo()).topologies.some((t) => t.name === name)) {
    if (Date.now() > deadline) throw new Error(`${name} is still listed by Nimbus ${waitSecs + limitSecs}s after the kill; check it with squall list, then submit again`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
