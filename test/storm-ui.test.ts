/**
 * squall's UI client against what a Storm 2.x UI sends, not against squall's own types: the JSON fixtures in
 * test/fixtures/storm-ui are written from the field lists of storm-webapp's UIHelpers (every key Storm puts in
 * each answer, values typed as Storm writes them: latencies and capacity as "%.3f" strings, counts as numbers,
 * errorTime in seconds), and its error answers from the UI's exception mappers (HTTP 500 for a path it does not
 * serve and for a topology that is not alive; 401 for AuthorizationException). The UI stand-in the other tests use
 * must answer in the same shapes, which the last tests here check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  coresOf,
  parseComponent,
  parseSupervisors,
  parseTopology,
  parseTopologySummary,
  StormUiClient,
  StormUiError,
  type UiComponentJson,
  type UiSupervisorSummaryJson,
  type UiTopologyJson,
  type UiTopologySummaryListJson,
} from '../src/ui/client.js';
import { clicksFixture, startUiServer, stormUiFixture, wordcountFixture, type UiServer } from './helpers/ui-server.js';
import { join } from 'node:path';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { loadTopology } from '../src/packaging/load.js';
import { LocalCluster } from '../src/runtime/local-cluster.js';
import { bindUiPort, serveLocalUi } from '../src/runtime/local-ui.js';
import { formatComponentStats } from '../src/ui/stats-report.js';

const ID = 'wordcount-7-1700000000';

interface StormErrors {
  [kind: string]: { status: number; 'since-2.8.6': { error: string; errorMessage: string }; 'until-2.8.5': { error: string; errorMessage: string } };
}

describe('the UI client parses Storm 2.x UI JSON', () => {
  it('/topology/summary', () => {
    const json = stormUiFixture<UiTopologySummaryListJson>('topology-summary.json');
    assert.deepEqual(json.topologies.map(parseTopologySummary), [
      { id: ID, name: 'wordcount', status: 'ACTIVE', uptimeSeconds: 3700, tasks: 14, workers: 2, executors: 5 },
      { id: 'clicks-3-1700000500', name: 'clicks', status: 'INACTIVE', uptimeSeconds: 300, tasks: 2, workers: 1, executors: 2 },
    ]);
  });

  it('/topology/{id}?window=600: latencies and capacity from strings, the window asked for, no squall endpoint', () => {
    const stats = parseTopology(stormUiFixture<UiTopologyJson>('topology-page.json'));
    assert.equal(stats.windowSecs, 600);
    assert.equal(stats.windowLabel, '10m 0s');
    assert.equal(stats.sampleRate, 0.05);
    assert.deepEqual(stats.totals, { emitted: 61200, transferred: 61200, acked: 12000, failed: 20, completeLatencyMs: 12.345 });
    assert.equal(stats.squallMetricsPath, null, 'a Storm UI names no squall measurements endpoint');
    const [spout] = stats.spouts;
    assert.deepEqual(spout, { id: 'sentences', executors: 1, tasks: 1, emitted: 12020, transferred: 12020, acked: 12000, failed: 20, completeLatencyMs: 12.345, lastError: null });
    const count = stats.bolts.find((b) => b.id === 'count')!;
    assert.deepEqual(
      { executors: count.executors, tasks: count.tasks, executed: count.executed, executeLatencyMs: count.executeLatencyMs, processLatencyMs: count.processLatencyMs, capacity: count.capacity },
      { executors: 2, tasks: 8, executed: 49200, executeLatencyMs: 11.366, processLatencyMs: 11.528, capacity: 0.93 },
    );
    assert.deepEqual(count.lastError, { message: 'java.lang.RuntimeException: count overflow\n\tat org.example.Count.execute(Count.java:42)', host: '10.0.0.6', port: 6701, lapsedSecs: 65 });
  });

  it('/topology/{id}/component/{c}: a bolt page and a spout page', () => {
    const bolt = parseComponent(stormUiFixture<UiComponentJson>('component-bolt.json'));
    assert.equal(bolt.kind, 'bolt');
    assert.deepEqual([bolt.id, bolt.topologyName, bolt.topologyId, bolt.executors, bolt.tasks], ['count', 'wordcount', ID, 2, 8]);
    assert.deepEqual(
      bolt.executorStats.map((e) => [e.id, e.firstTask, e.lastTask, e.host, e.port, e.executed, e.capacity, e.completeLatencyMs]),
      [
        ['[5-8]', 5, 8, '10.0.0.5', 6700, 24700, 0.93, null],
        ['[9-12]', 9, 12, '10.0.0.6', 6701, 24500, 0.002, null],
      ],
    );
    assert.deepEqual(
      bolt.errors.map((e) => [e.time, e.lapsedSecs]),
      [
        [1700003000, 700],
        [1700003635, 65],
      ],
      'errorTime is in seconds (ErrorInfo.error_time_secs)',
    );
    const spout = parseComponent(stormUiFixture<UiComponentJson>('component-spout.json'));
    assert.equal(spout.kind, 'spout');
    assert.deepEqual(
      spout.executorStats.map((e) => [e.id, e.emitted, e.acked, e.completeLatencyMs, e.executed, e.capacity]),
      [['[13-13]', 12020, 12000, 12.345, null, null]],
    );
    assert.deepEqual(spout.errors, []);
  });

  it('/supervisor/summary: the cores the supervisors declare (100 CPU units per core)', () => {
    const supervisors = parseSupervisors(stormUiFixture<UiSupervisorSummaryJson>('supervisor-summary.json'));
    assert.deepEqual(
      supervisors.map((s) => [s.host, s.slotsTotal, s.slotsUsed, s.totalCpu, s.usedCpu]),
      [
        ['10.0.0.5', 4, 1, 400, 60],
        ['10.0.0.6', 4, 1, 400, 70],
      ],
    );
    const cores = coresOf(supervisors);
    assert.equal(cores.totalCores, 8);
    assert.equal(cores.usedCores, 1.3);
    assert.deepEqual(cores.supervisors[0], { id: 'c1b5b4d2-6f0e-4c55-9a0f-5a4f0e2a1b01', host: '10.0.0.5', cores: 4, usedCores: 0.6, slotsTotal: 4, slotsUsed: 1 });
  });

  it('numbers a proxy or another version sends as strings still parse', () => {
    const page = stormUiFixture<UiTopologyJson>('topology-page.json');
    const stringly = { ...page, uptimeSeconds: '3700', bolts: page.bolts.map((b) => ({ ...b, executors: String(b.executors), executed: String(b.executed) })) };
    const stats = parseTopology(stringly as unknown as UiTopologyJson);
    assert.equal(stats.uptimeSeconds, 3700);
    assert.deepEqual(
      stats.bolts.map((b) => [b.executors, b.executed]),
      [
        [2, 12000],
        [2, 49200],
      ],
    );
  });
});

describe("the UI client against a Storm UI's failures", () => {
  for (const style of ['stack', 'message'] as const) {
    describe(`errorMessage as ${style === 'stack' ? 'a stack trace (Storm ≤ 2.8.5)' : 'the message (Storm ≥ 2.8.6)'}`, () => {
      let server: UiServer;
      let client: StormUiClient;
      before(async () => {
        server = await startUiServer({ topologies: [wordcountFixture(ID)], errors: style });
        client = new StormUiClient(server.url, { timeoutMs: 2000 });
      });
      after(() => server.close());

      it('never asks a Storm UI for squall measurements, which it would answer with HTTP 500', async () => {
        const stats = await client.topology(ID);
        const asked = server.requests.length;
        assert.equal(await client.squallMetrics(stats), null);
        assert.equal(await client.squallTopology(stats), null);
        assert.equal(server.requests.length, asked, 'no request for /squall/metrics or /squall/topology');
        // What the old client asked for, and what Storm answers (the old client read only a 404 as "not served").
        const answer = await fetch(`${server.url}/api/v1/topology/${ID}/squall/metrics`);
        assert.equal(answer.status, 500);
        assert.equal(((await answer.json()) as { error: string }).error, '500 Server Error');
      });

      it('names the topology that is not running, not "the cluster is broken"', async () => {
        await assert.rejects(client.topology('wordcount-9-1700009999'), (err: Error) => {
          assert.ok(err instanceof StormUiError);
          assert.equal(err.status, 500);
          assert.equal(err.reason, 'not-alive');
          assert.equal(
            err.message,
            `topology wordcount-9-1700009999 is not running on ${server.url} (the UI says NotAliveException): it was killed or never submitted; \`squall list\` shows what runs`,
          );
          return true;
        });
        await assert.rejects(client.component('wordcount-9-1700009999', 'count'), { reason: 'not-alive' });
      });

      it('names a component the topology does not have (Storm answers an empty spout page)', async () => {
        await assert.rejects(client.component(ID, 'nope'), (err: Error) => {
          assert.ok(err instanceof StormUiError);
          assert.equal(err.message, `topology ${ID} has no component "nope"; its components: sentences, split, count`);
          return true;
        });
      });

      it('reads the supervisors\u2019 cores', async () => {
        const cores = await client.supervisorCores();
        assert.deepEqual([cores.totalCores, cores.usedCores, cores.supervisors.length], [8, 1.3, 2]);
      });
    });
  }

  it('says what a 401 (AuthorizationException) means', async () => {
    const server = await startUiServer({ status: 401, errors: 'message' });
    try {
      await assert.rejects(new StormUiClient(server.url).topologySummary(), (err: Error) => {
        assert.ok(err instanceof StormUiError);
        assert.equal(err.status, 401);
        assert.match(err.message, /^Storm UI answered HTTP 401 Unauthorized to GET .*\/api\/v1\/topology\/summary: .*: the UI refused this user \(AuthorizationException\)/);
        return true;
      });
    } finally {
      await server.close();
    }
  });
});

/** The JSON type of a value, as the shape comparison sees it. */
function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Where `served` differs in shape from `storm`: a key Storm does not send, or a value of another JSON type (a null
 * on either side matches, as Storm sends null for a missing value). Arrays of objects compare each element with
 * the keys of all of Storm's elements; a map such as `configuration` compares as an object only.
 */
