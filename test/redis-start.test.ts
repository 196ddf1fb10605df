/**
 * The Redis spout's start position (once per deployment, told apart by storm.id), its replay jitter, and node-redis
 * client options for spout and sink, against a real redis-server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { execa } from 'execa';
import { clientOptionsProblem, RedisConnection } from '../src/connectors/redis/client.js';
import { RedisStreamSpout } from '../src/connectors/redis/index.js';
import { replayDelay } from '../src/connectors/redis/replay-delay.js';
import { deploymentMarker, moveOncePerDeployment } from '../src/connectors/redis/start-position.js';
import { TopologyContext } from '../src/component/context.js';
import type { HandshakeContext } from '../src/wire/messages.js';
import type { RuntimeEvent } from '../src/runtime/local-cluster.js';
import type { LocalCluster } from '../src/runtime/local-cluster.js';
import { deploymentId } from '../src/runtime/assignment.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import type { RedisTestClient } from './helpers/redis-server.js';
import { load, RedisServer, redisServerMissing, startCluster, useRedisServer } from './helpers/redis-server.js';

const TOPOLOGY = join(SOURCE_FIXTURES, '..', 'topologies', 'redis-start.ts');
const GROUP = 'redis-start';
const skip = redisServerMissing();

type Client = RedisTestClient;

/** A running `redis-start` topology (a new deployment each time), with everything it reported so far. */
interface Run {
  cluster: LocalCluster;
  events: RuntimeEvent[];
}

async function start(conf: Record<string, unknown>): Promise<Run> {
  const events: RuntimeEvent[] = [];
  const cluster = await startCluster(await load(TOPOLOGY, conf), (e) => events.push(e));
  return { cluster, events };
}

/** Poll `done` every 100 ms until it holds; fails naming `what` after `limitMs`. */
async function waitFor(what: string, done: () => Promise<boolean> | boolean, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const readerLogs = (run: Run) => run.events.filter((e) => e.kind === 'log' && e.component === 'reader').map((e) => ('message' in e ? String(e.message) : ''));
const moves = (run: Run) => readerLogs(run).filter((l) => l.startsWith(`moved consumer group "${GROUP}" of "in"`));
/** The pids of the reader tasks that have started, in order (from their "reading stream" lines). */
const readerPids = (run: Run) => readerLogs(run).flatMap((l) => /^reading stream "in" as .*:(\d+)$/.exec(l)?.[1] ?? []).map(Number);

async function produce(client: Client, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) await client.xAdd('in', '*', { seq: String(i) });
}

/** The seqs in the sink stream, sorted. */
async function sunk(client: Client): Promise<number[]> {
  const out = (await client.xRange('out', '-', '+')) as Array<{ message: Record<string, string> }>;
  return out.map((e) => Number(e.message.seq)).sort((a, b) => a - b);
}

