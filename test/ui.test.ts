import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { normalizeUiBase, parseNumber, StormUiClient, StormUiError } from '../src/ui/client.js';
import { bottleneck, formatComponentStats, formatTopologyStats, toJson } from '../src/ui/stats-report.js';
import { clicksFixture, startUiServer, wordcountFixture, type UiServer } from './helpers/ui-server.js';

const ID = 'wordcount-7-1700000000';

/** The cells of the table row that starts with `first`. */
function row(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`${first} `));
  assert.ok(line, `no row for ${first} in:\n${text}`);
  return line.trim().split(/\s{2,}/);
}

describe('Storm UI stats over HTTP', () => {
  let server: UiServer;
  let client: StormUiClient;

  before(async () => {
    server = await startUiServer({ topologies: [wordcountFixture(ID), clicksFixture()] });
    client = new StormUiClient(server.url, { timeoutMs: 2000 });
  });
  after(() => server.close());

  it('lists topologies and finds one by name', async () => {
    const summary = await client.topologySummary();
    assert.deepEqual(
      summary.map((t) => [t.name, t.status, t.executors]),
      [
        ['wordcount', 'ACTIVE', 5],
        ['clicks', 'INACTIVE', 2],
      ],
    );
    const found = await client.findTopology('wordcount');
    assert.equal(found.id, ID);
    assert.equal(server.requests.at(-1), '/api/v1/topology/summary');
  });

  it('formats topology stats: a row per component, the bottleneck, the caveats', async () => {
    const topology = await client.topology(ID);
    assert.equal(server.requests.at(-1), `/api/v1/topology/${ID}?window=600`);
    const text = formatTopologyStats(topology);

    assert.match(text, /^wordcount \(wordcount-7-1700000000\) ACTIVE, up 1h 1m 40s, 2 workers, 5 executors, 14 tasks$/m);
    assert.match(text, /^window 10m 0s: 61200 emitted, 12000 acked, 20 failed, complete latency 12\.345 ms$/m);
    assert.deepEqual(row(text, 'component'), ['component', 'kind', 'executors', 'tasks', 'emitted', 'executed', 'acked', 'failed', 'complete ms', 'execute ms', 'process ms', 'capacity', 'last error']);
    assert.deepEqual(row(text, 'sentences'), ['sentences', 'spout', '1', '1', '12020', '-', '12000', '20', '12.345', '-', '-', '-', '-']);
    assert.deepEqual(row(text, 'split'), ['split', 'bolt', '2', '4', '49200', '12000', '12000', '0', '-', '0.021', '2.112', '0.002', '-']);
    assert.deepEqual(row(text, 'count'), [
      'count',
      'bolt',
      '2',
      '8',
      '0',
      '49200',
      '49200',
      '0',
      '-',
      '11.366',
      '11.528',
      '0.930',
      'java.lang.RuntimeException: count overflow (1m 5s ago on 10.0.0.6:6701)',
    ]);
    assert.match(text, /^count is the bottleneck: capacity 0\.93 \(busy 93% of the window\) — add executors with squall rebalance wordcount -p count=4$/m);
    assert.match(text, /counts are sampled \(topology\.stats\.sample\.rate 0\.05: Storm counts 1 tuple in 20 and multiplies\)/);
    assert.match(text, /executeLatency is only the hand-off to the subprocess/);
  });

  it('formats one component: executor rows, skew, errors newest first', async () => {
    const count = await client.component(ID, 'count');
    assert.equal(server.requests.at(-1), `/api/v1/topology/${ID}/component/count?window=600`);
    const text = formatComponentStats(count);
    assert.match(text, /^bolt count of wordcount \(wordcount-7-1700000000\): 2 executors, 8 tasks, window 10m 0s$/m);
    assert.deepEqual(row(text, 'executor'), ['executor', 'host:port', 'uptime', 'executed', 'emitted', 'execute ms', 'process ms', 'capacity', 'acked', 'failed']);
    assert.deepEqual(row(text, '[5-8]'), ['[5-8]', '10.0.0.5:6700', '1h 1m 30s', '24700', '0', '22.591', '22.902', '0.930', '24700', '0']);
    assert.deepEqual(row(text, '[9-12]'), ['[9-12]', '10.0.0.6:6701', '1h 1m 30s', '24500', '0', '0.050', '0.061', '0.002', '24500', '0']);
    assert.match(text, /executors are unevenly loaded \(capacity 0\.00 to 0\.93\)/);
    const errors = text.slice(text.indexOf('errors (2'));
    assert.ok(errors.indexOf('count overflow (1m 5s ago on 10.0.0.6:6701)') < errors.indexOf('first failure (11m 40s ago on 10.0.0.6:6701)'), errors);

    const spout = formatComponentStats(await client.component(ID, 'sentences'));
    assert.deepEqual(row(spout, 'executor'), ['executor', 'host:port', 'uptime', 'emitted', 'complete ms', 'acked', 'failed']);
    assert.deepEqual(row(spout, '[13-13]'), ['[13-13]', '10.0.0.5:6700', '1h 1m 30s', '12020', '12.345', '12000', '20']);
    assert.match(spout, /^no errors reported$/m);
    assert.doesNotMatch(spout, /hand-off/, 'the shell-bolt caveat is about bolts');
  });

  it('gives --json with numbers parsed and the bottleneck', async () => {
    const json = JSON.parse(toJson(await client.topology(ID))) as Record<string, any>;
    assert.equal(json.id, ID);
    assert.equal(json.windowSecs, 600);
    assert.equal(json.sampleRate, 0.05);
    assert.deepEqual(json.totals, { emitted: 61200, transferred: 61200, acked: 12000, failed: 20, completeLatencyMs: 12.345 });
    const count = json.bolts.find((b: { id: string }) => b.id === 'count');
    assert.equal(count.executors, 2);
    assert.equal(count.capacity, 0.93);
    assert.equal(count.executeLatencyMs, 11.366);
    assert.equal(count.lastError.message, 'java.lang.RuntimeException: count overflow\n\tat org.example.Count.execute(Count.java:42)');
    assert.equal(json.spouts[0].lastError, null, 'an empty lastError is null, not ""');
    assert.deepEqual(
      { bolt: json.bottleneck.bolt, saturated: json.bottleneck.saturated, suggestedExecutors: json.bottleneck.suggestedExecutors, basis: json.bottleneck.basis },
      { bolt: 'count', saturated: true, suggestedExecutors: 4, basis: 'capacity' },
    );

    const component = JSON.parse(toJson(await client.component(ID, 'count'))) as Record<string, any>;
    assert.equal(component.kind, 'bolt');
    assert.deepEqual(
      { id: component.executorStats[1].id, firstTask: component.executorStats[1].firstTask, lastTask: component.executorStats[1].lastTask, uptimeSeconds: component.executorStats[1].uptimeSeconds },
      { id: '[9-12]', firstTask: 9, lastTask: 12, uptimeSeconds: 3690 },
    );
    assert.equal(component.executorStats[0].completeLatencyMs, null);
    assert.equal(component.errors.length, 2);
  });

  it('names the running topologies when the name is unknown', async () => {
    await assert.rejects(client.findTopology('nope'), (err: Error) => {
      assert.ok(err instanceof StormUiError);
      assert.match(err.message, /^no topology named "nope" on http:\/\/127\.0\.0\.1:\d+; running: wordcount \(ACTIVE\), clicks \(INACTIVE\)$/);
      return true;
    });
  });

  it('says when there is no bottleneck', async () => {
    const clicks = await client.topology('clicks-3-1700000500');
    assert.match(formatTopologyStats(clicks), /^no bottleneck: no bolt executed anything measurable in the window/m);

    const calm = await client.topology(ID);
    calm.bolts.find((b) => b.id === 'count')!.capacity = 0.12;
    assert.equal(bottleneck(calm).message, 'no bottleneck: every bolt is below capacity 0.8; the busiest, count, is at capacity 0.12 (busy 12% of the window)');
  });
});

