/**
 * The arguments and options several commands take, each written once, so that the same flag reads and parses the
 * same everywhere (as `addClusterOptions`, `addOverrideOptions` and `NO_TYPECHECK` do for theirs).
 */
import { Option, type Command } from 'commander';
import type { AccessOptions } from '../cluster/access.js';

/** A command about a project's topology, `[topology]` (run, jar, visualize, submit): the file or folder, `.` by default. */
export function projectCommand(program: Command, name: string, description: string): Command {
  return program.command(name).argument('[topology]', 'topology file, or a folder with topology.ts / topologies/<one>.ts', '.').description(description);
}

/** A command about a topology that runs, `[name]` (doctor, ui, stats, tail): the project's topology by default. */
export function runningTopologyCommand(program: Command, name: string, description: string): Command {
  return program.command(name).argument('[name]', "running topology (default: the project topology's name)").description(description);
}

/** A Nimbus call on a topology by name, `<name>` (kill, activate, deactivate, rebalance). */
export function namedTopologyCommand(program: Command, name: string, description: string): Command {
  return program.command(name).argument('<name>', 'name of the topology (Nimbus calls take the name, not the id)').description(description);
}

/** `--ui <url>` (doctor, ui, stats): a Storm UI to read instead of the environment's. */
export const READ_UI = ['--ui <url>', 'read this Storm UI (e.g. a local `squall run --ui`) instead of the environment’s'] as const;

/** `--topology <path>` (doctor, ui): the project whose graph gives the groupings a UI does not serve. */
export const GROUPINGS_PROJECT = ['--topology <path>', "the topology's project folder or file, for its groupings", '.'] as const;

/** `--bundle-node` (jar, submit). */
export const BUNDLE_NODE = ['--bundle-node', 'also ship this Node.js binary in the JAR, for workers without Node installed', false] as const;

/** `--json` (list, stats, doctor): an Option, so that a command can add what it conflicts with. */
export function jsonOption(): Option {
  return new Option('--json', 'print JSON for machines').default(false);
}

/** How a command names the cluster it read in what it prints (`-e prod`, `--nimbus host`), or '' for `--ui`. */
export function targetFlags(options: AccessOptions & { ui?: string }): string {
  if (options.ui) return '';
  return options.environment ? `-e ${options.environment}` : options.nimbus ? `--nimbus ${options.nimbus}` : '';
}
