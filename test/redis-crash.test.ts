/**
 * At least once across crashes, measured: 10,000 entries go through reader (RedisStreamSpout) → relay → sink
 * (RedisStreamBolt) in the embedded runtime while this test SIGKILLs spout and bolt processes at random and once
 * SIGKILLs and restarts redis-server itself (append-only file, fsync always). Every entry must reach the sink
 * stream, duplicates are counted and reported, and the group's pending entries list must end empty.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { RuntimeEvent } from '../src/runtime/local-cluster.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { load, RedisServer, redisServerMissing } from './helpers/redis-server.js';
import { setTimeout as sleep } from 'node:timers/promises';

const TOTAL = 10_000;
const BATCH = 100;
/** Kills are spread over the first part of the run, while entries are still being produced and processed. */
const KILLS = 12;
const REDIS_RESTART_AT_KILL = 5;
/** In the idempotent run, the kill at which the whole run is killed and started again. */
const WHOLE_RUN_KILL_AT = 8;
/** The whole run, chaos and catching up, is bounded by this. */
const LIMIT_MS = 45_000;
const TOPOLOGY = join(SOURCE_FIXTURES, '..', 'topologies', 'redis-chaos.ts');

type Client = ReturnType<typeof createClient>;

interface Kill {
  target: string;
  /** Entries in the sink stream when it happened (below TOTAL: the kill hit a run in progress). */
  sinkLength: number;
}

describe('Redis Streams: at least once across crashes', { skip: redisServerMissing() }, () => {
  let server: RedisServer;
  let client: Client;

  before(async () => {
    server = await RedisServer.start();
    client = createClient({ url: server.url, RESP: 2, socket: { reconnectStrategy: 50 } });
    client.on('error', () => {});
    await client.connect();
  });
  after(async () => {
    await client?.close();
    await server?.stop();
  });

  for (const idempotent of [false, true]) {
  const title = idempotent
    ? `an idempotent sink gets all ${TOTAL} entries exactly once while spouts, bolts, redis-server and the whole run are SIGKILLed`
    : `delivers all ${TOTAL} entries while spouts, bolts and redis-server are SIGKILLed`;
  it(title, async (t) => {
    await client.flushAll();
    const deadline = Date.now() + LIMIT_MS;
    const pidDir = mkdtempSync(join(tmpdir(), 'squall-redis-pids-'));
    const loaded = await load(TOPOLOGY, { 'squall.redis.url': server.url, 'test.pid.dir': pidDir, 'test.idempotent': idempotent });
    const events: RuntimeEvent[] = [];
    const launch = async () => {
      const started = new LocalCluster(loaded.spec, {
        squall: { command: process.execPath, script: loaded.bundle },
        resourcesDir: loaded.resourcesDir,
        restartDelayMs: 200,
        onEvent: (e) => events.push(e),
      });
      await started.start();
      return started;
    };
    let cluster = await launch();
    let wholeRunKilledAt: number | undefined;
    const producing = produce(client, deadline);

    const kills: Kill[] = [];
    let redisRestartedAt: number | undefined;
    for (let k = 0; k < KILLS && Date.now() < deadline; k++) {
      await sleep(200 + Math.random() * 400);
      if (k === REDIS_RESTART_AT_KILL) {
        redisRestartedAt = await sinkLength(client);
        await server.restart();
      }
      if (idempotent && k === WHOLE_RUN_KILL_AT) {
        // As `kill -9` of squall run: every component at once, no deactivation, no drain; then a new run.
        wholeRunKilledAt = await sinkLength(client);
        for (const file of readdirSync(pidDir)) {
          try {
            process.kill(Number(readFileSync(join(pidDir, file), 'utf8')), 'SIGKILL');
          } catch {
            // gone already
          }
        }
        await cluster.stop(0);
        cluster = await launch();
        continue;
      }
      // Alternate spout and bolt tasks; which task of the kind is random.
      const kind = k % 2 === 0 ? /^reader-/ : /^(relay|sink)-/;
      const files = readdirSync(pidDir).filter((f) => kind.test(f));
      const target = files[Math.floor(Math.random() * files.length)]!;
      try {
        process.kill(Number(readFileSync(join(pidDir, target), 'utf8')), 'SIGKILL');
        kills.push({ target, sinkLength: await sinkLength(client) });
      } catch {
        // Already dead (killed before and not restarted yet): no kill this round.
      }
    }
    await producing;

    // Catch up: until every seq is in the sink stream and nothing is pending, bounded by the deadline.
    let distinct = 0;
    let pending = -1;
    while (Date.now() < deadline) {
      if ((await sinkLength(client)) >= TOTAL) {
        distinct = (await sinkSeqs(client)).size;
        pending = await pendingCount(client);
        if (distinct === TOTAL && pending === 0) break;
      }
      await sleep(300);
    }
    const stats = await cluster.stop(5000);
    rmSync(pidDir, { recursive: true, force: true });

    const out = await sinkSeqs(client);
    const length = await client.xLen('chaos-out');
    const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !out.has(String(i)));
    const deaths = Object.fromEntries(stats.map((s) => [s.component, s.deaths]));
    const reader = stats.find((s) => s.component === 'reader')!;
    t.diagnostic(
      `${TOTAL} entries: ${length} sink entries, ${out.size} distinct, ${length - out.size} duplicates, ${missing.length} missing; ` +
        `${kills.length} kills (${kills.map((k) => `${k.target}@${k.sinkLength}`).join(' ')}), redis-server restarted at ${redisRestartedAt}; ` +
        `deaths ${JSON.stringify(deaths)}; reader emitted ${reader.emitted}, acked ${reader.acked}, failed ${reader.failed}` +
        (idempotent ? `; whole run killed and restarted at ${wholeRunKilledAt}` : ''),
    );

    assert.equal(await client.xLen('chaos-in'), TOTAL, 'the producer added each entry once');
    assert.deepEqual(missing, [], 'no entry lost');
    assert.equal(out.size, TOTAL);
    if (idempotent) {
      assert.equal(length, TOTAL, 'effectively once: no duplicates in the sink stream');
      assert.ok(wholeRunKilledAt !== undefined && wholeRunKilledAt < TOTAL, 'the whole run was killed mid-run');
    }
    assert.equal(await pendingCount(client), 0, 'the pending entries list is empty');
    assert.equal(await client.xLen('chaos-in:dead'), 0, 'nothing dead-lettered');
    // The run was really disturbed: kills of both kinds, and the Redis restart, while entries were still flowing.
    assert.ok(kills.some((k) => k.target.startsWith('reader-') && k.sinkLength < TOTAL), 'a spout killed mid-run');
    assert.ok(kills.some((k) => !k.target.startsWith('reader-') && k.sinkLength < TOTAL), 'a bolt killed mid-run');
    assert.ok(redisRestartedAt !== undefined && redisRestartedAt < TOTAL, 'redis-server restarted mid-run');
    assert.ok(deaths.reader! >= 1 && deaths.relay! + deaths.sink! >= 1, `deaths ${JSON.stringify(deaths)}`);
    const reconnected = events.filter((e) => e.kind === 'log' && /reconnected to Redis at/.test(e.message));
    assert.ok(reconnected.length > 0, 'components logged the outage ending');
  });
  }
});