describe('bottleneck advice', () => {
  let server: UiServer;
  let client: StormUiClient;
  before(async () => {
    server = await startUiServer({ topologies: [wordcountFixture(ID)] });
    client = new StormUiClient(server.url);
  });
  after(() => server.close());

  it('weighs process latency for shell bolts, whose capacity counts only the hand-off', async () => {
    const topology = await client.topology(ID);
    const split = topology.bolts.find((b) => b.id === 'split')!;
    split.processLatencyMs = 120; // 12000 executed × 120 ms over 600 s and 2 executors: 1.2, tuples queue
    assert.equal(bottleneck(topology).bolt, 'count', 'unknown component kinds: capacity only');
    const shellAware = bottleneck(topology, { shellComponents: ['sentences', 'split'] });
    assert.equal(shellAware.bolt, 'split');
    assert.equal(shellAware.basis, 'processLatency');
    assert.equal(
      shellAware.message,
      'split is the bottleneck: load 1.20 estimated from process latency: on average each executor holds 1.2 tuples (in its subprocess or queued for it), so it is busy the whole window and tuples wait (as a shell bolt its own capacity of 0.00 counts only the hand-off to its subprocess) — add executors with squall rebalance wordcount -p split=4',
    );
    assert.match(formatTopologyStats(topology, { shellComponents: ['sentences', 'split'] }), /for shell bolts \(split\) executeLatency is only the hand-off/);
  });

  it('never prints a busy share above 100%, and measures a young topology over its uptime, not the whole window', async () => {
    const topology = await client.topology(ID);
    topology.uptimeSeconds = 120; // younger than the 600 s window asked for
    const split = topology.bolts.find((b) => b.id === 'split')!;
    split.processLatencyMs = 120; // 12000 executed × 120 ms over 120 s and 2 executors: 6 tuples held per executor
    const young = bottleneck(topology, { shellComponents: ['split'] });
    assert.equal(young.load, 6);
    assert.match(young.message, /^split is the bottleneck: load 6\.00 estimated from process latency: on average each executor holds 6\.0 tuples/);
    const count = topology.bolts.find((b) => b.id === 'count')!;
    count.capacity = 1.07; // Storm's sampled counts can overshoot
    const text = formatTopologyStats(topology);
    assert.match(text, /count is the bottleneck: capacity 1\.07 \(busy the whole window; above 1 only because Storm samples its counts\)/);
    assert.doesNotMatch(text + young.message, /busy (about )?\d{3,}%/);
  });

  it('knows rebalance cannot go past the task count', async () => {
    const topology = await client.topology(ID);
    const count = topology.bolts.find((b) => b.id === 'count')!;
    count.tasks = 3;
    assert.match(bottleneck(topology).message, /-p count=3 \(its 3 tasks are the most rebalance can give it; resubmit with more tasks to go further\)$/);
    count.tasks = 2;
    const full = bottleneck(topology);
    assert.equal(full.suggestedExecutors, null);
    assert.match(full.message, /it already runs one executor per task \(2\), so rebalance cannot add executors: resubmit with more tasks \(tasks: 4 in its options\)/);
  });
});

