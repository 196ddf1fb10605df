/**
 * `squall doctor --apply` end to end, the real CLI in a child process:
 * - on a cluster: the test Nimbus (records rebalances and submits), worker logs read over SSH from the test SSH
 *   server, and the Storm UI stand-in; a small stand-in for the workers below writes what a cluster would show
 *   after each change (measurement lines in the worker logs, restarted executors in the UI);
 * - locally: `--run` on the doctor bench family (bolts that wait on timers, so results do not depend on cores).
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { execa } from 'execa';
import { resolveTopology } from '../src/topology/resolve.js';
import { verdict, type Outcome } from '../src/doctor/apply.js';
import type { Finding } from '../src/doctor/findings.js';
import { freshness, type FreshnessInput } from '../src/doctor/fresh.js';
import { planOverrides, type Plan } from '../src/doctor/plan.js';
import type { DoctorReport } from '../src/doctor/report.js';
import { Bolt, Spout } from '../src/index.js';
import { Topology } from '../src/topology/builder.js';
import type { UiComponentJson, UiTopologyJson } from '../src/ui/client.js';
import type { TaskMetrics } from '../src/wire/metrics-line.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { FakeNimbus } from './helpers/nimbus-server.js';
import { startSshServer, type TestSshServer } from './helpers/ssh-server.js';
import { startUiServer, type UiServer, type UiTopologyFixture } from './helpers/ui-server.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const FAMILY = join(ROOT, 'bench', 'doctor', 'topology.ts');
const SQUALL = join(ROOT, 'bin', 'squall.js');

/** One component as the stand-in cluster runs it. */
interface Running {
  kind: 'spout' | 'bolt';
  tasks: number;
  executors: number;
  /** Tuples per second each task executes (roots emitted, for the spout); or one figure per task index. */
  ratePerTask: number | number[];
  /** Milliseconds per tuple, per task index (one value: every task). */
  serviceMs: number[];
  emits: number;
}

interface Shape {
  components: Record<string, Running>;
  completeLatencyMs: number;
}

/**
 * What a cluster shows of the doctor bench family (source → a → b): every INTERVAL_MS each task's measurement line
 * in its worker log, and the Storm UI's pages. `become` switches to another shape as a change would: a redeploy
 * brings a new topology id (new log folder, uptime from zero), a rebalance restarts the executors of `restart`.
 */
class StandInCluster {
  private shape!: Shape;
  private id = '';
  private startedAt = 0;
  private readonly restartedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** Whether the workers write measurement lines at all (off: a change whose figures never come). */
  writing = true;

  constructor(
    private readonly ui: UiServer,
    private readonly logs: string,
  ) {}

  start(id: string, shape: Shape): void {
    this.id = id;
    this.shape = shape;
    this.startedAt = Date.now();
    for (const c of Object.keys(shape.components)) this.restartedAt.set(c, this.startedAt);
    this.timer ??= setInterval(() => this.tick(), INTERVAL_MS);
    this.publish();
  }

