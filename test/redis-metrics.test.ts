/**
 * The Redis spout's measurements against a real redis-server, through the embedded runtime: the source block of its
 * measurement lines (the group's lag and pending from XINFO GROUPS, its read, replayed and dead-lettered counts), and
 * what `squall doctor`'s model makes of them: a growing backlog when a producer outruns the topology, none when the
 * topology keeps up. A user who may not run XINFO GROUPS loses the gauges, not the spout.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { aggregateMetrics, collect, newestPerTask } from '../src/doctor/collect.js';
import { diagnose } from '../src/doctor/findings.js';
import type { RuntimeEvent } from '../src/runtime/local-cluster.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import type { TopologySpec } from '../src/topology/spec.js';
import type { TaskMetrics } from '../src/wire/metrics-line.js';
import { groupsReply } from '../src/connectors/redis/entries.js';
import type { RawReply } from '../src/connectors/redis/client.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { load, redisServerMissing, useRedisServer, type RedisServer, type RedisTestClient } from './helpers/redis-server.js';

const flow = join(SOURCE_FIXTURES, '..', 'topologies', 'redis-flow.ts');
const skip = redisServerMissing();

interface MeteredRun {
  spec: TopologySpec;
  lines: TaskMetrics[];
  events: RuntimeEvent[];
}

/**
 * Run redis-flow with a measurement line every second while `feed` runs every 100 ms (a producer), until `done`
 * holds over the lines so far or `limitMs` passes; then stop it. Bounded in time either way.
 */
