/**
 * The Redis spout's source figures end to end, as a user sees them: `squall run --ui` on a real redis-server while a
 * producer outruns the topology, then `squall doctor --ui URL` (text and --json) and the dashboard in a real headless
 * Chromium, the spout's panel showing its lag, pending, replays per second and dead letters.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { createClient } from 'redis';
import type { TaskMetrics } from '../src/wire/metrics-line.js';
import { CHROMIUM, openChromium, skipWithoutChromium, watchProblems } from './helpers/chromium.js';
import { RedisServer, redisServerMissing } from './helpers/redis-server.js';
import { servedUrl } from './helpers/served.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SQUALL = join(ROOT, 'bin', 'squall.js');
const skip = redisServerMissing();

describe('a Redis spout falling behind, as squall doctor --ui and the dashboard show it', { skip }, () => {
  let server: RedisServer;
  let client: ReturnType<typeof createClient>;
  let run: ResultPromise;
  let url: string;
  let id: string;
  let producing = true;
  let producer: Promise<void>;

  before(async () => {
    server = await RedisServer.start();
    client = createClient({ url: server.url, RESP: 2 });
    client.on('error', () => {});
    await client.connect();
    // The check bolt holds each tuple 100 ms with at most 20 trees in flight (about 200 trees/s); the producer adds
    // 100 entries every 100 ms or so (about 1000/s).
    let seq = 0;
    producer = (async () => {
      while (producing) {
        const multi = client.multi();
        for (let i = 0; i < 100; i++) multi.xAdd('in', '*', { seq: String(seq++), body: 'b' });
        await multi.exec();
        await sleep(100);
      }
    })();
    const conf = { 'squall.redis.url': server.url, 'test.delay.ms': 100, 'topology.max.spout.pending': 20, 'squall.metrics.interval.secs': 1 };
    run = execa(process.execPath, [SQUALL, 'run', 'test/topologies/redis-flow.ts', '--ui', '0', '--time', '90', ...Object.entries(conf).flatMap(([k, v]) => ['-o', `${k}=${v}`])], {
      cwd: ROOT,
      reject: false,
    });
    url = await servedUrl(run, /Storm UI REST API at (http:\/\/127\.0\.0\.1:\d+)/);
    id = ((await (await fetch(`${url}/api/v1/topology/summary`)).json()) as { topologies: Array<{ id: string }> }).topologies[0]!.id;
    // Until the spout's line carries a lag and the one before it (two samples: a growth).
    for (let i = 0; i < 150; i++) {
      const { metrics } = (await (await fetch(`${url}/api/v1/topology/${id}/squall/metrics`)).json()) as { metrics: TaskMetrics[] };
      if (metrics.some((m) => m.component === 'reader' && m.source?.lagBefore != null && m.source.lag! > m.source.lagBefore)) break;
      await sleep(200);
    }
  });

  after(async () => {
    producing = false;
    await producer;
    run?.kill('SIGINT');
    await run;
    await client?.close();
    await server?.stop();
  });

  it('squall doctor --ui prints the source line and the backlog finding, and --json carries the figures', async () => {
    const text = await execa(process.execPath, [SQUALL, 'doctor', '--ui', url], { cwd: ROOT, reject: false });
    assert.match(text.stdout, /Sources\n {2}reader: redis-stream "in": lag \d+ \(\+[\d.]+\/s\), pending \d+; read [\d.]+\/s, replayed [\d.]+\/s, claimed [\d.]+\/s, dead-lettered \d+ in \d+ s/, text.stdout + text.stderr);
    assert.match(text.stdout, /reader falls behind its source \(redis-stream "in"\): the backlog grows by [\d.]+ entries\/s/);
    assert.doesNotMatch(text.stdout, /source-limited|fewer tasks would carry this load/);
    const json = await execa(process.execPath, [SQUALL, 'doctor', '--ui', url, '--json'], { cwd: ROOT, reject: false });
    const report = JSON.parse(json.stdout) as { figures: { components: Array<{ id: string; source?: { kind: string; lag: number | null; pending: number | null } }> }; findings: Array<{ kind: string; evidence: Record<string, number> }>; plan: { target: number } };
    const reader = report.figures.components.find((c) => c.id === 'reader')!;
    assert.equal(reader.source?.kind, 'redis-stream');
    assert.ok(reader.source!.lag! > 0 && reader.source!.pending! <= 20, JSON.stringify(reader.source));
    const backlog = report.findings.find((f) => f.kind === 'backlog');
    assert.ok(backlog, JSON.stringify(report.findings));
    assert.ok(report.plan.target >= Math.ceil(backlog.evidence.targetRate!), `the plan's target ${report.plan.target} covers the arrival rate ${backlog.evidence.targetRate}`);
  });

  it("the dashboard: clicking the spout shows its source's lag, pending, replays and dead letters", { skip: skipWithoutChromium }, async () => {
    const browser = await openChromium(CHROMIUM as string);
    try {
      const page = await browser.context.newPage();
      const problems = watchProblems(page);
      await page.goto(url);
      await page.waitForSelector('#graph .node[data-component="reader"]', { timeout: 30_000 });
      await page.click('#graph .node[data-component="reader"]');
      await page.waitForSelector('#source[data-lag]', { timeout: 30_000 });
      const shown = await page.$eval('#source', (p) => ({
        text: p.textContent ?? '',
        lag: p.getAttribute('data-lag'),
        pending: p.getAttribute('data-pending'),
        replayed: p.getAttribute('data-replayed-per-sec'),
        dead: p.getAttribute('data-dead-lettered'),
      }));
      assert.ok(Number(shown.lag) > 0, JSON.stringify(shown));
      assert.ok(shown.pending !== '' && Number(shown.pending) <= 20, JSON.stringify(shown));
      assert.equal(Number(shown.replayed), 0);
      assert.equal(Number(shown.dead), 0);
      assert.match(shown.text, /^lag \d+ \([+-][\d.]+\/s\), pending \d+; read [\d.]+\/s, replayed 0\/s, dead-lettered 0 in the last \d+ s$/);
      assert.match((await page.textContent('#details h2:nth-of-type(2)')) ?? '', /Source: redis-stream "in"/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