function shapeDifferences(served: unknown, storm: unknown, path: string, maps: Set<string>): string[] {
  if (served === null || storm === null) return [];
  if (kind(served) !== kind(storm)) return [`${path}: ${kind(served)} where Storm sends ${kind(storm)}`];
  if (Array.isArray(served)) {
    const elements = storm as unknown[];
    if (elements.length === 0) return served.length === 0 ? [] : [`${path}: elements where Storm's fixture has none to compare`];
    const union = kind(elements[0]) === 'object' ? Object.assign({}, ...(elements as object[])) : elements[0];
    return served.flatMap((s, i) => shapeDifferences(s, union, `${path}[${i}]`, maps));
  }
  if (kind(served) === 'object' && !maps.has(path.replace(/\[\d+\]/g, ''))) {
    const stormObject = storm as Record<string, unknown>;
    return Object.entries(served as Record<string, unknown>).flatMap(([key, value]) =>
      key in stormObject ? shapeDifferences(value, stormObject[key], `${path}.${key}`, maps) : [`${path}.${key}: a key Storm does not send`],
    );
  }
  return [];
}

describe('the UI stand-in answers in the shapes of the Storm fixtures', () => {
  let server: UiServer;
  before(async () => {
    server = await startUiServer({ topologies: [wordcountFixture(ID), clicksFixture()], errors: 'message' });
  });
  after(() => server.close());
  const get = async (path: string) => {
    const response = await fetch(`${server.url}/api/v1${path}`);
    return { status: response.status, json: (await response.json()) as unknown };
  };
  const maps = new Set(['$.configuration', '$.workers.componentNumTasks']);

  for (const [path, file] of [
    ['/topology/summary', 'topology-summary.json'],
    [`/topology/${ID}?window=600`, 'topology-page.json'],
    ['/topology/clicks-3-1700000500?window=600', 'topology-page.json'],
    [`/topology/${ID}/component/count?window=600`, 'component-bolt.json'],
    [`/topology/${ID}/component/sentences?window=600`, 'component-spout.json'],
    ['/supervisor/summary', 'supervisor-summary.json'],
    ['/cluster/summary', 'cluster-summary.json'],
  ] as const) {
    it(`GET ${path} (like ${file})`, async () => {
      const { status, json } = await get(path);
      assert.equal(status, 200);
      assert.deepEqual(shapeDifferences(json, stormUiFixture(file), '$', maps), []);
    });
  }

  it('errors: HTTP 500 for a path Storm does not serve and for a topology that is not alive, with its error JSON', async () => {
    const errors = stormUiFixture<StormErrors>('errors.json');
    for (const path of ['/topology/anything/squall/metrics', `/topology/${ID}/visualization-data`, '/nope']) {
      assert.deepEqual(await get(path), { status: errors.notServed!.status, json: errors.notServed!['since-2.8.6'] }, path);
    }
    assert.deepEqual(await get('/topology/gone-1-1700000000?window=600'), { status: errors.notAlive!.status, json: errors.notAlive!['since-2.8.6'] });
  });
});