describe('Storm UI failures', () => {
  it('times out on a UI that never answers, naming the URL', async () => {
    const server = await startUiServer({ silent: true });
    try {
      const started = Date.now();
      await assert.rejects(new StormUiClient(server.url, { timeoutMs: 300 }).topologySummary(), (err: Error) => {
        assert.ok(err instanceof StormUiError);
        assert.equal(err.message, `Storm UI did not answer GET ${server.url}/api/v1/topology/summary within 0.3s (timeout): check the UI is up and ui.port is right`);
        return true;
      });
      assert.ok(Date.now() - started < 2000, 'the deadline holds');
      assert.deepEqual(server.requests, ['/api/v1/topology/summary']);
    } finally {
      await server.close();
    }
  });

  it('reports an HTTP error with the status and the UI error text', async () => {
    const server = await startUiServer({ status: 500 });
    try {
      await assert.rejects(new StormUiClient(`${server.url}/api/v1/`).topology(ID), (err: Error) => {
        assert.ok(err instanceof StormUiError);
        assert.equal(err.status, 500);
        assert.equal(
          err.message,
          `Storm UI answered HTTP 500 Internal Server Error to GET ${server.url}/api/v1/topology/${ID}?window=600: java.lang.RuntimeException: org.apache.thrift.transport.TTransportException: java.net.ConnectException: Connection refused`,
        );
        return true;
      });
    } finally {
      await server.close();
    }
  });

  it('reports a refused connection with its code', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await assert.rejects(new StormUiClient(`127.0.0.1:${port}`).topologySummary(), /^StormUiError: cannot reach Storm UI at GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/topology\/summary: ECONNREFUSED/);
  });

  it('parses numbers defensively and normalizes base URLs', () => {
    assert.equal(parseNumber('0.048'), 0.048);
    assert.equal(parseNumber(' 12 '), 12);
    assert.equal(parseNumber(7), 7);
    for (const missing of ['', null, undefined, 'N/A', {}, Number.NaN]) assert.equal(parseNumber(missing), null);
    assert.equal(normalizeUiBase('nimbus:8080'), 'http://nimbus:8080');
    assert.equal(normalizeUiBase('https://ui.example.com/storm/api/v1/'), 'https://ui.example.com/storm');
  });
});