/**
 * Add TOTAL entries with seq 0..TOTAL-1, in MULTI batches (a batch is all in or all out), throttled so they keep
 * coming during the kills. After an error (Redis restarting) it resumes after the last seq Redis has.
 */
async function produce(client: Client, deadline: number): Promise<void> {
  let next = 0;
  while (next < TOTAL && Date.now() < deadline) {
    try {
      const multi = client.multi();
      for (let i = next; i < Math.min(next + BATCH, TOTAL); i++) multi.xAdd('chaos-in', '*', { seq: String(i) });
      await multi.exec();
      next = Math.min(next + BATCH, TOTAL);
      await sleep(25);
    } catch {
      await sleep(100);
      try {
        const last = (await client.xRevRange('chaos-in', '+', '-', { COUNT: 1 })) as Array<{ message: Record<string, string> }>;
        next = last.length === 0 ? 0 : Number(last[0]!.message.seq) + 1;
      } catch {
        // still down: try again
      }
    }
  }
}

async function sinkLength(client: Client): Promise<number> {
  try {
    return await client.xLen('chaos-out');
  } catch {
    return -1;
  }
}

async function sinkSeqs(client: Client): Promise<Set<string>> {
  const entries = (await client.xRange('chaos-out', '-', '+')) as Array<{ message: Record<string, string> }>;
  return new Set(entries.map((e) => e.message.seq!));
}

async function pendingCount(client: Client): Promise<number> {
  try {
    const summary = (await client.sendCommand(['XPENDING', 'chaos-in', 'redis-chaos'])) as [number, ...unknown[]];
    return Number(summary[0]);
  } catch {
    return -1;
  }
}
