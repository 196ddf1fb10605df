/**
 * RedisStreamSpout and RedisStreamBolt against a real redis-server (started here on a free loopback port), in the
 * embedded runtime: entries in, entries out, acks as XACK, fails as replays then dead letters, recovery of a
 * task's own pending entries and of those of consumers that are gone, max.spout.pending, and clear errors.
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { createClient } from 'redis';
import { RedisConnection } from '../src/connectors/redis/client.js';
import { maskConfiguration, redactUrl } from '../src/config/credentials.js';
import { bindUiPort, serveLocalUi } from '../src/runtime/local-ui.js';
import { readFileSync, rmSync } from 'node:fs';
import { RedisStreamBolt, RedisStreamSpout } from '../src/connectors/redis/index.js';
import { TopologyContext } from '../src/component/context.js';
import type { HandshakeContext } from '../src/wire/messages.js';
import type { Logger } from '../src/component/component.js';
import { assignTasks } from '../src/runtime/assignment.js';
import type { ComponentStats, RuntimeEvent } from '../src/runtime/local-cluster.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { freePort, load, makeTlsFiles, RedisServer, redisServerMissing, startCluster, tlsArgs, useRedisServer } from './helpers/redis-server.js';

const TOPOLOGIES = join(SOURCE_FIXTURES, '..', 'topologies');
const ROOT = join(SOURCE_FIXTURES, '..', '..');
const skip = redisServerMissing();

type Client = ReturnType<typeof createClient>;

interface ClusterRun {
  events: RuntimeEvent[];
  stats: ComponentStats[];
}

/**
 * Run a topology until `done` (polled every 100 ms) holds or `limitMs` passes, then stop it (spouts deactivated,
 * in-flight trees drained). Bounded in time either way.
 */
async function runUntil(target: string, conf: Record<string, unknown>, done: () => Promise<boolean>, limitMs = 15_000): Promise<ClusterRun> {
  const events: RuntimeEvent[] = [];
  const cluster = await startCluster(await load(target, conf), (e) => events.push(e));
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline && !(await done())) await new Promise((resolve) => setTimeout(resolve, 100));
  const stats = await cluster.stop(5000);
  return { events, stats };
}

const logs = (run: ClusterRun, component: string) => run.events.filter((e) => e.kind === 'log' && e.component === component).map((e) => e.message);
const stat = (run: ClusterRun, component: string) => run.stats.find((s) => s.component === component)!;

async function entries(client: Client, stream: string): Promise<Array<{ id: string; message: Record<string, string> }>> {
  return (await client.xRange(stream, '-', '+')) as Array<{ id: string; message: Record<string, string> }>;
}

/** Entries still pending in the group (read, never acknowledged). */
async function pendingCount(client: Client, stream: string, group: string): Promise<number> {
  const summary = (await client.sendCommand(['XPENDING', stream, group])) as [number, ...unknown[]];
  return Number(summary[0]);
}

/** The id the stream's (one) group delivered last. */
async function lastDelivered(client: Client, stream: string): Promise<string | undefined> {
  const groups = (await client.sendCommand(['XINFO', 'GROUPS', stream]).catch(() => [])) as unknown[][];
  const group = groups[0] ?? [];
  return String(group[group.indexOf('last-delivered-id') + 1]);
}

async function produce(client: Client, stream: string, count: number, body: (i: number) => string = (i) => `body ${i}`): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => client.xAdd(stream, '*', { seq: String(i), body: body(i) })));
}

