import type { Command } from 'commander';
import { loadForRun, localCluster } from '../../deploy/local.js';
import { localDashboard } from '../../dashboard/local.js';
import { table } from '../../format/table.js';
import type { ComponentStats, LocalCluster, RuntimeEvent } from '../../runtime/local-cluster.js';
import { stringifyMessage } from '../../wire/codec.js';
import { LogLevel } from '../../wire/messages.js';
import { LOG_LEVELS, METRICS_INTERVAL_KEY } from '../../config/keys.js';
import { DEFAULT_UI_PORT } from '../../config/project-config.js';
import { bindUiPort, serveLocalUi, type LocalUi, type UiPort } from '../../runtime/local-ui.js';
import { portNumber, positiveNumber } from '../options.js';
import { addOverrideOptions, type OverrideOptions } from '../cluster-options.js';
import { printNote, printStep } from '../progress.js';
import { NO_TYPECHECK } from '../typecheck-option.js';
import { projectCommand } from '../shared-options.js';

interface RunOptions extends OverrideOptions {
  time?: number;
  debug: boolean;
  ui?: string | true;
  typecheck: boolean;
}

/** With --ui, components measure themselves this often unless the config says otherwise. */
const LOCAL_METRICS_INTERVAL_SECS = 5;

export function registerRun(program: Command): void {
  addOverrideOptions(
    projectCommand(program, 'run', 'run a topology on this machine with the embedded Storm runtime: no JVM, no Storm install')
    .option('-t, --time <secs>', 'stop after SECS seconds (default: run until Ctrl-C)', positiveNumber),
    {
      option: '; values parse as JSON when they can',
      parallelism: ' (overrides the topology)',
      tasks: 'tasks (processes) of a component, repeatable (overrides the topology)',
    },
  )
    .option('--debug', 'show DEBUG logs from components (and set topology.debug)', false)
    .option('--ui [port]', `serve a live dashboard (at /) and the Storm UI REST API on 127.0.0.1:PORT (default ${DEFAULT_UI_PORT}) for squall stats and squall doctor`)
    .option(...NO_TYPECHECK)
    .addHelpText(
      'after',
      `
First the topology's project is type-checked with its own tsc and tsconfig.json: a type error stops the run
(--no-typecheck skips the check).

Each task runs as its own process, started as a Storm worker starts it ([node, bundle] in the resources
folder), with the same handshake, heartbeats, acking, timeouts and groupings. On stop (time limit or Ctrl-C)
spouts are deactivated, in-flight tuples drain (a line says what squall waits for, and how long at most), and a
per-component summary is printed. A task whose command cannot start at all stops the run at start (exit 1).
--ui binds its port before anything starts: a port in use ends the run at once (exit 1).

With --ui, squall components send their measurements every ${LOCAL_METRICS_INTERVAL_SECS}s (squall.metrics.interval.secs), and
\`squall doctor --ui http://127.0.0.1:PORT\` tells what holds the run back and what it needs.

Examples:
  squall run examples/wordcount --time 10
  squall run topologies/wordcount.ts -o topology.max.spout.pending=50 -o topology.message.timeout.secs=5
  squall run examples/wordcount --ui 8080
`,
    )
    .action(async (target: string, options: RunOptions) => {
      process.exitCode = await run(target, options);
    });
}

/**
 * Ctrl-C: the terminal sends SIGINT to squall's process group (the components run in groups of their own). The
 * first one stops the run cleanly (deactivate, drain, summary); a second one, or SIGTERM/SIGHUP, stops at once —
 * `process.exit` runs the exit hooks that kill the components and remove the temporary folders.
 */
function onInterrupt(): Promise<void> {
  let interrupts = 0;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.on('SIGINT', () => {
    if (++interrupts === 1) {
      process.stderr.write('\nsquall: stopping (Ctrl-C again to stop at once) …\n');
      stop();
      return;
    }
    process.stderr.write('squall: stopped at once: in-flight tuples were lost\n');
    process.exit(130);
  });
  process.once('SIGTERM', () => process.exit(143));
  process.once('SIGHUP', () => process.exit(129));
  return stopped;
}

