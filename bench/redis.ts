/**
 * The redis line of `npm run bench`: entries per second from one stream to another through RedisStreamSpout →
 * RedisStreamBolt with acking (XREADGROUP, XADD, XACK per entry), next to redis-benchmark's XADD rate on the same
 * server (50 clients, no pipelining: its defaults) as the ceiling, and the same with the sink in its idempotent mode.
 * Skipped, saying why, without redis-server. Alone: `node -e "import('./dist/bench/redis.js').then((m) => m.redisBench())"`.
 */
import { execa } from 'execa';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { loadTopology } from '../src/packaging/load.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import { RedisServer, redisServerMissing } from '../test/helpers/redis-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const ENTRIES = Number(process.env.SQUALL_BENCH_REDIS_ENTRIES ?? 50_000);

const connect = (url: string) => createClient({ url, RESP: 2 });
type Client = ReturnType<typeof connect>;

export async function redisBench(): Promise<void> {
  const missing = redisServerMissing();
  if (missing) {
    console.log(`redis   skipped: ${missing}`);
    return;
  }
  // The bench measures throughput, not durability: no append-only file.
  const server = await RedisServer.start(['--appendonly', 'no']);
  const client = connect(server.url);
  client.on('error', () => {});
  try {
    await client.connect();
    const ceiling = await xaddCeiling(server.port);
    for (let sent = 0; sent < ENTRIES; sent += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, ENTRIES - sent) }, (_, i) => client.xAdd('bench-in', '*', { seq: String(sent + i), body: 'the quick brown fox' })));
    }
    const rate = await streamToStream(server.url, client, false);
    console.log(
      `redis   stream -> sink stream ${rate.toFixed(0).padStart(8)} entries/s acked   redis-benchmark XADD ${ceiling.toFixed(0).padStart(8)} ops/s   ratio ${(rate / ceiling).toFixed(2)}`,
    );
    // Again from the start of "bench-in", the sink in its idempotent mode.
    await client.del('bench-out');
    await client.sendCommand(['XGROUP', 'DESTROY', 'bench-in', 'redis-bench']);
    const once = await streamToStream(server.url, client, true);
    console.log(`redis   idempotent sink        ${once.toFixed(0).padStart(8)} entries/s acked   ratio to the plain sink ${(once / rate).toFixed(2)}`);
  } finally {
    await client.close().catch(() => {});
    await server.stop();
  }
}

/** redis-benchmark's XADD requests per second on this server, with its default 50 clients. */
async function xaddCeiling(port: number): Promise<number> {
  const { stdout } = await execa('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-n', '100000', '--csv', 'XADD', 'bench-ceiling', '*', 'seq', '1']);
  const row = stdout.trim().split('\n').pop() ?? '';
  const rps = Number(row.split(',')[1]?.replace(/"/g, ''));
  if (!Number.isFinite(rps) || rps <= 0) throw new Error(`cannot read redis-benchmark's rate from: ${stdout.slice(0, 300)}`);
  return rps;
}

/** Entries per second from "bench-in" to "bench-out", from activation until the last one is in and acked. */
async function streamToStream(url: string, client: Client, idempotent: boolean): Promise<number> {
  const loaded = await loadTopology(join(here, '..', '..', 'bench', 'redis'), { config: { commandLine: { 'squall.redis.url': url, 'bench.idempotent': idempotent } } });
  const cluster = new LocalCluster(loaded.spec, { squall: { command: process.execPath, script: loaded.bundle }, resourcesDir: loaded.resourcesDir });
  await cluster.start();
  const started = process.hrtime.bigint();
  const limit = Date.now() + 120_000;
  while (Date.now() < limit) {
    if ((await client.xLen('bench-out')) >= ENTRIES) {
      const pending = (await client.sendCommand(['XPENDING', 'bench-in', 'redis-bench'])) as [number];
      if (Number(pending[0]) === 0) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await cluster.stop(5000);
  loaded.release();
  const out = await client.xLen('bench-out');
  if (out < ENTRIES) throw new Error(`only ${out} of ${ENTRIES} entries reached bench-out within 120 s`);
  return ENTRIES / seconds;
}