  /** The same topology in another shape; the executors of `restart` started anew. */
  become(shape: Shape, restart: string[]): void {
    this.shape = shape;
    for (const c of restart) this.restartedAt.set(c, Date.now());
    this.publish();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private taskIds(): Map<string, number[]> {
    // Storm numbers tasks from 1 in component-id order.
    const out = new Map<string, number[]>();
    let next = 1;
    for (const id of Object.keys(this.shape.components).sort()) {
      const n = this.shape.components[id]!.tasks;
      out.set(id, Array.from({ length: n }, (_, i) => next + i));
      next += n;
    }
    return out;
  }

  private tick(): void {
    this.publish();
    if (!this.writing) return;
    const secs = INTERVAL_MS / 1000;
    const lines: string[] = [];
    for (const [component, tasks] of this.taskIds()) {
      const c = this.shape.components[component]!;
      tasks.forEach((task, i) => {
        const executed = rateOf(c, i) * secs;
        const busySecs = (executed * (c.serviceMs[i] ?? c.serviceMs[0]!)) / 1000;
        const m: TaskMetrics = {
          v: 1,
          component,
          task,
          kind: c.kind,
          at: Date.now(),
          secs,
          executed,
          busySecs,
          cpuSecs: busySecs,
          emitted: c.emits > 0 ? { default: executed * c.emits } : {},
          concurrency: 1,
        };
        lines.push(`2026-11-26 16:00:00.000 o.a.s.t.ShellBolt Thread-1 [INFO] ShellLog pid:${task}, name:${component} squall.metrics ${JSON.stringify(m)}`);
      });
    }
    const dir = join(this.logs, 'workers-artifacts', this.id, '6700');
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'worker.log'), lines.join('\n') + '\n');
  }

  /** The UI's pages for the current shape. */
  private publish(): void {
    const now = Date.now();
    const uptime = Math.floor((now - this.startedAt) / 1000);
    const ids = this.taskIds();
    const window = Math.max(1, Math.min(600, uptime));
    const count = (c: Running) => Math.round(Array.from({ length: c.tasks }, (_, i) => rateOf(c, i)).reduce((a, b) => a + b, 0) * window);
    const source = this.shape.components['source']!;
    const roots = count(source);
    const latency = this.shape.completeLatencyMs.toFixed(3);
    const summary = { id: this.id, name: 'doctor-bench', status: 'ACTIVE', uptime: `${uptime}s`, uptimeSeconds: uptime, tasksTotal: 0, workersTotal: 1, executorsTotal: 0 };
    const page: UiTopologyJson = {
      ...summary,
      window: '600',
      topologyStats: [{ window: '600', emitted: roots, transferred: roots, acked: roots, failed: 0, completeLatency: latency }],
      spouts: [{ spoutId: 'source', executors: source.executors, tasks: source.tasks, emitted: roots, transferred: roots, acked: roots, failed: 0, completeLatency: latency, lastError: '' }],
      bolts: ['a', 'b'].map((id) => {
        const c = this.shape.components[id]!;
        return { boltId: id, executors: c.executors, tasks: c.tasks, executed: count(c), emitted: count(c) * c.emits, transferred: 0, acked: count(c), failed: 0, executeLatency: '0.050', processLatency: '0.100', capacity: '0.010', lastError: '' };
      }),
      configuration: { 'topology.max.spout.pending': 50, 'topology.workers': 1, 'topology.message.timeout.secs': 1 },
    };
    const components: Record<string, UiComponentJson> = {};
    for (const [id, c] of Object.entries(this.shape.components)) {
      const tasks = ids.get(id)!;
      const per = Math.ceil(c.tasks / c.executors);
      const up = Math.floor((now - this.restartedAt.get(id)!) / 1000);
      components[id] = {
        id,
        name: 'doctor-bench',
        topologyId: this.id,
        componentType: c.kind,
        executors: c.executors,
        tasks: c.tasks,
        window: '600',
        executorStats: Array.from({ length: c.executors }, (_, e) => {
          const first = tasks[e * per]!;
          const last = tasks[Math.min(tasks.length, (e + 1) * per) - 1]!;
          return { id: `[${first}-${last}]`, host: '127.0.0.1', port: 6700, uptimeSeconds: up, emitted: null, transferred: null, acked: null, failed: null };
        }),
        componentErrors: [],
      };
    }
    const fixture: UiTopologyFixture = { summary, page, components };
    this.ui.options.topologies = [fixture];
  }
}

const INTERVAL_MS = 250;

/** A task's rate: one figure for every task, or one per task index (an uneven shuffle). */
const rateOf = (c: Running, i: number): number => (Array.isArray(c.ratePerTask) ? (c.ratePerTask[i] ?? 0) : c.ratePerTask);

const running = (kind: 'spout' | 'bolt', tasks: number, executors: number, ratePerTask: number | number[], serviceMs: number[], emits = 1): Running => ({
  kind,
  tasks,
  executors,
  ratePerTask,
  serviceMs,
  emits,
});

function squall(where: { cwd: string; home: string }, ...args: string[]) {
  return execa(process.execPath, [SQUALL, ...args], { cwd: where.cwd, env: { HOME: where.home, SSH_AUTH_SOCK: '', SQUALL_NIMBUS: '' }, extendEnv: true, reject: false, timeout: 120_000 });
}

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !test(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(test(), `timed out waiting for ${what}`);
}