/** The bundle's folder belongs to the loaded topology and goes when squall exits (Ctrl-C included). */
async function run(target: string, options: RunOptions): Promise<number> {
  const interrupted = onInterrupt();
  return runIn(target, options, interrupted);
}

async function runIn(target: string, options: RunOptions, interrupted: Promise<void>): Promise<number> {
  const uiPort = options.ui === undefined ? undefined : uiPortOption(options.ui);
  // The port first: when it is taken, nothing is bundled or started, and the run ends here with exit 1.
  const port = uiPort === undefined ? undefined : await bindUiPort(uiPort);
  try {
    return await runOn(target, options, interrupted, port);
  } finally {
    await port?.close();
  }
}

async function runOn(target: string, options: RunOptions, interrupted: Promise<void>, port: UiPort | undefined): Promise<number> {
  // With --ui the measurements come often enough to see a short run (the topology or -o may still set their own).
  const defaults = port === undefined ? undefined : { [METRICS_INTERVAL_KEY]: LOCAL_METRICS_INTERVAL_SECS };
  // --debug: Storm's topology.debug, and squall components log at DEBUG (an explicit -o still wins).
  const loaded = await loadForRun(target, {
    defaults,
    debug: options.debug,
    commandLine: options.option,
    parallelism: options.parallelism,
    tasks: options.tasks,
    concurrency: options.concurrency,
  }, options.typecheck, { onStep: printStep, onNote: printNote });
  const threshold = options.debug ? LogLevel.DEBUG : LogLevel.INFO;
  const cluster = localCluster(loaded, loaded.spec, {
    onEvent: (event) => printEvent(event, threshold),
    // As topology.debug makes a Storm worker log every emitted tuple.
    onEmit: options.debug
      ? (component, task, stream, values) => process.stdout.write(logLine(component, task, 'DEBUG', `Emitting: ${stream} ${stringifyMessage(values)}`))
      : undefined,
  });
  process.stderr.write(`squall: running "${loaded.spec.name}": ${cluster.tasks.size} tasks${options.time ? ` for ${options.time}s` : ' (Ctrl-C to stop)'}\n`);
  if (cluster.workers.workers > 1) {
    const lines = cluster.workers.describe(cluster.tasks).map((line) => `squall:   ${line}\n`);
    process.stderr.write(`squall: ${cluster.workers.workers} simulated workers (component:task), placed as Storm's default scheduler places them:\n${lines.join('')}`);
  }
  const started = Date.now();
  // A task that cannot start stops what did start and throws: the error says which and how to fix it.
  await cluster.start();
  let ui: LocalUi | undefined;
  try {
    ui = port === undefined ? undefined : serveLocalUi(cluster, loaded.spec.config, port, (url) => localDashboard(loaded.spec, url));
  } catch (err) {
    // Components left running would keep squall alive after the error, deaf to a first Ctrl-C.
    await cluster.stop(0);
    throw err;
  }
  if (ui) process.stderr.write(`squall: Storm UI REST API at ${ui.url} (squall doctor --ui ${ui.url}); dashboard at ${ui.url}/\n`);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([interrupted, new Promise<void>((resolve) => (timer = options.time ? setTimeout(resolve, options.time * 1000) : undefined))]);
  clearTimeout(timer);
  process.stderr.write(`squall: stopping: deactivating spouts and draining ${cluster.pendingTrees} in-flight tuple trees …\n`);
  const stats = await showingDrain(cluster, cluster.stop());
  await ui?.close();
  printSummary(stats, (Date.now() - started) / 1000);
  return stats.some((s) => s.deaths > 0) ? 1 : 0;
}

/** How often the drain's status line is refreshed on a terminal, and printed anew otherwise. */
const DRAIN_REFRESH_MS = 500;
const DRAIN_LINE_MS = 5000;

/**
 * While the stop drains, say what it waits for and how long at most: one line rewritten in place on a terminal,
 * a plain line when what it waits for changes (or every few seconds) otherwise, so a log file stays readable.
 */
