import type { Command } from 'commander';
import { withCluster } from '../../cluster/access.js';
import { describeSubmitted, submitProject, type SubmitOptions } from '../../deploy/submit.js';
import { addClusterOptions, addOverrideOptions, wholeSeconds } from '../cluster-options.js';
import { stderrSubmitProgress } from '../progress.js';
import { NO_TYPECHECK } from '../typecheck-option.js';
import { BUNDLE_NODE, projectCommand } from '../shared-options.js';

export function registerSubmit(program: Command): void {
  addClusterOptions(
    addOverrideOptions(
    projectCommand(program, 'submit', 'validate, package and submit a topology to a Storm cluster (Nimbus over Thrift, through SSH when configured)')
      .option('-n, --name <name>', 'submit under this name (default: the name in the topology)')
      .option('-f, --force', 'kill a running topology of that name first, and wait until it is gone', false)
      .option('--inactive', 'submit deactivated; start it later with squall activate', false),
    {
      option: ' (beats the topology config, which beats the environment options)',
      parallelism: ' (overrides the topology)',
      tasks: 'tasks of a component, repeatable: the most executors a rebalance can give it later',
    },
  )
      .option('--wait <secs>', 'with --force: seconds the old topology gets to finish in-flight tuples (default 0)', wholeSeconds)
      .option(...BUNDLE_NODE)
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
      // submitProject ends the upload's progress bar itself, also when the upload fails.
      const submitted = await withCluster(options, (access) => submitProject(access, target, options, stderrSubmitProgress()));
      process.stdout.write(`${describeSubmitted(submitted)}\n`);
    });
}