describe('squall run --ui: the component page counts per executor, in the shapes of the Storm fixtures', () => {
  it('serves each executor its tasks\' emitted/transferred/acked/failed (and executed, latencies, capacity for a bolt), summing to the component', async () => {
    // split: 4 tasks on 2 executors, so a row is an executor [first-last] as on Storm, not a task.
    const loaded = await loadTopology(join(SOURCE_FIXTURES, '..', '..', 'examples', 'wordcount'), { config: { parallelism: { split: 2 }, tasks: { split: 4 } } });
    const cluster = new LocalCluster(loaded.spec, { squall: { command: process.execPath, script: loaded.bundle }, resourcesDir: loaded.resourcesDir });
    const port = await bindUiPort(0);
    let ui: ReturnType<typeof serveLocalUi> | undefined;
    try {
      await cluster.start();
      ui = serveLocalUi(cluster, loaded.spec.config, port);
      for (let i = 0; i < 200 && (cluster.summary().find((s) => s.component === 'count')?.executed ?? 0) < 50; i++) await new Promise((r) => setTimeout(r, 50));
      // Stopped, the counts hold still: the topology page and the component pages describe the same moment.
      await cluster.stop(2000);
      const url = ui.url;
      const get = async <T>(path: string) => (await (await fetch(`${url}/api/v1${path}`)).json()) as T;
      const { id } = (await get<UiTopologySummaryListJson>('/topology/summary')).topologies[0]!;
      const topology = parseTopology(await get<UiTopologyJson>(`/topology/${id}?window=:all-time`));
      for (const [component, fixture] of [['split', 'component-bolt.json'], ['count', 'component-bolt.json'], ['sentences', 'component-spout.json']] as const) {
        const json = await get<UiComponentJson>(`/topology/${id}/component/${component}?window=:all-time`);
        assert.deepEqual(shapeDifferences(json, stormUiFixture(fixture), '$', new Set()), [], component);
        const page = parseComponent(json);
        const spec = loaded.spec.components.find((c) => c.id === component)!;
        assert.equal(page.executorStats.length, spec.parallelism, 'a row per executor');
        assert.equal(page.executorStats.reduce((n, e) => n + (e.lastTask ?? NaN) - (e.firstTask ?? NaN) + 1, 0), spec.tasks, 'the executors hold all the tasks');
        const sum = (key: 'emitted' | 'transferred' | 'acked' | 'failed' | 'executed') => page.executorStats.reduce((n, e) => n + (e[key] ?? NaN), 0);
        const whole = [...topology.spouts, ...topology.bolts].find((c) => c.id === component)!;
        for (const key of ['emitted', 'transferred', 'acked', 'failed'] as const) assert.equal(sum(key), whole[key], `${component} ${key}: the executors add up to the component`);
        if (page.kind === 'bolt') {
          assert.equal(sum('executed'), (whole as { executed: number }).executed);
          for (const e of page.executorStats) assert.ok(e.executeLatencyMs !== null && e.capacity !== null, JSON.stringify(e));
        } else {
          for (const e of page.executorStats) assert.ok(e.completeLatencyMs !== null && e.completeLatencyMs > 0, JSON.stringify(e));
        }
        assert.ok(sum(page.kind === 'bolt' ? 'executed' : 'acked') > 0, `${component} did work`);
      }
      // squall stats -c prints them: split's rows carry counts, not "-".
      const rows = formatComponentStats(parseComponent(await get<UiComponentJson>(`/topology/${id}/component/split?window=:all-time`))).split('\n').filter((l) => l.startsWith('['));
      assert.equal(rows.length, 2);
      for (const row of rows) assert.doesNotMatch(row, /\s-(\s|$)/, row);
    } finally {
      await (ui ? ui.close() : port.close());
      loaded.release();
    }
  });
});