async function showingDrain<T>(cluster: LocalCluster, stopping: Promise<T>): Promise<T> {
  const tty = process.stderr.isTTY === true;
  // What is waited for, counts aside: a count that goes down is not worth a new line in a log.
  const what = (waitingFor: string) => waitingFor.replace(/\d+/g, '#');
  let shown = '';
  let shownWhat = '';
  let shownAt = 0;
  const show = () => {
    const status = cluster.drainStatus();
    if (!status) return;
    // The bound first: on a narrow terminal the line is cut at its end.
    const line = `squall: stopping, at most ${Math.ceil(status.atMostMs / 1000)}s more: waiting for ${status.waitingFor}`;
    if (tty) {
      // A line wider than the terminal wraps, and \r would rewrite only its last row: cut it to fit.
      const width = process.stderr.columns || 80;
      const fitted = line.length < width ? line : `${line.slice(0, width - 2)}…`;
      if (fitted !== shown) process.stderr.write(`\r${fitted}\x1b[K`);
      shown = fitted;
    } else if (what(status.waitingFor) !== shownWhat || Date.now() - shownAt >= DRAIN_LINE_MS) {
      process.stderr.write(`${line}\n`);
      shownWhat = what(status.waitingFor);
      shownAt = Date.now();
    }
  };
  // Nothing is said for a stop that is over at once.
  const timer = setInterval(show, DRAIN_REFRESH_MS);
  try {
    return await stopping;
  } finally {
    clearInterval(timer);
    if (shown) process.stderr.write('\n');
  }
}

const parseUiPort = portNumber('--ui');

function uiPortOption(raw: string | true): number {
  return raw === true ? DEFAULT_UI_PORT : parseUiPort(raw);
}

function printEvent(event: RuntimeEvent, threshold: number): void {
  if (event.kind === 'log' && event.level < threshold) return;
  const level = event.kind === 'death' ? 'DIED' : (LOG_LEVELS[event.level] ?? 'INFO');
  const line = logLine(event.component, event.task, level, event.message);
  (event.kind === 'log' ? process.stdout : process.stderr).write(line);
}

/** `HH:MM:SS.mmm [component:task] LEVEL message`, as every line of a run is shown. */
function logLine(component: string, task: number, level: string, message: string): string {
  return `${new Date().toISOString().slice(11, 23)} [${component}:${task}] ${level} ${message}\n`;
}

function printSummary(stats: ComponentStats[], seconds: number): void {
  const rows = [
    ['component', 'kind', 'tasks', 'emitted', 'acked', 'failed', 'timed out', 'executed', 'mean latency', 'deaths'],
    ...stats.map((s) => [
      s.component,
      s.kind,
      String(s.tasks),
      String(s.emitted),
      String(s.acked),
      String(s.failed),
      // Storm counts a tree that times out as failed at its spout: this says how many of those did.
      s.kind === 'spout' ? String(s.timedOut) : '-',
      s.kind === 'bolt' ? String(s.executed) : '-',
      // A mean of nothing is no figure: a spout with no completed tree, a bolt that finished no tuple.
      (s.kind === 'bolt' ? s.executed : s.acked) > 0 ? `${s.meanLatencyMs.toFixed(2)} ms` : '-',
      String(s.deaths),
    ]),
  ];
  process.stdout.write(`\nsummary after ${seconds.toFixed(1)}s (spout latency = complete latency; bolt latency = process latency)\n`);
  for (const line of table(rows, { leftColumns: 2 })) process.stdout.write(line + '\n');
  const discarded = stats.filter((s) => s.discarded > 0);
  if (discarded.length > 0) {
    const total = discarded.reduce((n, s) => n + s.discarded, 0);
    const unreliable = stats.some((s) => s.unreliable > 0);
    process.stdout.write(
      `discarded at stop: ${total} tuples still queued or unacked in bolts (${discarded.map((s) => `${s.component} ${s.discarded}`).join(', ')})` +
        (unreliable ? '; unreliable tuples are not waited for' : '; their trees had not completed when the drain ended') +
        '\n',
    );
  }
}
