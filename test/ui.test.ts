import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { normalizeUiBase, parseNumber, StormUiClient, StormUiError } from '../src/ui/client.js';
import { formatComponentStats, formatTopologyStats, toJson } from '../src/ui/stats-report.js';
import { unevenExecutors } from '../src/doctor/findings.js';
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

  it('formats topology stats: a row per component, the verdict it is given, the caveats', async () => {
    const topology = await client.topology(ID);
    assert.equal(server.requests.at(-1), `/api/v1/topology/${ID}?window=600`);
    const text = formatTopologyStats(topology, { verdict: ['verdict (squall doctor):', '  - a finding'] });

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
    // stats judges nothing itself: the verdict is doctor's, passed in.
    assert.match(text, /^verdict \(squall doctor\):\n  - a finding$/m);
    assert.doesNotMatch(text, /bottleneck/);
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
    // Executed counts 24700 and 24500: even, whatever the capacities say.
    assert.equal(unevenExecutors('count', count.executorStats), null);
    const errors = text.slice(text.indexOf('errors (2'));
    assert.ok(errors.indexOf('count overflow (1m 5s ago on 10.0.0.6:6701)') < errors.indexOf('first failure (11m 40s ago on 10.0.0.6:6701)'), errors);

    const spout = formatComponentStats(await client.component(ID, 'sentences'));
    assert.deepEqual(row(spout, 'executor'), ['executor', 'host:port', 'uptime', 'emitted', 'complete ms', 'acked', 'failed']);
    assert.deepEqual(row(spout, '[13-13]'), ['[13-13]', '10.0.0.5:6700', '1h 1m 30s', '12020', '12.345', '12000', '20']);
    assert.match(spout, /^no errors reported$/m);
    assert.doesNotMatch(spout, /hand-off/, 'the shell-bolt caveat is about bolts');
  });

  it('gives --json with numbers parsed and the verdict', async () => {
    const json = JSON.parse(toJson(await client.topology(ID), { verdict: ['v'] })) as Record<string, any>;
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
    assert.deepEqual(json.verdict, ['v']);

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

  it('labels a local run\'s figures as unsampled, and warns of executors unevenly loaded by the rule doctor uses', async () => {
    const text = formatTopologyStats(await client.topology(ID), { sampled: false });
    assert.match(text, /counts are exact: squall run --ui counts every tuple/);
    assert.doesNotMatch(text, /counts are sampled/);
    const count = await client.component(ID, 'count');
    count.executorStats[0]!.executed = 188840;
    count.executorStats[1]!.executed = 7400;
    const uneven = unevenExecutors('count', count.executorStats);
    assert.match(uneven!.message, /^count's executors are unevenly loaded: executor \[5-8\] executed 188840 of 196240 \(96%; even would be 50%\)/);
    assert.match(uneven!.message, /Storm feeds only each executor's first task \(squall rebalance -p count=TASKS spreads them\)/);
    assert.match(formatComponentStats(count, { verdict: [uneven!.message] }), /count's executors are unevenly loaded/);
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