describe('doctor --apply: the rules', () => {
  const line = (component: string, task: number, at: number, secs = 1): TaskMetrics => ({
    v: 1, component, task, kind: 'bolt', at, secs, executed: 10, busySecs: 0.1, cpuSecs: 0.1, emitted: {}, concurrency: 1,
  });
  const base: FreshnessInput = {
    changedAt: 100_000,
    since: 102_000,
    now: 110_000,
    expected: new Map([['a', 2]]),
    lines: [line('a', 1, 104_000), line('a', 2, 104_000)],
    executorUptimes: new Map([['a', [5, 5]]]),
    redeployed: false,
    topologyUptime: 3600,
  };

  it('counts figures only from after the change and the settle time', () => {
    assert.deepEqual(freshness(base), { fresh: true, waitingFor: [] });
    // A line whose interval began before `since` (it ends after it) is the old topology's, partly.
    assert.deepEqual(freshness({ ...base, lines: [line('a', 1, 104_000), line('a', 2, 102_500)] }).waitingFor, ['a: measurements from 1 of 2 tasks']);
    assert.deepEqual(freshness({ ...base, executorUptimes: new Map([['a', [5, 60]]]) }).waitingFor, ['a: 1 of 2 executors to restart']);
    assert.deepEqual(freshness({ ...base, executorUptimes: new Map([['a', [5, null]]]) }).waitingFor, ['a: 1 of 2 executors to restart']);
    assert.deepEqual(freshness({ ...base, executorUptimes: new Map([['a', []]]) }).waitingFor, ['a: executors to report']);
    assert.deepEqual(freshness({ ...base, now: 100_500, lines: [], expected: new Map(), executorUptimes: new Map([['a', [0]]]) }).waitingFor, ['a: executors to run the settle time']);
    assert.deepEqual(freshness({ ...base, redeployed: true }).waitingFor, ['the Storm UI to show the new topology']);
    assert.equal(freshness({ ...base, redeployed: true, topologyUptime: 9 }).fresh, true);
  });

  const planned = (redeploy: boolean, components: Array<[string, [number, number], [number, number], [number, number]]>, extra: Partial<Plan> = {}): Plan =>
    ({
      redeploy,
      unchanged: false,
      components: components.map(([id, tasks, executors, concurrency]) => ({
        id,
        tasks: { now: tasks[0], planned: tasks[1] },
        executors: { now: executors[0], planned: executors[1] },
        concurrency: { now: concurrency[0], planned: concurrency[1] },
      })),
      maxSpoutPending: { now: 50, planned: 50 },
      workers: { now: 1, planned: 1 },
      ...extra,
    }) as Plan;

  class S extends Spout {
    override nextTuple(): void {}
  }
  class B extends Bolt {
    override process(): void {}
  }
  const project = (() => {
    const t = new Topology('p', { 'topology.max.spout.pending': 50 });
    const s = t.spout('s', S, { outputs: { default: ['x'] } });
    const a = t.bolt('a', B, { outputs: { default: ['x'] } }).shuffle(s);
    t.bolt('b', B, { outputs: {} }).shuffle(a);
    return t.toSpec();
  })();

  it('a rebalance names what changes; a redeploy also what runs otherwise than the project says', () => {
    const rebalance = planned(false, [['a', [4, 4], [1, 4], [1, 1]], ['b', [1, 1], [1, 1], [1, 1]]], { workers: { now: 1, planned: 2 } });
    assert.deepEqual(planOverrides(rebalance, project), { parallelism: { a: 4 }, tasks: {}, concurrency: {}, options: {}, workers: 2 });
    // An earlier change gave a 3 tasks and b concurrency 4; this plan changes only max.spout.pending, and keeps both.
    const redeploy = planned(true, [['s', [1, 1], [1, 1], [1, 1]], ['a', [3, 3], [3, 3], [1, 1]], ['b', [1, 1], [1, 1], [4, 4]]], { maxSpoutPending: { now: 50, planned: 200 } });
    assert.deepEqual(planOverrides(redeploy, project), {
      parallelism: { a: 3 },
      tasks: { a: 3 },
      concurrency: { b: 4 },
      options: { 'topology.max.spout.pending': 200 },
    });
  });

  it('--concurrency sets squall.concurrency in a bolt\'s own config, and only a bolt\'s', () => {
    const resolved = resolveTopology(project, { concurrency: { b: 8 } });
    assert.equal(resolved.components.find((c) => c.id === 'b')!.config['squall.concurrency'], 8);
    assert.equal(resolved.components.find((c) => c.id === 'a')!.config['squall.concurrency'], undefined);
    assert.throws(() => resolveTopology(project, { concurrency: { s: 2 } }), /--concurrency s=2: s is a spout; only bolts work on several tuples at once/);
    assert.throws(() => resolveTopology(project, { concurrency: { nope: 2 } }), /--concurrency nope=…: the topology has no component "nope"/);
  });

  it('stops when the target holds, never changes for a hot key or a slow instance, and makes at most 2 changes', () => {
    const report = (rate: number, findings: Array<Pick<Finding, 'kind' | 'scalingHelps' | 'component'>>, unchanged = false) =>
      ({ diagnosis: { rate, findings }, plan: { unchanged, utilization: 0.7 } }) as unknown as DoctorReport;
    const outcome = (r: DoctorReport, changes = 0): Outcome | undefined => verdict(r, 100, changes)?.outcome;
    assert.equal(outcome(report(96, [{ kind: 'slow-instance', scalingHelps: false, component: 'a' }])), 'target-holds');
    assert.equal(outcome(report(50, [{ kind: 'slow-instance', scalingHelps: false, component: 'a' }])), 'not-for-scaling');
    assert.equal(outcome(report(50, [{ kind: 'skew', scalingHelps: false, component: 'a' }])), 'not-for-scaling');
    // Skew that more tasks do relieve (no single key dominates) is sized for, not refused.
    assert.equal(outcome(report(50, [{ kind: 'skew', scalingHelps: true, component: 'a' }])), undefined);
    assert.equal(outcome(report(50, []), 1), undefined);
    assert.equal(outcome(report(50, []), 2), 'changes-used');
    assert.equal(outcome(report(50, [], true)), 'nothing-to-change');
  });
});

