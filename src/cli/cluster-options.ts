import type { Command } from 'commander';
import { collectOption, positiveNumber } from './options.js';

/** The options every command that talks to a cluster shares. */
export function addClusterOptions(command: Command): Command {
  return command
    .option('-e, --environment <name>', 'environment in config.json (default: the only one)')
    .option('--nimbus <host[:port]>', 'talk to this Nimbus directly (no config.json needed; port 6627 by default)')
    .option('--timeout <secs>', 'give up connecting or waiting for an answer after SECS seconds', positiveNumber, 10);
}

/** The overrides `addOverrideOptions` adds, as commander gives them (each `{}` when not given). */
export interface OverrideOptions {
  option: Record<string, unknown>;
  parallelism: Record<string, number>;
  tasks: Record<string, number>;
  concurrency: Record<string, number>;
}

/** What a command says of its overrides beyond the shared wording: a scope (`--run: `), and a note per option. */
export interface OverrideHelp {
  scope?: string;
  option?: string;
  parallelism?: string;
  tasks?: string;
}

/**
 * The override block `run`, `submit` and `doctor --run` share: `-o key=value`, `-p component=N`, `--tasks
 * component=N`, `--concurrency bolt=N`, each repeatable, parsed and checked the same way everywhere.
 */
export function addOverrideOptions(command: Command, help: OverrideHelp = {}): Command {
  const scope = help.scope ?? '';
  return command
    .option('-o, --option <key=value>', `${scope}topology config, repeatable${help.option ?? ''}`, collectOption, {})
    .option('-p, --parallelism <component=N>', `${scope}executors of a component, repeatable${help.parallelism ?? ''}`, collectParallelism, {})
    .option('--tasks <component=N>', `${scope}${help.tasks ?? 'tasks (processes) of a component, repeatable'}`, collectTasks, {})
    .option('--concurrency <bolt=N>', `${scope}tuples one task of a bolt works on at once${scope ? '' : ' ("squall.concurrency" in its config)'}, repeatable`, collectConcurrency, {});
}

/** `-p component=N`, repeatable. */
export function collectParallelism(raw: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([^=]+)=(\d+)$/.exec(raw);
  if (!match || Number(match[2]) < 1) throw new Error(`-p expects component=EXECUTORS with EXECUTORS at least 1 (e.g. -p count=4), got "${raw}"`);
  return { ...previous, [match[1]!]: Number(match[2]) };
}

/** `--tasks component=N`, repeatable. */
export function collectTasks(raw: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([^=]+)=(\d+)$/.exec(raw);
  if (!match || Number(match[2]) < 1) throw new Error(`--tasks expects component=TASKS with TASKS at least 1 (e.g. --tasks count=8), got "${raw}"`);
  return { ...previous, [match[1]!]: Number(match[2]) };
}

/** `--concurrency bolt=N`, repeatable. */
export function collectConcurrency(raw: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([^=]+)=(\d+)$/.exec(raw);
  if (!match || Number(match[2]) < 1) throw new Error(`--concurrency expects bolt=N with N at least 1 (e.g. --concurrency fetch=8), got "${raw}"`);
  return { ...previous, [match[1]!]: Number(match[2]) };
}

export function wholeSeconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number of seconds, got "${raw}"`);
  return n;
}