describe('Redis Streams spout and sink: flow, secrets, permissions, clean stops, hangs and restarts', { skip }, () => {
  let server: RedisServer;
  let client: Client;
  const flow = join(TOPOLOGIES, 'redis-flow.ts');

  useRedisServer((s, c) => ((server = s), (client = c)));

  it('moves every entry from one stream to another, fields by name, and leaves nothing pending', async () => {
    await produce(client, 'in', 300);
    const run = await runUntil(flow, { 'squall.redis.url': server.url }, async () => (await client.xLen('out')) >= 300 && (await pendingCount(client, 'in', 'redis-flow')) === 0);
    const out = await entries(client, 'out');
    assert.deepEqual(out.map((e) => Number(e.message.seq)).sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i), 'each entry once');
    assert.ok(out.every((e) => e.message.body === `body ${e.message.seq}`), 'fields as tuple values, by declared name');
    assert.equal(await pendingCount(client, 'in', 'redis-flow'), 0, 'every entry acknowledged (XACK)');
    assert.equal(stat(run, 'reader').acked, 300);
    assert.equal(stat(run, 'reader').failed, 0);
    const reader = logs(run, 'reader');
    const counts = reader.findIndex((l) => /read 300, recovered 0, claimed 0, acked 300, failed 0, replayed 0, dead-lettered 0/.test(l));
    assert.ok(counts >= 0, reader.join('\n'));
    assert.ok(reader.indexOf('onAck heard 300') > counts, "the user's onAck heard every ack; onDeactivate ran after the spout's own count line");
  });

  it('creates a missing group with MKSTREAM, and reads entries added while it runs', async () => {
    const consumer = `redis-flow-reader-${taskOf(await load(flow), 'reader')}@${hostname()}:`;
    let added = false;
    const run = await runUntil(flow, { 'squall.redis.url': server.url }, async () => {
      if (!added && (await client.exists('in')) === 1) {
        added = true;
        await produce(client, 'in', 20);
      }
      return (await client.xLen('out')) >= 20;
    });
    const groups = (await client.sendCommand(['XINFO', 'GROUPS', 'in'])) as unknown[][];
    assert.equal(groups.length, 1);
    assert.equal(groups[0]![1], 'redis-flow', 'group named after the topology');
    const reading = logs(run, 'reader').filter((l) => l.startsWith(`reading stream "in" as redis-flow/${consumer}`));
    assert.equal(reading.length, 1, `consumer: topology-component-task@host:pid, unique per running instance: ${logs(run, 'reader').join('\n')}`);
    assert.match(reading[0]!, /:\d+$/);
    assert.equal((await entries(client, 'out')).length, 20);
  });

  it('replays a failed entry, then moves it to the dead-letter stream after maxDeliveries, with its id, count, reason, group and time', async () => {
    await produce(client, 'in', 30, (i) => (i % 10 === 3 ? 'poison' : `body ${i}`));
    const run = await runUntil(flow, { 'squall.redis.url': server.url }, async () => (await client.xLen('in:dead')) >= 3 && (await client.xLen('out')) >= 27);
    const source = await entries(client, 'in');
    const dead = await entries(client, 'in:dead');
    assert.deepEqual(dead.map((e) => e.message.seq).sort(), ['13', '23', '3']);
    for (const e of dead) {
      assert.equal(e.message.body, 'poison');
      assert.equal(e.message['squall.source'], 'in');
      assert.equal(e.message['squall.id'], source.find((s) => s.message.seq === e.message.seq)!.id, 'the source entry id');
      assert.equal(e.message['squall.deliveries'], '3', 'maxDeliveries 3: dead-lettered at the third fail');
      assert.equal(e.message['squall.reason'], 'failed after 3 deliveries (maxDeliveries 3)');
      assert.equal(e.message['squall.group'], 'redis-flow');
      assert.ok(Math.abs(Date.parse(e.message['squall.time']!) - Date.now()) < 600_000, `an ISO time: ${e.message['squall.time']}`);
    }
    assert.equal((await entries(client, 'out')).length, 27, 'the rest reached the sink');
    assert.equal(await pendingCount(client, 'in', 'redis-flow'), 0, 'dead-lettered entries are acknowledged');
    assert.equal(stat(run, 'reader').failed, 9, 'three fails per poison entry');
    assert.equal(stat(run, 'reader').emitted, 30 + 6, 'two replays per poison entry');
    assert.ok(logs(run, 'reader').some((l) => /moved to "in:dead" \(failed after 3 deliveries \(maxDeliveries 3\)\); 3 dead-lettered so far/.test(l)));
    const heard = logs(run, 'reader').filter((l) => l.startsWith('onFail ')).sort();
    assert.deepEqual(heard, ['13', '13', '13', '23', '23', '23', '3', '3', '3'].map((seq) => `onFail seq ${seq}`), "the user's onFail, with the values");
  });

  it("takes over a crashed predecessor's pending entries at once, never a live consumer's, and removes gone consumers", async () => {
    await client.xGroupCreate('in', 'redis-flow', '0', { MKSTREAM: true });
    await produce(client, 'in', 40);
    // A run on this host whose process has exited read 10 entries; a live instance (this test's process) read 10.
    const crashed = `redis-flow-reader-9@${hostname()}:${await exitedPid()}`;
    const live = `redis-flow-reader-1@${hostname()}:${process.pid}`;
    await client.sendCommand(['XREADGROUP', 'GROUP', 'redis-flow', crashed, 'COUNT', '10', 'STREAMS', 'in', '>']);
    await client.sendCommand(['XREADGROUP', 'GROUP', 'redis-flow', live, 'COUNT', '10', 'STREAMS', 'in', '>']);
    // Default timeouts: consumers are judged gone by idle time only after 60 s, longer than this run lasts.
    const run = await runUntil(flow, { 'squall.redis.url': server.url }, async () => (await client.xLen('out')) >= 30 && (await pendingCount(client, 'in', 'redis-flow')) === 10);
    const out = await entries(client, 'out');
    assert.deepEqual(out.map((e) => Number(e.message.seq)).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i).filter((i) => i < 10 || i >= 20));
    const reader = logs(run, 'reader');
    assert.ok(reader.includes(`took over 10 entries pending with consumer "${crashed}" (its process is gone)`), reader.join('\n'));
    assert.ok(reader.includes(`removed consumer "${crashed}" of group "redis-flow" (its process is gone; nothing pending)`), reader.join('\n'));
    const consumers = (await client.sendCommand(['XINFO', 'CONSUMERS', 'in', 'redis-flow'])) as unknown[][];
    const pendingOf = new Map(consumers.map((c) => [String(c[1]), Number(c[3])]));
    assert.equal(pendingOf.get(live), 10, "the live instance's entries are its own still");
    assert.equal(pendingOf.has(crashed), false);
  });

  it('takes over the entries of a consumer not heard from in claimIdleMs, and removes idle consumers with none', async () => {
    await client.xGroupCreate('in', 'redis-flow', '0', { MKSTREAM: true });
    await produce(client, 'in', 30);
    const live = `elsewhere@other-host:1`;
    await client.sendCommand(['XREADGROUP', 'GROUP', 'redis-flow', 'gone-consumer', 'COUNT', '10', 'STREAMS', 'in', '>']);
    const held = (await client.sendCommand(['XREADGROUP', 'GROUP', 'redis-flow', live, 'COUNT', '10', 'STREAMS', 'in', '>'])) as [[string, Array<[string]>]];
    await client.sendCommand(['XGROUP', 'CREATECONSUMER', 'in', 'redis-flow', 'gone-empty']);
    // Message timeout 1 s: a consumer idle over 2 s is gone. The live one replays its entries as a spout does
    // after a timeout (XCLAIM to itself), which keeps them younger than that.
    const alive = () => client.sendCommand(['XCLAIM', 'in', 'redis-flow', live, '0', ...held[0][1].map((e) => e[0]), 'JUSTID']);
    const run = await runUntil(flow, { 'squall.redis.url': server.url, 'topology.message.timeout.secs': 1 }, async () => {
      await alive();
      return (await client.xLen('out')) >= 20 && (await pendingCount(client, 'in', 'redis-flow')) === 10;
    });
    const reader = logs(run, 'reader');
    assert.ok(reader.some((l) => /^took over 10 entries pending with consumer "gone-consumer" \(not heard from in \d+s\)$/.test(l)), reader.join('\n'));
    assert.ok(reader.some((l) => /^removed consumer "gone-empty" of group "redis-flow" \(not heard from in \d+s; nothing pending\)$/.test(l)), reader.join('\n'));
    const consumers = (await client.sendCommand(['XINFO', 'CONSUMERS', 'in', 'redis-flow'])) as unknown[][];
    assert.equal(consumers.find((c) => c[1] === live)?.[3], 10, "a consumer that reads is never robbed");
    assert.deepEqual(
      (await entries(client, 'out')).map((e) => Number(e.message.seq)).sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i).filter((i) => i < 10 || i >= 20),
    );
  });

  it('never has more entries in flight than topology.max.spout.pending', async () => {
    await produce(client, 'in', 200);
    const run = await runUntil(
      flow,
      { 'squall.redis.url': server.url, 'topology.max.spout.pending': 7, 'test.delay.ms': 20 },
      async () => (await client.xLen('out')) >= 200,
    );
    const highs = logs(run, 'check').filter((l) => l.startsWith('holding ')).map((l) => Number(l.slice(8)));
    assert.equal(Math.max(...highs), 7, `most tuples held at once: ${highs.join(', ')}`);
    assert.equal((await entries(client, 'out')).length, 200);
  });

  it('fails tuples while Redis is down and delivers them once it is back, with a log line for each', async () => {
    await produce(client, 'in', 100);
    let restarted = false;
    const run = await runUntil(flow, { 'squall.redis.url': server.url }, async () => {
      if (!restarted && (await client.xLen('out')) > 0) {
        restarted = true;
        await server.kill();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await server.restart();
        return false;
      }
      return restarted && (await client.xLen('out').catch(() => 0)) >= 100 && (await pendingCount(client, 'in', 'redis-flow')) === 0;
    }, 25_000);
    const out = await entries(client, 'out');
    assert.deepEqual([...new Set(out.map((e) => Number(e.message.seq)))].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i), 'none lost');
    for (const component of ['reader', 'sink']) {
      const lines = logs(run, component);
      assert.ok(lines.some((l) => new RegExp(`Redis at redis://127\\.0\\.0\\.1:${server.port} unreachable .*; reconnecting with back-off`).test(l)), `${component}: ${lines.join('\n')}`);
      assert.ok(lines.some((l) => /reconnected to Redis at .* after \d+\.\ds/.test(l)), `${component}: ${lines.join('\n')}`);
    }
    assert.equal(await client.xLen('in:dead'), 0, 'an outage dead-letters nothing');
  });

  it('starts while Redis is down, says so, and flows once Redis is up', async () => {
    const port = await freePort();
    let late: RedisServer | undefined;
    let lateClient: Client | undefined;
    try {
      // A spout that waited for Redis before answering `next` would be killed after this subprocess timeout.
      const conf = { 'squall.redis.url': `redis://127.0.0.1:${port}`, 'topology.subprocess.timeout.secs': 2 };
      const run = await runUntil(flow, conf, async () => {
        if (!late) {
          // Longer than the subprocess timeout with nothing listening, then a server with 50 entries waiting.
          await new Promise((resolve) => setTimeout(resolve, 3500));
          late = await RedisServer.start([], port);
          lateClient = createClient({ url: late.url, RESP: 2 });
          lateClient.on('error', () => {});
          await lateClient.connect();
          await produce(lateClient, 'in', 50);
          return false;
        }
        return (await lateClient!.xLen('out')) >= 50 && (await pendingCount(lateClient!, 'in', 'redis-flow')) === 0;
      });
      assert.equal((await entries(lateClient!, 'out')).length, 50);
      const reader = logs(run, 'reader');
      assert.ok(reader.some((l) => l.startsWith(`reader[2]: Redis at redis://127.0.0.1:${port} unreachable (`)), reader.join('\n'));
      assert.ok(reader.some((l) => l.startsWith(`reader[2]: reconnected to Redis at redis://127.0.0.1:${port} after `)), reader.join('\n'));
      const reconnected = reader.findIndex((l) => l.startsWith(`reader[2]: reconnected to Redis at`));
      const reading = reader.findIndex((l) => l.startsWith('reading stream "in" as '));
      assert.ok(reading > reconnected, `"reading stream" only once it can: ${reader.join('\n')}`);
      const deaths = run.events.filter((e) => e.kind === 'death' && e.component === 'reader').map((e) => e.message);
      assert.deepEqual(deaths, [], 'the spout answered while it waited for Redis');
    } finally {
      await lateClient?.close();
      await late?.stop();
    }
  });

  it('a wrong password ends with one clear error naming the URL (password hidden)', async () => {
    const secured = await RedisServer.start(['--requirepass', 'right']);
    try {
      const url = `redis://:wrong@127.0.0.1:${secured.port}`;
      const lines: string[] = [];
      const connection = new RedisConnection(url, logger(lines), 'reader[1]');
      await assert.rejects(connection.started(), (err: Error) => {
        assert.match(err.message, new RegExp(`^reader\\[1\\]: cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${secured.port}/?: authentication failed`));
        assert.doesNotMatch(err.message, /wrong/);
        return true;
      });
      await connection.close();
      // In a topology: the error reaches Storm's error report, naming the URL.
      const run = await runUntil(flow, { 'squall.redis.url': url }, async () => false, 1500);
      const errors = run.events.filter((e) => e.kind === 'error').map((e) => e.message);
      assert.ok(errors.some((m) => m.includes(`cannot use Redis at redis://:***@127.0.0.1:${secured.port}`) && m.includes('authentication failed')), errors.join('\n'));
    } finally {
      await secured.stop();
    }
  });

  it('an unusable URL is one clear error saying what a URL looks like', () => {
    assert.throws(
      () => new RedisConnection('http://127.0.0.1:6379', logger([]), 'sink[3]'),
      /^Error: sink\[3\]: invalid Redis URL "http:\/\/127\.0\.0\.1:6379\/?" \(.*\); use redis:\/\/\[user:password@\]host:port\[\/db\]/,
    );
  });

  it('maps entries with toTuple (parking one that throws), picks the sink stream per tuple, and trims with MAXLEN ~', async () => {
    await produce(client, 'in', 1000, (i) => (i === 7 ? 'unmappable' : `body ${i}`));
    const last = async (stream: string) => ((await client.xRevRange(stream, '+', '-', { COUNT: 1 })) as Array<{ message: Record<string, string> }>)[0]?.message;
    const run = await runUntil(
      join(TOPOLOGIES, 'redis-sink.ts'),
      { 'squall.redis.url': server.url },
      async () => (await client.xLen('in:dead')) === 1 && (await pendingCount(client, 'in', 'redis-sink')) === 0 && (await last('out-1'))?.n === '999',
    );
    const source = new Map((await entries(client, 'in')).map((e) => [e.message.seq, e.id]));
    for (const [stream, n] of [['out-0', '998'], ['out-1', '999']] as const) {
      const length = await client.xLen(stream);
      assert.ok(length >= 10 && length < 500, `${stream} trimmed to about 10 entries (whole nodes at a time): ${length}`);
      assert.deepEqual(await last(stream), { n, from: source.get(n) }, `${stream}: the entry toEntry built`);
    }
    const [dead] = await entries(client, 'in:dead');
    assert.equal(dead!.message['squall.id'], source.get('7'));
    assert.equal(dead!.message['squall.reason'], 'toTuple threw Error: unmappable entry');
    assert.equal(dead!.message.body, 'unmappable', 'the entry as it was');
    assert.equal(stat(run, 'reader').emitted, 999, 'the unmappable entry was never emitted');
    assert.equal(stat(run, 'sink').deaths + stat(run, 'reader').deaths, 0);
  });

  it('toTuple picks the output stream per entry, or skips an entry (acked without a tuple)', async () => {
    await produce(client, 'in', 30, (i) => ['skip', 'audit', `body ${i}`][i % 3]!);
    const run = await runUntil(join(TOPOLOGIES, 'redis-route.ts'), { 'squall.redis.url': server.url }, async () =>
      (await client.xLen('out')) >= 10 && (await client.xLen('audit-out')) >= 10 && (await pendingCount(client, 'in', 'redis-route')) === 0,
    );
    assert.deepEqual((await entries(client, 'audit-out')).map((e) => e.message.body), Array(10).fill('audit'));
    assert.ok((await entries(client, 'out')).every((e) => e.message.body!.startsWith('body ')));
    assert.equal(await client.xLen('out'), 10);
    assert.equal(await pendingCount(client, 'in', 'redis-route'), 0, 'skipped entries are acknowledged');
    assert.ok(logs(run, 'reader').some((l) => /read 30, recovered 0, claimed 0, skipped 10, acked 20,/.test(l)), logs(run, 'reader').join('\n'));
  });

  it('a spout with no declared output fields and no toTuple is one clear error', async () => {
    const run = await runUntil(join(TOPOLOGIES, 'redis-no-fields.ts'), { 'squall.redis.url': server.url }, async () => false, 1000);
    const errors = run.events.filter((e) => e.kind === 'error').map((e) => e.message);
    assert.ok(
      errors.some((m) => m.includes("reader: RedisStreamSpout emits the entry fields named by its output fields, and it declares none: declare them (outputs: { default: ['field', …] }) or give options.toTuple")),
      errors.join('\n'),
    );
  });

  it('a bad option is one clear error naming it', async () => {
    const context = new TopologyContext({
      taskid: 4,
      componentid: 'reader',
      'task->component': { '4': 'reader' },
      'stream->outputfields': { default: ['body'] },
    } as HandshakeContext);
    for (const [options, message] of [
      [{}, "reader: RedisStreamSpout needs a stream: set options.stream (e.g. static options = { stream: 'orders' })"],
      [{ stream: 'in', batchSize: 0 }, 'reader: RedisStreamSpout option batchSize must be a whole number >= 1, got 0'],
      [{ stream: 'in', blockMs: 1.5 }, 'reader: RedisStreamSpout option blockMs must be a whole number >= 0, got 1.5'],
      [{ stream: 'in', maxDeliveries: 0 }, 'reader: RedisStreamSpout option maxDeliveries must be a whole number >= 1, got 0'],
    ] as const) {
      const spout = new (class extends RedisStreamSpout {})(options);
      await assert.rejects(Promise.resolve(spout.initialize({}, context)), { message });
    }
    for (const [options, message] of [
      [{}, "reader: RedisStreamBolt needs a stream: set options.stream (e.g. static options = { stream: 'results' })"],
      [{ stream: 'out', maxLen: 0 }, 'reader: RedisStreamBolt option maxLen must be a whole number >= 1, got 0'],
    ] as const) {
      const bolt = new (class extends RedisStreamBolt {})(options);
      await assert.rejects(Promise.resolve(bolt.initialize({}, context)), { message });
    }
  });

  it('examples/redis: the producer fills "orders", the topology writes running totals to "order-totals"', async () => {
    await execa(process.execPath, [join(ROOT, 'dist', 'examples', 'redis', 'produce.js'), '500', server.url]);
    assert.equal(await client.xLen('orders'), 500);
    const expected = new Map<string, number>();
    for (const e of await entries(client, 'orders')) expected.set(e.message.product!, (expected.get(e.message.product!) ?? 0) + Number(e.message.quantity));
    const final = async () => {
      const latest = new Map<string, number>();
      for (const e of await entries(client, 'order-totals')) latest.set(e.message.product!, Number(e.message.total));
      return latest;
    };
    await runUntil(join(ROOT, 'examples', 'redis'), { 'squall.redis.url': server.url }, async () => (await pendingCount(client, 'orders', 'redis-orders').catch(() => 1)) === 0 && (await client.xLen('order-totals')) >= 500);
    assert.deepEqual(Object.fromEntries([...(await final())].sort()), Object.fromEntries([...expected].sort()), 'the last total of each product is the sum of its orders');
  });

  // Secrets, permissions, clean stops, hangs and restarts.
  const SECRET = 'se#cr/et42';
  const leaks = (texts: string[]) => texts.filter((t) => t.includes('cr/et42') || t.includes('et42'));

  const allText = (run: ClusterRun) => run.events.map((e) => ('message' in e ? String(e.message) : JSON.stringify(e)));

  it('masks the password of any URL, parseable or not, in logs, errors and the local UI', async () => {
    for (const [url, shown] of [
      [`redis://user:${SECRET}@127.0.0.1:6392`, 'redis://user:***@127.0.0.1:6392'],
      [`redis://:${SECRET}@127.0.0.1:6392/0`, 'redis://:***@127.0.0.1:6392/0'],
      [`redis//user:${SECRET}@127.0.0.1:6392`, 'redis//user:***@127.0.0.1:6392'],
      [`rediss://${SECRET}@host:1`, 'rediss://***@host:1'],
      [`user:${SECRET}@host:1`, 'user:***@host:1'],
      [`redis://host:1/0?password=${SECRET}`, 'redis://host:1/0?password=***'],
      ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ] as const) {
      assert.equal(redactUrl(url), shown, url);
    }
    assert.deepEqual(
      maskConfiguration({ 'squall.redis.url': `redis://u:${SECRET}@h:1`, 'storm.zookeeper.auth.password': 'x', nested: { list: [`redis://:${SECRET}@h`] }, 'topology.workers': 2, who: 'ops@example.com' }),
      { 'squall.redis.url': 'redis://u:***@h:1', 'storm.zookeeper.auth.password': '***', nested: { list: ['redis://:***@h'] }, 'topology.workers': 2, who: 'ops@example.com' },
    );
    // An unparseable URL in a topology: the error it reports and every log line keep the password out.
    const url = `redis://user:${SECRET}@127.0.0.1:${server.port}`;
    assert.throws(() => new RedisConnection(url, logger([]), 'reader[1]'), (err: Error) => {
      assert.match(err.message, /^reader\[1\]: invalid Redis URL "redis:\/\/user:\*\*\*@127\.0\.0\.1:\d+"/);
      assert.deepEqual(leaks([err.message, String(err.stack)]), []);
      return true;
    });
    const run = await runUntil(flow, { 'squall.redis.url': url }, async () => false, 2000);
    assert.ok(run.events.some((e) => e.kind === 'error' && e.message.includes('invalid Redis URL "redis://user:***@')), allText(run).join('\n'));
    assert.deepEqual(leaks(allText(run)), []);
    // The local UI serves the configuration with credentials masked.
    const loaded = await load(flow, { 'squall.redis.url': server.url });
    const cluster = new LocalCluster(loaded.spec, { squall: { command: process.execPath, script: loaded.bundle }, resourcesDir: loaded.resourcesDir });
    await cluster.start();
    const ui = serveLocalUi(cluster, { 'squall.redis.url': `redis://user:${SECRET}@127.0.0.1:${server.port}` }, await bindUiPort(0));
    try {
      const summary = (await (await fetch(`${ui.url}/api/v1/topology/summary`)).json()) as { topologies: Array<{ id: string }> };
      const page = await (await fetch(`${ui.url}/api/v1/topology/${summary.topologies[0]!.id}`)).text();
      assert.equal((JSON.parse(page) as { configuration: Record<string, unknown> }).configuration['squall.redis.url'], `redis://user:***@127.0.0.1:${server.port}`);
      assert.deepEqual(leaks([page]), []);
    } finally {
      await ui.close();
      await cluster.stop(2000);
    }
    // The example producer, with a password and with an unparseable URL.
    const secured = await RedisServer.start(['--requirepass', SECRET]);
    try {
      const ok = await execa(process.execPath, [join(ROOT, 'dist', 'examples', 'redis', 'produce.js'), '5', `redis://:${encodeURIComponent(SECRET)}@127.0.0.1:${secured.port}`]);
      assert.match(ok.stdout, /^added 5 orders to "orders" at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
      const bad = await execa(process.execPath, [join(ROOT, 'dist', 'examples', 'redis', 'produce.js'), '5', `redis://:${SECRET}@127.0.0.1:${secured.port}`], { reject: false });
      assert.equal(bad.exitCode, 1);
      assert.match(bad.stderr, /cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
      assert.deepEqual(leaks([ok.stdout, ok.stderr, bad.stdout, bad.stderr]), []);
    } finally {
      await secured.stop();
    }
  });

  it('reads the URL from the environment variable squall.redis.url.env names, and says which one is unset', async () => {
    const secured = await RedisServer.start(['--requirepass', SECRET]);
    const securedClient = createClient({ url: `redis://:${encodeURIComponent(SECRET)}@127.0.0.1:${secured.port}`, RESP: 2 }) as unknown as Client;
    securedClient.on('error', () => {});
    process.env.SQUALL_TEST_REDIS_URL = `redis://:${encodeURIComponent(SECRET)}@127.0.0.1:${secured.port}`;
    try {
      await securedClient.connect();
      await produce(securedClient, 'in', 20);
      const run = await runUntil(flow, { 'squall.redis.url.env': 'SQUALL_TEST_REDIS_URL' }, async () => (await securedClient.xLen('out')) >= 20);
      assert.equal(await securedClient.xLen('out'), 20);
      assert.deepEqual(leaks(allText(run)), []);
      const unset = await runUntil(flow, { 'squall.redis.url.env': 'SQUALL_TEST_NO_SUCH_VARIABLE' }, async () => false, 1500);
      assert.ok(
        unset.events.some((e) => e.kind === 'error' && e.message.includes('the environment variable SQUALL_TEST_NO_SUCH_VARIABLE (named by the conf key squall.redis.url.env) is not set')),
        allText(unset).join('\n'),
      );
    } finally {
      delete process.env.SQUALL_TEST_REDIS_URL;
      await securedClient.close().catch(() => {});
      await secured.stop();
    }
  });

  it('dead-letters without MULTI/EXEC, and a refused dead-letter XADD leaves the entry pending, as an error', async () => {
    // The ACL the README lists, without MULTI or EXEC.
    await client.sendCommand(['ACL', 'SETUSER', 'narrow', 'on', '>pw', 'resetkeys', '~in', '~in:dead', '~out', '-@all', ...CONNECTOR_COMMANDS]);
    await produce(client, 'in', 20, (i) => (i === 5 ? 'poison' : `body ${i}`));
    const narrowUrl = `redis://narrow:pw@127.0.0.1:${server.port}`;
    await runUntil(flow, { 'squall.redis.url': narrowUrl }, async () => (await client.xLen('in:dead')) >= 1 && (await pendingCount(client, 'in', 'redis-flow')) === 0);
    assert.equal(await client.xLen('in:dead'), 1);
    assert.equal(await client.xLen('out'), 19);
    assert.equal(await pendingCount(client, 'in', 'redis-flow'), 0);

    // No right on the dead-letter key: the poison entry must stay pending.
    await client.flushAll();
    await client.sendCommand(['ACL', 'SETUSER', 'nodead', 'on', '>pw', 'resetkeys', '~in', '~out', '-@all', ...CONNECTOR_COMMANDS]);
    await produce(client, 'in', 20, (i) => (i === 5 ? 'poison' : `body ${i}`));
    // Run on for 2 s after the rest is through: the poison entry's three deliveries and the refused XADD.
    let through = 0;
    const run = await runUntil(flow, { 'squall.redis.url': `redis://nodead:pw@127.0.0.1:${server.port}` }, async () => {
      if (through === 0 && (await client.xLen('out')) >= 19) through = Date.now();
      return through > 0 && Date.now() - through > 2000;
    });
    const errors = run.events.filter((e) => e.kind === 'error' || (e.kind === 'log' && /could not be moved/.test(e.message))).map((e) => e.message);
    assert.ok(errors.some((m) => /entry \d+-\d+ of "in" could not be moved to "in:dead" and stays pending: .*NOPERM/.test(m)), allText(run).join('\n'));
    assert.ok(errors.some((m) => m.includes(`cannot use Redis at redis://nodead:***@127.0.0.1:${server.port}: the Redis user lacks a permission`)), errors.join('\n'));
    assert.equal(await client.xLen('in:dead'), 0);
    assert.equal(await pendingCount(client, 'in', 'redis-flow'), 1, 'the poison entry is still pending: nothing lost');
  });

  it('a clean stop leaves nothing pending: acks that arrive after deactivation are XACKed', async () => {
    await produce(client, 'in', 2000);
    // Stopped mid-flow, with up to 500 trees in flight, each held 200 ms by the check bolt (100 at a time).
    const run = await runUntil(flow, { 'squall.redis.url': server.url, 'topology.max.spout.pending': 500, 'test.delay.ms': 200 }, async () => (await client.xLen('out')) >= 300);
    const emitted = stat(run, 'reader').emitted;
    assert.ok(emitted < 2000, `stopped mid-flow (${emitted} emitted)`);
    assert.equal(await pendingCount(client, 'in', 'redis-flow'), 0, 'every entry emitted was acked in Storm and XACKed in Redis');
    assert.equal(await client.xLen('out'), stat(run, 'reader').acked);
  });

  it('missing password, missing rights and rejected certificates: each one clear fatal error naming the URL', async () => {
    const secured = await RedisServer.start(['--requirepass', SECRET]);
    try {
      const run = await runUntil(flow, { 'squall.redis.url': `redis://127.0.0.1:${secured.port}` }, async () => false, 2500);
      const errors = run.events.filter((e) => e.kind === 'error').map((e) => e.message);
      assert.ok(errors.some((m) => m.includes(`cannot use Redis at redis://127.0.0.1:${secured.port}: Redis requires a password and the URL gives none`)), allText(run).join('\n'));
      assert.deepEqual(logs(run, 'reader').filter((l) => /unreachable/.test(l)), [], 'no outage reported for what is not one');
    } finally {
      await secured.stop();
    }
    // A user without XINFO (the spout looks for consumers that are gone before it reads).
    await client.sendCommand(['ACL', 'SETUSER', 'noinfo', 'on', '>pw', 'resetkeys', '~in', '~in:dead', '~out', '-@all', ...CONNECTOR_COMMANDS, '-xinfo']);
    await produce(client, 'in', 5);
    const run = await runUntil(flow, { 'squall.redis.url': `redis://noinfo:pw@127.0.0.1:${server.port}` }, async () => false, 2500);
    const errors = run.events.filter((e) => e.kind === 'error').map((e) => e.message);
    assert.ok(
      errors.some((m) => m.includes(`cannot use Redis at redis://noinfo:***@127.0.0.1:${server.port}: the Redis user lacks a permission`) && m.includes('XINFO CONSUMERS') && /NOPERM/.test(m)),
      allText(run).join('\n'),
    );
    // TLS: a server certificate from an unknown CA, then a server that requires a client certificate.
    const files = makeTlsFiles();
    const tlsPort = await freePort();
    const mtlsPort = await freePort();
    const tlsServer = await RedisServer.start(tlsArgs(files, tlsPort, false));
    const mtlsServer = await RedisServer.start(tlsArgs(files, mtlsPort, true));
    try {
      const unknownCa = new RedisConnection(`rediss://127.0.0.1:${tlsPort}`, logger([]), 'reader[1]');
      await assert.rejects(unknownCa.started(), (err: Error) => {
        assert.match(err.message, new RegExp(`^reader\\[1\\]: cannot use Redis at rediss://127\\.0\\.0\\.1:${tlsPort}: the server's TLS certificate was rejected: give the CA`));
        return true;
      });
      await unknownCa.close();
      const ca = readFileSync(files.ca, 'utf8');
      const trusted = new RedisConnection(`rediss://127.0.0.1:${tlsPort}`, logger([]), 'reader[1]', { tls: { ca } });
      await trusted.started();
      assert.equal(await trusted.command(['PING']), 'PONG', 'the tls option ca is used');
      await trusted.close();
      const lines: string[] = [];
      const noCert = new RedisConnection(`rediss://127.0.0.1:${mtlsPort}`, logger(lines), 'reader[1]', { tls: { ca } });
      await assert.rejects(noCert.started(), /requires a client certificate it trusts\): give the tls options cert and key|certificate/);
      await noCert.close();
      const withCert = new RedisConnection(`rediss://127.0.0.1:${mtlsPort}`, logger([]), 'reader[1]', { tls: { ca, cert: readFileSync(files.clientCert, 'utf8'), key: readFileSync(files.clientKey, 'utf8') } });
      await withCert.started();
      assert.equal(await withCert.command(['PING']), 'PONG', 'the tls options cert and key are used');
      await withCert.close();
    } finally {
      await tlsServer.stop();
      await mtlsServer.stop();
      rmSync(files.dir, { recursive: true, force: true });
    }
  });

  it('keeps answering Storm while Redis hangs (CLIENT PAUSE), says so, and delivers everything after', async () => {
    await produce(client, 'in', 200);
    const pauser = createClient({ url: server.url, RESP: 2 });
    pauser.on('error', () => {});
    await pauser.connect();
    let paused = false;
    try {
      // Subprocess timeout 3 s: a spout waiting on Redis for the 6 s pause would be killed. The pending limit is
      // above the 200 entries, so the reader always has room and keeps polling (XREADGROUP … BLOCK) through the
      // pause: with a lower limit it could sit full, sending Redis nothing, and have nothing to say.
      const run = await runUntil(flow, { 'squall.redis.url': server.url, 'topology.subprocess.timeout.secs': 3, 'topology.max.spout.pending': 1000 }, async () => {
        if (!paused && (await client.xLen('out')) > 0) {
          paused = true;
          await pauser.sendCommand(['CLIENT', 'PAUSE', '6000', 'ALL']);
          return false;
        }
        return paused && (await client.xLen('out')) >= 200 && (await pendingCount(client, 'in', 'redis-flow')) === 0;
      }, 30_000);
      const deaths = run.events.filter((e) => e.kind === 'death').map((e) => `${e.component}: ${e.message}`);
      assert.deepEqual(deaths, [], 'no component missed a heartbeat');
      const reader = logs(run, 'reader');
      assert.ok(reader.some((l) => /: Redis at redis:\/\/127\.0\.0\.1:\d+\/? has not answered within 1000 ms .*; doing nothing until it answers/.test(l)), reader.join('\n'));
      assert.ok(reader.some((l) => /: Redis at .* answers again after \d+\.\ds/.test(l)), reader.join('\n'));
      const seqs = new Set((await entries(client, 'out')).map((e) => e.message.seq));
      assert.equal(seqs.size, 200, 'none lost');
    } finally {
      await pauser.close().catch(() => {});
    }
  });

  it('idempotent sink: a write whose key was written already adds nothing', async () => {
    await produce(client, 'in', 50);
    await produce(client, 'in', 50, (i) => `again ${i}`);
    // Until all 100 are read and acked: an empty pending list alone also holds before the first read.
    const done = async () => (await client.xLen('out')) >= 50 && (await pendingCount(client, 'in', 'redis-once').catch(() => 1)) === 0 && (await lastDelivered(client, 'in')) === (await entries(client, 'in'))[99]?.id;
    await runUntil(join(TOPOLOGIES, 'redis-once.ts'), { 'squall.redis.url': server.url }, done);
    const out = await entries(client, 'out');
    assert.deepEqual(out.map((e) => Number(e.message.seq)).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i), 'each seq once');
    assert.ok(out.every((e) => e.message.body === `body ${e.message.seq}`), 'the first write of each key');
    const ttl = Number(await client.sendCommand(['PTTL', 'out:written:7']));
    assert.ok(ttl > 0 && ttl <= 86_400_000, `the marker expires (${ttl} ms left)`);
  });

  it('counts deliveries in Redis: a poison entry reaches the dead-letter stream across restarts', async () => {
    const poison = join(TOPOLOGIES, 'redis-poison.ts');
    await produce(client, 'in', 10, (i) => (i === 4 ? 'poison' : `body ${i}`));
    const deliveries = async () => {
      const rows = ((await client.sendCommand(['XPENDING', 'in', 'redis-poison', '-', '+', '10']).catch(() => [])) as Array<[string, string, number, number]>);
      return rows.length === 0 ? 0 : Number(rows[0]![3]);
    };
    // Two runs, each stopped once the poison entry has been delivered (and failed) once more: its replay is due in
    // 10 minutes, so within one run it is never delivered twice.
    for (const n of [1, 2]) {
      const run = await runUntil(poison, { 'squall.redis.url': server.url }, async () => (await deliveries()) >= n && (await client.xLen('out')) >= 9);
      assert.equal(stat(run, 'reader').failed, 1, `run ${n}: the poison entry failed once`);
    }
    assert.equal(await client.xLen('in:dead'), 0);
    const run = await runUntil(poison, { 'squall.redis.url': server.url }, async () => (await client.xLen('in:dead')) >= 1);
    const [dead] = await entries(client, 'in:dead');
    assert.equal(dead?.message['squall.deliveries'], '3', 'the third delivery, in the third run');
    assert.equal(dead?.message.body, 'poison');
    assert.equal(stat(run, 'reader').failed, 1);
    assert.equal(await pendingCount(client, 'in', 'redis-poison'), 0);
    assert.equal(await client.xLen('out'), 9);
  });
});

/** What the connector runs: the README's ACL, as ACL SETUSER arguments. */
const CONNECTOR_COMMANDS = ['+xgroup|create', '+xgroup|delconsumer', '+xreadgroup', '+xack', '+xpending', '+xclaim', '+xinfo|consumers', '+xadd', '+ping'];

/** The pid of a process that has exited. */
async function exitedPid(): Promise<number> {
  const child = await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout);
}

function taskOf(loaded: Awaited<ReturnType<typeof load>>, component: string): number {
  return [...assignTasks(loaded.spec)].find(([, c]) => c.id === component)![0];
}

function logger(lines: string[]): Logger {
  const push = (m: string) => void lines.push(m);
  return { trace: push, debug: push, info: push, warn: push, error: push };
}