describe('squall doctor --apply on a cluster', () => {
  let nimbus: FakeNimbus;
  let ssh: TestSshServer;
  let ui: UiServer;
  let logs: string;
  let cluster: StandInCluster;
  const where = { cwd: '', home: '' };

  before(async () => {
    [nimbus, ssh, ui] = await Promise.all([FakeNimbus.start(), startSshServer(), startUiServer({ topologies: [] })]);
    logs = mkdtempSync(join(tmpdir(), 'squall-logs-'));
    where.cwd = mkdtempSync(join(tmpdir(), 'squall-project-'));
    where.home = mkdtempSync(join(tmpdir(), 'squall-home-'));
    mkdirSync(join(where.home, '.ssh'));
    writeFileSync(join(where.home, '.ssh', 'known_hosts'), `[127.0.0.1]:${ssh.port} ${ssh.hostPublicKey}\n`);
    writeFileSync(join(where.home, 'id'), ssh.clientPrivateKey, { mode: 0o600 });
    const env = {
      nimbus: nimbus.address,
      use_ssh_for_nimbus: false,
      ssh_port: ssh.port,
      user: 'storm',
      ssh_identity_file: join(where.home, 'id'),
      workers: ['127.0.0.1'],
      log: { path: logs },
      ui: Number(new URL(ui.url).port),
      // Kept by every submit from this environment, a redeploy too: Nimbus waits this long before a rebalance moves.
      options: { 'topology.message.timeout.secs': 1 },
    };
    writeFileSync(join(where.cwd, 'config.json'), JSON.stringify({ envs: { prod: env } }));
    cluster = new StandInCluster(ui, logs);
  });
  after(async () => {
    cluster.stop();
    await Promise.all([nimbus.close(), ssh.close(), ui.close()]);
    for (const dir of [logs, where.cwd, where.home]) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh submit of the family, shown by the stand-in in `shape`. */
  beforeEach(async () => {
    cluster.writing = true;
    if (nimbus.topologies.has('doctor-bench')) assert.equal((await squall(where, 'kill', 'doctor-bench', '-e', 'prod', '--wait', '0')).exitCode, 0);
  });

  async function submitIn(shape: Shape): Promise<string> {
    const submit = await squall(where, 'submit', FAMILY, '-e', 'prod');
    assert.equal(submit.exitCode, 0, submit.stderr);
    const id = nimbus.topologies.get('doctor-bench')!.id;
    cluster.start(id, shape);
    // Lines of a few intervals, as a topology that has run a while has.
    const log = join(logs, 'workers-artifacts', id, '6700', 'worker.log');
    await until(() => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 12, 'the first measurement lines');
    return id;
  }

  it('rebalances when executors suffice, waits for figures from after the change, and compares them with the prediction', async () => {
    // a: 4 tasks on 1 executor, and Storm's load-aware shuffle sends every tuple to its first task (90 trees/s, 90%
    // busy); the plan for 250 keeps 4 tasks and gives them 4 executors: a rebalance.
    const before: Shape = { completeLatencyMs: 20, components: { source: running('spout', 1, 1, 90, [0.01]), a: running('bolt', 4, 1, [90, 0, 0, 0], [10]), b: running('bolt', 1, 1, 90, [1], 0) } };
    const afterShape: Shape = { completeLatencyMs: 15, components: { source: running('spout', 1, 1, 250, [0.01]), a: running('bolt', 4, 4, 62.5, [10]), b: running('bolt', 1, 1, 250, [1], 0) } };
    await submitIn(before);
    const rebalances = nimbus.rebalances.length;
    const record = join(where.cwd, 'rebalance.ndjson');
    // The workers switch when Nimbus gets the rebalance; the executors of a restart when Nimbus has moved them.
    const switching = (async () => {
      await until(() => nimbus.rebalances.length > rebalances, 'the rebalance');
      cluster.become(afterShape, []);
      await until(() => nimbus.topologies.get('doctor-bench')!.status !== 'REBALANCING', 'the executors to move');
      cluster.become(afterShape, ['a']);
    })();
    const doctor = await squall(where, 'doctor', '-e', 'prod', '--topology', FAMILY, '--target', '250', '--apply', '--settle', '1', '--deadline', '60', '--json', '--record', record);
    await switching;
    assert.equal(doctor.exitCode, 0, doctor.stderr);
    assert.deepEqual(nimbus.rebalances.slice(rebalances), [{ name: 'doctor-bench', numExecutors: { a: 4 } }], 'executors only, no wait_secs: Nimbus waits the message timeout');
    assert.equal(nimbus.submitted.length, 1, 'no redeploy');
    const result = JSON.parse(doctor.stdout);
    assert.equal(result.outcome, 'target-holds');
    assert.equal(result.steps.length, 1);
    const [step] = result.steps;
    assert.equal(step.command, 'squall rebalance doctor-bench -e prod -p a=4');
    assert.equal(step.redeploy, false);
    assert.equal(step.plan.components.find((c: { id: string }) => c.id === 'a').executors.planned, 4);
    // Only lines from after the change and the settle time: 250/s exactly, not a mix with the 150/s before.
    assert.ok(Math.abs(step.observed.rate - 250) < 0.5, String(step.observed.rate));
    assert.ok(Math.abs(step.observed.utilization.a - 0.625) < 0.01, String(step.observed.utilization.a));
    // The spout is not held back by its source: the prediction is the rate with every allowed tree in flight.
    assert.ok(step.predicted.rate >= 250 * 0.97, JSON.stringify(step.predicted));
    assert.match(doctor.stderr, /waiting for a: [0-4] of 4 executors to restart|waiting for .*measurements from/);
    assert.equal(readFileSync(record, 'utf8').trim().split('\n').length, 2, 'one record per observation');
  });

  it('redeploys with the plan as submit --force would: kill, then submit with the new tasks', async () => {
    // a: 1 task at 10 ms per tuple, 90% busy at 90/s: 250/s needs 4 processes, and tasks are fixed at submit.
    const before: Shape = { completeLatencyMs: 40, components: { source: running('spout', 1, 1, 90, [0.01]), a: running('bolt', 1, 1, 90, [10]), b: running('bolt', 1, 1, 90, [1], 0) } };
    const afterShape: Shape = { completeLatencyMs: 15, components: { source: running('spout', 1, 1, 250, [0.01]), a: running('bolt', 4, 4, 62.5, [10]), b: running('bolt', 1, 1, 250, [1], 0) } };
    const oldId = await submitIn(before);
    const submits = nimbus.submitted.length;
    const switching = (async () => {
      await until(() => nimbus.submitted.length > submits && nimbus.topologies.has('doctor-bench'), 'the new submit');
      cluster.start(nimbus.topologies.get('doctor-bench')!.id, afterShape);
    })();
    const doctor = await squall(where, 'doctor', '-e', 'prod', '--topology', FAMILY, '--target', '250', '--apply', '--settle', '1', '--deadline', '60', '--json');
    await switching;
    assert.equal(doctor.exitCode, 0, doctor.stderr);
    const result = JSON.parse(doctor.stdout);
    assert.equal(result.outcome, 'target-holds');
    // Twice the processes: twice the workers, as many processes per worker as now.
    assert.equal(result.steps[0].command, `squall submit ${FAMILY} -e prod --force -p a=4 --tasks a=4 -o topology.workers=2`);
    const kill = nimbus.calls.filter((c) => c.method === 'killTopologyWithOpts').at(-1)!;
    assert.deepEqual(kill.args, { name: 'doctor-bench', options: { wait_secs: 0 } });
    const submitted = nimbus.submitted.at(-1)!;
    const a = submitted.bolts.find((b) => b.id === 'a')!;
    assert.equal(a.parallelismHint, 4);
    assert.equal(a.jsonConf?.['topology.tasks'], 4);
    const conf = JSON.parse(submitted.jsonConf);
    assert.equal(conf['topology.workers'], 2);
    assert.equal(conf['topology.max.spout.pending'], 50, 'the project config, unchanged by the plan');
    assert.equal(conf['topology.message.timeout.secs'], 1, "the environment's options, as every submit from it");
    assert.notEqual(nimbus.topologies.get('doctor-bench')!.id, oldId);
    assert.ok(Math.abs(result.steps[0].observed.rate - 250) < 0.5, 'figures of the new topology only');
    assert.deepEqual(nimbus.protocolErrors, []);
  });

  it("submit --concurrency sets squall.concurrency in the bolt's json_conf, as a redeploy of a plan does", async () => {
    const submit = await squall(where, 'submit', FAMILY, '-e', 'prod', '--concurrency', 'b=4');
    assert.equal(submit.exitCode, 0, submit.stderr);
    const submitted = nimbus.submitted.at(-1)!;
    assert.equal(submitted.bolts.find((b) => b.id === 'b')!.jsonConf?.['squall.concurrency'], 4);
    assert.equal(submitted.bolts.find((b) => b.id === 'a')!.jsonConf?.['squall.concurrency'], undefined);
    assert.deepEqual(nimbus.protocolErrors, []);
  });

  it('gives up at the deadline when fresh figures do not come, leaving the change in place', async () => {
    const before: Shape = { completeLatencyMs: 20, components: { source: running('spout', 1, 1, 90, [0.01]), a: running('bolt', 4, 1, [90, 0, 0, 0], [10]), b: running('bolt', 1, 1, 90, [1], 0) } };
    await submitIn(before);
    const rebalances = nimbus.rebalances.length;
    const silencing = (async () => {
      await until(() => nimbus.rebalances.length > rebalances, 'the rebalance');
      cluster.writing = false; // the workers never log again
    })();
    const doctor = await squall(where, 'doctor', '-e', 'prod', '--topology', FAMILY, '--target', '250', '--apply', '--settle', '0.5', '--deadline', '4');
    await silencing;
    assert.equal(doctor.exitCode, 1);
    assert.match(doctor.stderr, /no fresh figures by \d\d:\d\d:\d\d \(--deadline 4s\): still waiting for .*measurements from 0 of \d tasks/);
    assert.match(doctor.stderr, /The change stays in place/);
    assert.equal(nimbus.rebalances.length, rebalances + 1, 'the rebalance was made');
  });

  it('changes nothing for a slow instance, and says why', async () => {
    // Task 3 of a takes three times as long as its peers: a host problem, which more tasks do not fix.
    const slow: Shape = { completeLatencyMs: 30, components: { source: running('spout', 1, 1, 90, [0.01]), a: running('bolt', 3, 3, 30, [8, 8, 24]), b: running('bolt', 1, 1, 90, [1], 0) } };
    await submitIn(slow);
    const [rebalances, submits] = [nimbus.rebalances.length, nimbus.submitted.length];
    const doctor = await squall(where, 'doctor', '-e', 'prod', '--topology', FAMILY, '--target', '400', '--apply', '--settle', '1', '--json');
    assert.equal(doctor.exitCode, 2, doctor.stderr);
    const result = JSON.parse(doctor.stdout);
    assert.equal(result.outcome, 'not-for-scaling');
    assert.deepEqual(result.steps, []);
    assert.match(result.message, /changed nothing: a slow instance of a holds the topology back/);
    assert.ok(result.first.findings.some((f: { kind: string; task: number }) => f.kind === 'slow-instance' && f.task === 3));
    assert.deepEqual([nimbus.rebalances.length, nimbus.submitted.length], [rebalances, submits], 'no rebalance, no submit');
  });

  it('does nothing when the target already holds', async () => {
    const fine: Shape = { completeLatencyMs: 20, components: { source: running('spout', 1, 1, 150, [0.01]), a: running('bolt', 4, 1, 37.5, [10]), b: running('bolt', 1, 1, 150, [1], 0) } };
    await submitIn(fine);
    const [rebalances, submits] = [nimbus.rebalances.length, nimbus.submitted.length];
    const doctor = await squall(where, 'doctor', '-e', 'prod', '--topology', FAMILY, '--target', '100', '--apply');
    assert.equal(doctor.exitCode, 0, doctor.stderr);
    assert.match(doctor.stdout, /^the target holds: 150 tuple trees\/s observed for a target of 100\.$/m);
    assert.deepEqual([nimbus.rebalances.length, nimbus.submitted.length], [rebalances, submits]);
  });

  it('refuses --apply on a run it did not start, with the way to do it', async () => {
    const doctor = await squall(where, 'doctor', '--ui', ui.url, '--topology', FAMILY, '--apply');
    assert.equal(doctor.exitCode, 1);
    assert.match(doctor.stderr, /--apply cannot restart a run doctor did not start: use squall doctor --run --apply/);
  });
});

describe('squall doctor --run --apply', () => {
  it('starts the run, plans, runs again with the plan, and reaches the target in at most 2 changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-doctor-run-'));
    try {
      const record = join(dir, 'steps.ndjson');
      // Both bolts wait 4 ms per tuple (timers): one task each carries about 220/s; the source offers 300/s.
      const doctor = await execa(
        process.execPath,
        [SQUALL, 'doctor', '--run', FAMILY, '--apply', '--target', '300', '-o', 'bench.service.ms=4', '-o', 'bench.rate=300', '--settle', '2', '--measure', '4', '--json', '--record', record],
        { cwd: ROOT, reject: false, timeout: 120_000 },
      );
      assert.equal(doctor.exitCode, 0, doctor.stderr);
      const result = JSON.parse(doctor.stdout);
      assert.equal(result.outcome, 'target-holds', result.message);
      assert.ok(result.steps.length >= 1 && result.steps.length <= 2, `${result.steps.length} changes`);
      assert.ok(result.first.rate < 0.95 * 300, `under-provisioned at the start: ${result.first.rate}`);
      const last = result.steps.at(-1);
      assert.ok(last.observed.rate >= 0.95 * 300, String(last.observed.rate));
      for (const step of result.steps) {
        assert.match(step.command, /^squall run \S+topology\.ts( (-p|--tasks|--concurrency) \w+=\d+)+ -o bench\.service\.ms=4 -o bench\.rate=300/);
        assert.ok(step.predicted.rate > 0 && step.observed.rate > 0);
        assert.ok(Object.keys(step.predicted.utilization).length > 0, 'the changed components, predicted against observed');
      }
      assert.equal(readFileSync(record, 'utf8').trim().split('\n').length, result.steps.length + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