async function meteredRun(conf: Record<string, unknown>, done: (lines: TaskMetrics[]) => boolean | Promise<boolean>, feed?: () => Promise<unknown>, limitMs = 20_000): Promise<MeteredRun> {
  const loaded = await load(flow, { 'squall.metrics.interval.secs': 1, ...conf });
  const lines: TaskMetrics[] = [];
  const events: RuntimeEvent[] = [];
  const cluster = new LocalCluster(loaded.spec, {
    squall: { command: process.execPath, script: loaded.bundle },
    resourcesDir: loaded.resourcesDir,
    restartDelayMs: 200,
    onEvent: (e) => events.push(e),
    onMetrics: (m) => lines.push(m),
  });
  await cluster.start();
  const deadline = Date.now() + limitMs;
  try {
    while (Date.now() < deadline && !(await done(lines))) {
      await Promise.all([feed?.(), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  } finally {
    await cluster.stop(5000);
  }
  return { spec: loaded.spec, lines, events };
}

const readerLines = (lines: TaskMetrics[]): TaskMetrics[] => lines.filter((m) => m.component === 'reader' && m.source !== undefined);

/** What doctor makes of the last `intervals` lines of each task, as it reads a worker log. */
function doctorOn(run: MeteredRun, intervals: number) {
  const observation = {
    spec: run.spec,
    maxSpoutPending: Number(run.spec.config['topology.max.spout.pending'] ?? 0) || null,
    messageTimeoutSecs: 5,
    workers: 1,
    completeLatencySecs: null,
    failedPerSec: 0,
    metrics: aggregateMetrics(newestPerTask(run.lines, intervals)),
  };
  const collected = collect(observation);
  return { reader: collected.figures.components.find((c) => c.id === 'reader')!, diagnosis: diagnose(collected.figures) };
}

async function produce(client: RedisTestClient, count: number, from: number, body: (i: number) => string = (i) => `body ${i}`): Promise<void> {
  const multi = client.multi();
  for (let i = from; i < from + count; i++) multi.xAdd('in', '*', { seq: String(i), body: body(i) });
  await multi.exec();
}

describe('Redis spout measurements: lag, pending, replays and dead letters as squall measurements', { skip }, () => {
  let server!: RedisServer;
  let client!: RedisTestClient;
  useRedisServer((s, c) => ((server = s), (client = c)));
  const url = () => server.url;

  it("XINFO GROUPS as node-redis hands it over (RESP2): the group's pending and lag, and a lag Redis cannot tell as null", async () => {
    const c = client;
    for (const id of ['1-0', '2-0', '3-0']) await c.xAdd('s', id, { a: id });
    await c.sendCommand(['XGROUP', 'CREATE', 's', 'g', '0']);
    await c.sendCommand(['XGROUP', 'CREATE', 's', 'other', '$']);
    await c.sendCommand(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>']);
    const info = async () => groupsReply((await c.sendCommand(['XINFO', 'GROUPS', 's'])) as RawReply);
    assert.deepEqual(await info(), [
      { name: 'g', pending: 1, lag: 2 },
      { name: 'other', pending: 0, lag: 0 },
    ]);
    // An entry deleted ahead of g's last delivered id: Redis no longer knows how many entries lie ahead.
    await c.xDel('s', '3-0');
    assert.deepEqual((await info()).find((g) => g.name === 'g'), { name: 'g', pending: 1, lag: null });
  });

  it('a producer faster than the topology: the lag grows in the lines, and doctor names the arrival rate', async () => {
    // The check bolt holds each tuple 100 ms, 20 trees at most in flight: about 200 trees/s. The producer adds 100
    // entries every 100 ms or more (about 1000/s): the backlog grows by hundreds a second.
    let produced = 0;
    const run = await meteredRun(
      { 'squall.redis.url': url(), 'topology.max.spout.pending': 20, 'test.delay.ms': 100 },
      (lines) => readerLines(lines).filter((m) => m.source!.lagBefore !== null).length >= 3,
      async () => {
        await produce(client, 100, produced);
        produced += 100;
      },
    );
    const lines = readerLines(run.lines);
    const lags = lines.map((m) => m.source!.lag);
    assert.ok(lags.every((lag) => lag === null || lag >= 0), `lags: ${lags.join(', ')}`);
    const last = lines[lines.length - 1]!.source!;
    assert.equal(last.kind, 'redis-stream');
    assert.equal(last.name, 'in');
    assert.equal(last.group, 'redis-flow');
    assert.ok(last.lag! > 0 && last.lagBefore !== null && last.lag! > last.lagBefore, `the lag grows: ${last.lagBefore} → ${last.lag}`);
    assert.ok(lines.every((m) => m.source!.pending !== null && m.source!.pending <= 20), `pending: the entries in flight, never more than max.spout.pending`);
    assert.ok(lines.reduce((n, m) => n + m.source!.read, 0) > 0, 'entries read');

    const { reader, diagnosis } = doctorOn(run, 3);
    assert.ok(reader.source!.lagGrowthPerSec! > 0, JSON.stringify(reader.source));
    const backlog = diagnosis.findings.find((f) => f.kind === 'backlog');
    assert.ok(backlog, JSON.stringify(diagnosis.findings, null, 1));
    assert.equal(backlog.component, 'reader');
    const arrival = Number(backlog.evidence.arrivalPerSec);
    assert.ok(arrival > reader.source!.readPerSec, `arrival ${arrival}/s above the ${reader.source!.readPerSec}/s read`);
    assert.match(backlog.message, /Entries arrive at about [\d.]+\/s \([\d.]+\/s read \+ [\d.]+\/s growth\) while the topology runs [\d.]+ trees\/s: plan for at least (\d+) trees\/s \(squall doctor --target \1; the plan's default target is never less\)/);
    assert.equal(diagnosis.findings.find((f) => f.kind === 'source-limited'), undefined);
  });

  it('a topology that keeps up: the lag stays near 0 and doctor finds no backlog', async () => {
    let produced = 0;
    const run = await meteredRun(
      { 'squall.redis.url': url() },
      (lines) => readerLines(lines).filter((m) => m.source!.lagBefore !== null).length >= 3,
      async () => {
        await produce(client, 10, produced);
        produced += 10;
      },
    );
    const lines = readerLines(run.lines);
    const last = lines[lines.length - 1]!.source!;
    assert.ok(last.lag !== null && last.lag < 50, `lag ${last.lag} with 10 entries added every 100 ms`);
    const { reader, diagnosis } = doctorOn(run, 3);
    assert.ok(reader.source!.readPerSec > 0);
    assert.equal(diagnosis.findings.find((f) => f.kind === 'backlog'), undefined, JSON.stringify(diagnosis.findings, null, 1));
  });

  it('poison entries: replays and dead letters are counted in the lines and found by doctor', async () => {
    // redis-flow's check bolt fails every "poison" entry; maxDeliveries 3: two replays each, then the dead letter.
    await produce(client, 20, 0, (i) => (i % 10 === 5 ? 'poison' : `body ${i}`));
    const run = await meteredRun({ 'squall.redis.url': url() }, (lines) => readerLines(lines).reduce((n, m) => n + m.source!.deadLettered, 0) >= 2);
    const lines = readerLines(run.lines);
    const sum = (k: 'read' | 'replayed' | 'deadLettered' | 'claimed') => lines.reduce((n, m) => n + (m.source![k] ?? 0), 0);
    assert.equal(sum('deadLettered'), 2);
    assert.equal(sum('replayed'), 4, 'two replays of each poison entry');
    assert.equal(sum('read'), 20);
    assert.equal(sum('claimed'), 0);
    assert.equal(await client.xLen('in:dead'), 2);
    const { reader, diagnosis } = doctorOn(run, lines.length);
    assert.equal(reader.source!.deadLettered, 2);
    const dead = diagnosis.findings.find((f) => f.kind === 'dead-letters');
    assert.ok(dead, JSON.stringify(diagnosis.findings, null, 1));
    assert.match(dead.message, /^reader gave up on 2 entries of redis-stream "in" in the last \d+ s/);
  });

  it('a user who may not run XINFO GROUPS: the gauges are null, said once, and the flow goes on', async () => {
    await client.sendCommand([
      'ACL', 'SETUSER', 'noinfo', 'on', '>pw', 'resetkeys', '~in', '~in:dead', '~out', '-@all',
      '+xgroup|create', '+xgroup|delconsumer', '+xreadgroup', '+xack', '+xpending', '+xclaim', '+xinfo|consumers', '+xadd', '+ping',
    ]);
    await produce(client, 50, 0);
    const run = await meteredRun(
      { 'squall.redis.url': `redis://noinfo:pw@127.0.0.1:${server.port}` },
      async (lines) => (await client.xLen('out')) >= 50 && readerLines(lines).length >= 2,
    );
    assert.equal(await client.xLen('out'), 50);
    const lines = readerLines(run.lines);
    assert.ok(lines.every((m) => m.source!.lag === null && m.source!.pending === null), JSON.stringify(lines.map((m) => m.source)));
    assert.equal(lines.reduce((n, m) => n + m.source!.read, 0), 50);
    const said = run.events.filter((e) => e.kind === 'log' && /no lag or pending figures for "in": the Redis user may not run XINFO GROUPS/.test(e.message));
    assert.equal(said.length, 1);
    assert.deepEqual(run.events.filter((e) => e.kind === 'error'), []);
  });
});