async function pending(client: Client): Promise<number> {
  return Number(((await client.sendCommand(['XPENDING', 'in', GROUP])) as unknown[])[0]);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('Redis spout start position, once per deployment', { skip }, () => {
  let server: RedisServer;
  let client: Client;
  const url = () => ({ 'squall.redis.url': server.url });

  useRedisServer((s, c) => ((server = s), (client = c)));

  it("'committed' (the default) keeps the group's position: a second run reads only what is new", async () => {
    await produce(client, 20);
    let run = await start(url());
    await waitFor('20 in the sink', async () => (await client.xLen('out')) === 20 && (await pending(client)) === 0);
    await run.cluster.stop(5000);
    await produce(client, 10, 20);
    run = await start(url());
    await waitFor('30 in the sink', async () => (await client.xLen('out')) >= 30 && (await pending(client)) === 0);
    await run.cluster.stop(5000);
    assert.deepEqual(await sunk(client), range(0, 30), 'each entry once');
    assert.deepEqual(moves(run), []);
    assert.equal(await client.exists(deploymentMarker('in', GROUP)), 0, "'committed' records nothing");
  });

  it("'earliest' re-reads the group from the start on a new deployment, once: not on another task, not on a task's restart", async () => {
    await produce(client, 20);
    let run = await start(url());
    await waitFor('20 in the sink', async () => (await client.xLen('out')) === 20 && (await pending(client)) === 0);
    await run.cluster.stop(5000);

    const earliest = { ...url(), 'test.reader.options': { startPosition: 'earliest' } };
    run = await start(earliest);
    await waitFor('the 20 again', async () => (await client.xLen('out')) >= 40 && (await pending(client)) === 0);
    const [first] = await client.zRange(deploymentMarker('in', GROUP), 0, -1);
    assert.match(first ?? '', /^redis-start-\d+-\d+$/, "the deployment recorded is storm.id, in Nimbus's form <name>-<counter>-<secs>");
    assert.equal(moves(run).length, 1, `one of the two reader tasks moved the group: ${readerLogs(run).join('\n')}`);
    assert.match(moves(run)[0]!, new RegExp(`to earliest for the new deployment ${first}$`));

    // A reader task of the same deployment dies and restarts: it must not move the group again.
    const [victim] = readerPids(run);
    process.kill(victim!, 'SIGKILL');
    await waitFor('the killed reader restarted', () => readerPids(run).length >= 3);
    await produce(client, 5, 20);
    await waitFor('the 5 new entries', async () => (await client.xLen('out')) >= 45 && (await pending(client)) === 0);
    await run.cluster.stop(5000);
    assert.equal(moves(run).length, 1, `the restarted task left the group where it was: ${readerLogs(run).join('\n')}`);
    assert.deepEqual(await sunk(client), [...range(0, 20), ...range(0, 25)].sort((a, b) => a - b), 'the old 20 twice, the new 5 once');

    // The next run is a new deployment: it moves the group again.
    await client.del('out');
    run = await start(earliest);
    await waitFor('all 25 again', async () => (await client.xLen('out')) >= 25 && (await pending(client)) === 0);
    await run.cluster.stop(5000);
    assert.equal(moves(run).length, 1);
    const second = (await client.zRange(deploymentMarker('in', GROUP), 0, -1)).find((d) => d !== first);
    assert.equal(await client.zCard(deploymentMarker('in', GROUP)), 2, 'both deployments are remembered');
    assert.notEqual(second, first, 'each run is a deployment of its own');
    assert.deepEqual(await sunk(client), range(0, 25));
  });

  it("'latest' skips the backlog of an existing group; entries pending from before stay pending and are delivered", async () => {
    await client.xGroupCreate('in', GROUP, '0', { MKSTREAM: true });
    await produce(client, 20);
    // An earlier deployment read 3 and never acked them (its process, on this host, is gone).
    const gone = await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await client.sendCommand(['XREADGROUP', 'GROUP', GROUP, `redis-start-reader-9@${hostname()}:${gone.stdout}`, 'COUNT', '3', 'STREAMS', 'in', '>']);
    const run = await start({ ...url(), 'test.reader.options': { startPosition: 'latest' } });
    await waitFor('the group moved', () => moves(run).length === 1);
    await produce(client, 5, 20);
    await waitFor('the 5 new entries and the 3 pending', async () => (await client.xLen('out')) >= 8 && (await pending(client)) === 0);
    await run.cluster.stop(5000);
    assert.deepEqual(await sunk(client), [0, 1, 2, ...range(20, 25)], 'the unread backlog (3 to 19) skipped');
    assert.match(moves(run)[0]!, /to latest for the new deployment redis-start-\d+-\d+; 3 entries pending from before stay pending and are delivered as usual$/);
  });

  it('two deployments live on one group: a restarted task of the older one does not move the group again', async () => {
    await client.xGroupCreate('in', GROUP, '0', { MKSTREAM: true });
    const log = () => {};
    const logger = { trace: log, debug: log, info: log, warn: log, error: log };
    const redis = new RedisConnection(server.url, logger, 'reader[3]');
    try {
      await redis.started();
      const at = (deployment: string) => ({ stream: 'in', group: GROUP, deployment, position: 'latest' as const });
      assert.equal(await moveOncePerDeployment(redis, logger, at('topo-1-100')), true, 'A starts: moves');
      assert.equal(await moveOncePerDeployment(redis, logger, at('topo-2-200')), true, 'B starts: moves');
      assert.equal(await moveOncePerDeployment(redis, logger, at('topo-1-100')), false, "A's task restarts after B: moves nothing");
      assert.deepEqual(await client.zRange(deploymentMarker('in', GROUP), 0, -1), ['topo-1-100', 'topo-2-200']);
    } finally {
      await redis.close();
    }
  });

  it('moves the group with the least ACL docs/redis.md lists for it', async () => {
    const connector = ['+xgroup|create', '+xgroup|delconsumer', '+xreadgroup', '+xack', '+xpending', '+xclaim', '+xinfo|consumers', '+xadd', '+ping'];
    await client.sendCommand(['ACL', 'SETUSER', 'mover', 'on', '>pw', 'resetkeys', '~in', '~in:dead', '~in:start:*', '~out', '-@all', ...connector, '+eval', '+zadd', '+zremrangebyrank', '+xgroup|setid', '+client|setname']);
    await produce(client, 5);
    await client.xGroupCreate('in', GROUP, '$');
    // With a client name, as the docs' sample sets one: node-redis sends CLIENT SETNAME (+client|setname).
    const run = await start({ 'squall.redis.url': `redis://mover:pw@127.0.0.1:${server.port}`, 'test.reader.options': { startPosition: 'earliest', clientOptions: { name: 'least-acl-reader' } } });
    await waitFor('the 5 entries', async () => (await client.xLen('out')) >= 5 && (await pending(client)) === 0);
    await run.cluster.stop(5000);
    assert.equal(moves(run).length, 1);
    assert.deepEqual(await sunk(client), range(0, 5));
  });

  it('{ timestamp } starts at the first entry added at or after it', async () => {
    for (let i = 0; i < 10; i++) await client.xAdd('in', `${1000 + i}-0`, { seq: String(i) });
    await client.xGroupCreate('in', GROUP, '$');
    const run = await start({ ...url(), 'test.reader.options': { startPosition: { timestamp: 1005 } } });
    await waitFor('5 entries', async () => (await client.xLen('out')) >= 5 && (await pending(client)) === 0);
    await run.cluster.stop(5000);
    assert.deepEqual(await sunk(client), range(5, 10));
    assert.match(moves(run)[0]!, /to 1970-01-01T00:00:01\.005Z \(timestamp 1005\) for the new deployment/);
  });

  it('clientOptions reach node-redis for spout and sink (name shows in CLIENT LIST)', async () => {
    await produce(client, 5);
    const run = await start({ ...url(), 'test.reader.options': { clientOptions: { name: 'orders-reader', pingInterval: 1000 } }, 'test.sink.options': { clientOptions: { name: 'orders-sink' } } });
    const names = async () => [...String(await client.sendCommand(['CLIENT', 'LIST'])).matchAll(/ name=(\S*)/g)].map((m) => m[1]!);
    try {
      await waitFor('5 in the sink', async () => (await client.xLen('out')) >= 5);
      // Each task's one connection, named as asked: both reader tasks and the sink.
      const named = async () => {
        const listed = await names();
        return listed.filter((n) => n === 'orders-reader').length === 2 && listed.filter((n) => n === 'orders-sink').length === 1;
      };
      await waitFor('the named connections', named, 5000).catch(async (err: Error) => assert.fail(`${err.message}: ${String(await client.sendCommand(['CLIENT', 'LIST']))}`));
    } finally {
      await run.cluster.stop(5000);
    }
  });

  it("the docs' sample (startPosition 'latest', jitter, clientOptions) skips the backlog and names its connections", async () => {
    await produce(client, 10);
    const events: RuntimeEvent[] = [];
    const cluster = await startCluster(await load(join(SOURCE_FIXTURES, '..', 'topologies', 'redis-latest.ts'), url()), (e) => events.push(e));
    try {
      await waitFor('the group moved', () => events.some((e) => e.kind === 'log' && /^moved consumer group "redis-latest" of "in" to latest/.test(String(e.message))));
      await produce(client, 5, 10);
      await waitFor('the 5 new entries', async () => (await client.xLen('out')) >= 5);
      const list = String(await client.sendCommand(['CLIENT', 'LIST']));
      assert.match(list, / name=orders-reader /);
      assert.match(list, / name=orders-sink /);
    } finally {
      await cluster.stop(5000);
    }
    assert.deepEqual(await sunk(client), range(10, 15));
  });
});

describe('Redis connector options: clear errors, replay jitter', () => {
  const context = new TopologyContext({ taskid: 4, componentid: 'reader', 'task->component': { '4': 'reader' }, 'stream->outputfields': { default: ['body'] } } as HandshakeContext);
  const conf = { 'topology.name': 'orders', 'storm.id': 'orders-1-1700000000' };

  it('a bad startPosition, startId beside a moving one, a missing storm.id or a bad retryJitter is one clear error', async () => {
    for (const [options, c, message] of [
      [{ stream: 'in', startPosition: 'first' }, conf, `reader: RedisStreamSpout option startPosition must be 'committed', 'earliest', 'latest' or { timestamp: <ms since the epoch> }, got "first"`],
      [{ stream: 'in', startPosition: { timestamp: -1 } }, conf, `reader: RedisStreamSpout option startPosition must be 'committed', 'earliest', 'latest' or { timestamp: <ms since the epoch> }, got {"timestamp":-1}`],
      [{ stream: 'in', startPosition: 'latest', startId: '$' }, conf, `reader: RedisStreamSpout options startId and startPosition "latest" both say where to start: drop startId (it applies with startPosition 'committed' only)`],
      [{ stream: 'in', startPosition: 'earliest' }, {}, 'reader: RedisStreamSpout startPosition "earliest" applies once per deployment, and the conf has no storm.id to tell deployments apart (Storm and squall run set it): put the deployment\'s id in the conf as storm.id, or use startPosition \'committed\''],
      [{ stream: 'in', retryJitter: 2 }, conf, 'reader: RedisStreamSpout option retryJitter must be a number from 0 to 1, got 2'],
    ] as const) {
      const spout = new (class extends RedisStreamSpout {})(options as never);
      await assert.rejects(Promise.resolve(spout.initialize(c, context)), { message });
    }
  });

  it('clientOptions that squall sets itself are refused, each named with where it belongs', () => {
    // Only squall's own keys are refused: a key an object inherits (toString, constructor) is not one of them.
    assert.equal(clientOptionsProblem({ name: 'fine', toString: 'x', constructor: 'y' } as never), undefined);
    const lines: string[] = [];
    const log = (m: string) => void lines.push(m);
    assert.throws(
      () => new RedisConnection('redis://127.0.0.1:1', { trace: log, debug: log, info: log, warn: log, error: log }, 'reader[4]', {
        clientOptions: { password: 'hunter2', name: 'fine', socket: { reconnectStrategy: false, keepAlive: true } } as never,
      }),
      {
        message:
          'reader[4]: clientOptions sets what squall sets itself (clientOptions.password: put it in the URL (redis://user:password@host:port), or the URL in an ' +
          'environment variable named by urlEnv; clientOptions.socket.reconnectStrategy: the connector reconnects with back-off and ends on errors no retry ' +
          'cures (wrong password, rights, certificate))',
      },
    );
    assert.ok(lines.every((l) => !l.includes('hunter2')));
  });

  it("each local run is a deployment of its own: storm.id in Nimbus's form <name>-<counter>-<unix secs>, never repeated", () => {
    const at = Date.parse('2026-12-03T07:00:00Z');
    const ids = [deploymentId('orders', at), deploymentId('orders', at)];
    for (const id of ids) assert.match(id, new RegExp(`^orders-\\d+-${at / 1000}$`));
    assert.notEqual(ids[0], ids[1], 'two runs started in the same second');
  });

  it('replay delays double up to the maximum, stay within the jitter band, and vary', () => {
    const backoff = { retryDelayMs: 100, maxRetryDelayMs: 10_000, retryJitter: 0.5 };
    for (let attempt = 1; attempt <= 12; attempt++) {
      const nominal = Math.min(100 * 2 ** (attempt - 1), 10_000);
      const delays = Array.from({ length: 200 }, () => replayDelay(attempt, backoff));
      assert.ok(delays.every((d) => d >= nominal / 2 && d <= nominal), `attempt ${attempt}: ${Math.min(...delays)}..${Math.max(...delays)} within ${nominal / 2}..${nominal}`);
      assert.ok(new Set(delays).size > 10, `attempt ${attempt}: the delays vary (${new Set(delays).size} distinct of 200)`);
    }
    assert.equal(replayDelay(3, backoff, () => 0), 400, 'no random part: the nominal delay');
    assert.equal(replayDelay(3, backoff, () => 0.999999), 200, 'the largest random part: half of it');
    assert.equal(replayDelay(3, { ...backoff, retryJitter: 0 }, Math.random), 400, 'jitter 0: exactly the nominal delay');
    assert.equal(replayDelay(20, { ...backoff, retryJitter: 1 }, () => 0.25), 7500, 'full jitter, capped first');
  });
});
