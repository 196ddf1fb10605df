import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerDoctor } from './commands/doctor.js';
import { registerJar } from './commands/jar.js';
import { registerActivate } from './commands/activate.js';
import { registerDeactivate } from './commands/deactivate.js';
import { registerKill } from './commands/kill.js';
import { registerRebalance } from './commands/rebalance.js';
import { registerList } from './commands/list.js';
import { registerQuickstart } from './commands/quickstart.js';
import { registerRun } from './commands/run.js';
import { registerStats } from './commands/stats.js';
import { registerSubmit } from './commands/submit.js';
import { registerTail } from './commands/tail.js';
import { registerVisualize } from './commands/visualize.js';
import { registerUi } from './commands/ui.js';

/** squall's command line: one module per command under ./commands, registered here. */
export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('squall')
    .version(pkg.version, '-V, --version', 'print the squall version')
    .description('Apache Storm topologies in TypeScript: write spouts and bolts, run them locally, ship them to a cluster.')
    .showHelpAfterError('(run with --help for usage)');
  program.addHelpText(
    'after',
    `
Components are TypeScript classes (Spout, Bolt) speaking Storm's multi-lang protocol on stdin/stdout:

  import { Bolt, runComponent, type Tuple } from 'squall';
  class Split extends Bolt<{ sentence: string }> {
    process(tuple: Tuple<{ sentence: string }>) {
      for (const word of tuple.get('sentence').split(' ')) this.emit([word]);
    }
  }
  runComponent(Split);
`,
  );
  registerQuickstart(program);
  registerRun(program);
  registerJar(program);
  registerVisualize(program);
  registerSubmit(program);
  registerList(program);
  registerKill(program);
  registerActivate(program);
  registerDeactivate(program);
  registerRebalance(program);
  registerTail(program);
  registerStats(program);
  registerDoctor(program);
  registerUi(program);
  return program;
}

/**
 * Parse `argv` and run the command (bin/squall.js calls this; importing the module runs nothing, so tests build the
 * program in-process). Errors users can act on carry their fix in the message; a stack trace would bury it
 * (SQUALL_DEBUG=1 shows it).
 */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const message = err instanceof Error ? (process.env.SQUALL_DEBUG ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`squall: ${message}\n`);
    process.exitCode = 1;
  }
}
