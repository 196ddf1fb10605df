import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { Bolt, Spout } from '../src/index.js';
import { connectToLeader, NimbusClient, NimbusError, UPLOAD_CHUNK_BYTES } from '../src/nimbus/client.js';
import type { NimbusClientOptions } from '../src/nimbus/client.js';
import { FramedConnection, MessageType, ThriftReader, ThriftWriter, TType } from '../src/nimbus/thrift.js';
import { java, shell, Topology } from '../src/topology/builder.js';
import type { TopologySpec } from '../src/topology/spec.js';
import { FakeNimbus } from './helpers/nimbus-server.js';
import { temporaryFolder } from '../src/process/cleanup.js';

class SentenceSpout extends Spout {
  override nextTuple(): void {}
}
class SplitBolt extends Bolt {
  override process(): void {}
}
class CountBolt extends Bolt {
  override process(): void {}
}

/** The same shape as examples/wordcount. */
function wordcount(name = 'wordcount'): TopologySpec {
  const t = new Topology(name, { 'topology.max.spout.pending': 200, 'topology.message.timeout.secs': 30 });
  const sentences = t.spout('sentences', SentenceSpout, { outputs: { default: ['sentence'] } });
  const split = t.bolt('split', SplitBolt, { outputs: { default: ['word'] }, parallelism: 2 }).shuffle(sentences);
  t.bolt('count', CountBolt, { outputs: { default: ['word', 'count'] }, parallelism: 2, config: { 'topology.tick.tuple.freq.secs': 2 } }).fields(split, [
    'word',
  ]);
  return t.toSpec();
}

const SQUALL = { nodeCommand: 'node', bundleScript: 'bundle.mjs' };
const OPTS: NimbusClientOptions = { connectTimeoutMs: 5000, callTimeoutMs: 5000 };
const dir = temporaryFolder('squall-nimbus-').path;

function jar(bytes: Buffer, name = `jar-${Math.random().toString(36).slice(2)}.jar`): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

// Servers and clients opened by a test; closed after it, and every server must have seen only well-formed messages.
let servers: FakeNimbus[] = [];
let clients: NimbusClient[] = [];
async function nimbus(options: Parameters<typeof FakeNimbus.start>[0] = {}): Promise<FakeNimbus> {
  const server = await FakeNimbus.start(options);
  servers.push(server);
  return server;
}
async function connect(server: { host: string; port: number }, options = OPTS): Promise<NimbusClient> {
  const client = await NimbusClient.connect(server.host, server.port, options);
  clients.push(client);
  return client;
}
afterEach(async () => {
  for (const c of clients) c.close();
  const opened = servers;
  clients = [];
  servers = [];
  for (const s of opened) await s.close();
  for (const s of opened) assert.deepEqual(s.protocolErrors, [], `the fake Nimbus at ${s.address} received malformed messages`);
});

/** Upload a small JAR and submit `spec`; returns the jar location. */
async function submit(client: NimbusClient, spec: TopologySpec, conf: Record<string, unknown> = spec.config, opts: { inactive?: boolean } = {}) {
  const location = await client.uploadJar(jar(Buffer.from('PK fake jar')));
  await client.submitTopology(spec.name, location, JSON.stringify(conf), spec, SQUALL, opts);
  return location;
}

async function rejectsWith(promise: Promise<unknown>, kind: NimbusError['kind'], message: RegExp | string): Promise<NimbusError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof NimbusError, `expected a NimbusError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a ${kind} NimbusError`);
}

describe('Nimbus submit', () => {
  it('submits wordcount: every component arrives as Storm reads it', async () => {
    const server = await nimbus();
    const client = await connect(server);
    const spec = wordcount();
    const location = await submit(client, spec, { ...spec.config, 'topology.workers': 2 });

    assert.equal(server.submitted.length, 1);
    const t = server.submitted[0]!;
    assert.equal(t.method, 'submitTopologyWithOpts');
    assert.equal(t.name, 'wordcount');
    assert.equal(t.uploadedJarLocation, location);
    assert.deepEqual(JSON.parse(t.jsonConf), { 'topology.max.spout.pending': 200, 'topology.message.timeout.secs': 30, 'topology.workers': 2 });
    assert.equal(t.initialStatus, 'ACTIVE');
    assert.equal(t.stateSpouts, 0);
    const node = { kind: 'shell', command: 'node', script: 'bundle.mjs' };
    assert.deepEqual(t.spouts, [
      {
        id: 'sentences',
        type: 'spout',
        object: node,
        inputs: [],
        streams: { default: { outputFields: ['sentence'], direct: false } },
        parallelismHint: 1,
        jsonConf: { 'topology.tasks': 1 },
      },
    ]);
    assert.deepEqual(t.bolts, [
      {
        id: 'split',
        type: 'bolt',
        object: node,
        inputs: [{ componentId: 'sentences', streamId: 'default', grouping: { type: 'shuffle' } }],
        streams: { default: { outputFields: ['word'], direct: false } },
        parallelismHint: 2,
        jsonConf: { 'topology.tasks': 2 },
      },
      {
        id: 'count',
        type: 'bolt',
        object: node,
        inputs: [{ componentId: 'split', streamId: 'default', grouping: { type: 'fields', fields: ['word'] } }],
        streams: { default: { outputFields: ['word', 'count'], direct: false } },
        parallelismHint: 2,
        jsonConf: { 'topology.tick.tuple.freq.secs': 2, 'topology.tasks': 2 },
      },
    ]);

    const info = await client.getClusterInfo();
    assert.equal(info.topologies.length, 1);
    const summary = info.topologies[0]!;
    assert.match(summary.id, /^wordcount-/);
    assert.deepEqual(
      { name: summary.name, status: summary.status, numTasks: summary.numTasks, numExecutors: summary.numExecutors, numWorkers: summary.numWorkers },
      { name: 'wordcount', status: 'ACTIVE', numTasks: 5, numExecutors: 5, numWorkers: 2 },
    );
    assert.deepEqual(
      info.supervisors.map((s) => s.host),
      ['supervisor-1.example'],
    );
    assert.deepEqual(
      info.nimbuses.map((n) => ({ host: n.host, port: n.port, isLeader: n.isLeader })),
      [{ host: '127.0.0.1', port: server.port, isLeader: true }],
    );
  });

  it('encodes shell and Java components, every grouping, direct and extra streams, tasks head-room', async () => {
    const server = await nimbus();
    const client = await connect(server);
    const t = new Topology('polyglot');
    const jspout = t.spout('jspout', java('org.example.Spout', 'text', true, 42, 1.5, -7), { outputs: { default: ['x'] } });
    const py = t.spout('py', shell('python3', 'splitter.py'), {
      outputs: { default: ['word'], d: { fields: ['word'], direct: true } },
      parallelism: 2,
      tasks: 8,
    });
    t.bolt('every', SplitBolt).all(jspout).global(py).none(py, 'd');
    t.bolt('direct', CountBolt, { config: { 'topology.debug': true } }).direct(py, 'd').localOrShuffle(jspout);
    await submit(client, t.toSpec(), {}, { inactive: true });

    const [sub] = server.submitted;
    assert.ok(sub);
    assert.equal(sub.initialStatus, 'INACTIVE');
    const byId = Object.fromEntries([...sub.spouts, ...sub.bolts].map((c) => [c.id, c]));
    assert.deepEqual(byId['jspout']!.object, {
      kind: 'java',
      className: 'org.example.Spout',
      args: [
        { type: 'string', value: 'text' },
        { type: 'bool', value: true },
        { type: 'long', value: 42 },
        { type: 'double', value: 1.5 },
        { type: 'long', value: -7 },
      ],
    });
    assert.deepEqual(byId['py']!.object, { kind: 'shell', command: 'python3', script: 'splitter.py' });
    assert.deepEqual(byId['py']!.streams, { default: { outputFields: ['word'], direct: false }, d: { outputFields: ['word'], direct: true } });
    assert.equal(byId['py']!.parallelismHint, 2);
    assert.deepEqual(byId['py']!.jsonConf, { 'topology.tasks': 8 });
    assert.deepEqual(byId['every']!.inputs, [
      { componentId: 'jspout', streamId: 'default', grouping: { type: 'all' } },
      { componentId: 'py', streamId: 'default', grouping: { type: 'global' } },
      { componentId: 'py', streamId: 'd', grouping: { type: 'none' } },
    ]);
    assert.deepEqual(byId['every']!.streams, {});
    assert.deepEqual(byId['direct']!.inputs, [
      { componentId: 'py', streamId: 'd', grouping: { type: 'direct' } },
      { componentId: 'jspout', streamId: 'default', grouping: { type: 'local_or_shuffle' } },
    ]);
    assert.deepEqual(byId['direct']!.jsonConf, { 'topology.debug': true, 'topology.tasks': 1 });
    assert.equal((await client.getClusterInfo()).topologies[0]?.status, 'INACTIVE');
  });

  it('uploads several MB in 307,200-byte chunks, byte for byte', async () => {
    const server = await nimbus();
    const client = await connect(server);
    const bytes = randomBytes(5 * 1024 * 1024 + 12_345);
    const progress: Array<[number, number]> = [];
    const location = await client.uploadJar(jar(bytes), (sent, total) => progress.push([sent, total]));

    const upload = server.uploads.get(location);
    assert.ok(upload, 'the returned location is the one Nimbus handed out');
    assert.equal(upload.finished, true);
    assert.ok(upload.bytes().equals(bytes), 'Nimbus received exactly the file');
    const chunks = Math.ceil(bytes.length / UPLOAD_CHUNK_BYTES);
    assert.equal(UPLOAD_CHUNK_BYTES, 307_200);
    assert.deepEqual(upload.chunkSizes.slice(0, -1), Array(chunks - 1).fill(307_200));
    assert.equal(upload.chunkSizes.at(-1), bytes.length - (chunks - 1) * 307_200);
    assert.deepEqual(
      server.calls.map((c) => c.method),
      ['beginFileUpload', ...Array(chunks).fill('uploadChunk'), 'finishFileUpload'],
    );
    assert.equal(progress.length, chunks);
    assert.deepEqual(progress.at(-1), [bytes.length, bytes.length]);
    assert.ok(progress.every(([sent], i) => i === 0 || sent > progress[i - 1]![0]));
  });
});

describe('Nimbus queries and lifecycle', () => {
  it('reads the leader, the conf and name availability', async () => {
    const server = await nimbus({ version: '2.8.1', conf: { 'nimbus.seeds': ['a', 'b'] } });
    const client = await connect(server);
    assert.deepEqual(await client.getLeader(), { host: '127.0.0.1', port: server.port, isLeader: true, version: '2.8.1' });
    const conf = await client.getNimbusConf();
    assert.equal(conf['nimbus.thrift.max_buffer_size'], 1_048_576);
    assert.deepEqual(conf['nimbus.seeds'], ['a', 'b']);
    assert.equal(await client.isTopologyNameAllowed('wordcount'), true);
    assert.equal(await client.isTopologyNameAllowed('word.count'), false);
    await submit(client, wordcount());
    assert.equal(await client.isTopologyNameAllowed('wordcount'), false);
  });

  it('deactivates, activates, rebalances and kills by name', async () => {
    const server = await nimbus();
    const client = await connect(server);
    await submit(client, wordcount());
    const status = async () => (await client.getClusterInfo()).topologies.map((t) => t.status);

    await client.deactivate('wordcount');
    assert.deepEqual(await status(), ['INACTIVE']);
    await client.activate('wordcount');
    assert.deepEqual(await status(), ['ACTIVE']);

    await client.rebalance('wordcount', { waitSecs: 0, numWorkers: 3, numExecutors: { split: 4, count: 1 } });
    assert.deepEqual(server.rebalances, [{ name: 'wordcount', waitSecs: 0, numWorkers: 3, numExecutors: { split: 4, count: 1 } }]);
    assert.equal((await client.getClusterInfo()).topologies[0]?.numWorkers, 3);
    await client.rebalance('wordcount');
    assert.deepEqual(server.rebalances.at(-1), { name: 'wordcount' }, 'no option is sent that was not asked for');

    // Without waitSecs: plain killTopology, Nimbus waits the message timeout (30 s here) before removing it.
    await client.killTopology('wordcount');
    assert.equal(server.calls.at(-1)?.method, 'killTopology');
    assert.deepEqual(await status(), ['KILLED']);

    await submit(client, wordcount('other'));
    await client.killTopology('other', 0);
    assert.deepEqual(server.calls.at(-1), { method: 'killTopologyWithOpts', args: { name: 'other', options: { wait_secs: 0 } } });
    assert.deepEqual(
      (await client.getClusterInfo()).topologies.map((t) => t.name),
      ['wordcount'],
    );
  });
});

describe('Nimbus refusals', () => {
  it('AlreadyAlive: says how to replace the running topology', async () => {
    const server = await nimbus();
    const client = await connect(server);
    await submit(client, wordcount());
    const err = await rejectsWith(
      submit(client, wordcount()),
      'AlreadyAlive',
      'a topology named "wordcount" is already running: kill it (squall kill wordcount) or submit with --force',
    );
    assert.match(err.nimbusMessage ?? '', /already exists/);
  });

  it('NotAlive: kill, activate, deactivate and rebalance of an unknown name', async () => {
    const server = await nimbus();
    const client = await connect(server);
    const expected = 'no topology named "ghost" is running (squall list shows what is)';
    await rejectsWith(client.killTopology('ghost'), 'NotAlive', expected);
    await rejectsWith(client.killTopology('ghost', 5), 'NotAlive', expected);
    await rejectsWith(client.activate('ghost'), 'NotAlive', expected);
    await rejectsWith(client.deactivate('ghost'), 'NotAlive', expected);
    await rejectsWith(client.rebalance('ghost', { numWorkers: 2 }), 'NotAlive', expected);
  });

  it('InvalidTopology: what Nimbus refuses comes back with its reason and the fix', async () => {
    const server = await nimbus();
    const client = await connect(server);
    const cases: Array<[string, (spec: TopologySpec) => void, RegExp]> = [
      ['reserved-id', (s) => (s.components[0]!.id = '__sentences'), /__sentences is not a valid component id/],
      ['reserved-stream', (s) => (s.components[2]!.outputs = { __counts: { fields: ['word'], direct: false } }), /__counts is not a valid stream id/],
      [
        'spout-inputs',
        (s) => s.components[0]!.inputs.push({ component: 'split', stream: 'default', grouping: { type: 'shuffle' } }),
        /May not declare inputs for a spout/,
      ],
      ['missing-component', (s) => (s.components[2]!.inputs[0]!.component = 'ghost'), /non-existent component \[ghost\]/],
      ['missing-stream', (s) => (s.components[2]!.inputs[0]!.stream = 'other'), /non-existent stream: \[other\]/],
      [
        'missing-field',
        (s) => (s.components[2]!.inputs[0]!.grouping = { type: 'fields', fields: ['sentence'] }),
        /non-existent fields: \[sentence\]/,
      ],
      ['component-conf-type', (s) => (s.components[1]!.config = { 'topology.max.spout.pending': 'lots' }), /topology\.max\.spout\.pending/],
    ];
    for (const [name, mutate, reason] of cases) {
      const spec = wordcount(name);
      mutate(spec);
      const err = await rejectsWith(submit(client, spec), 'InvalidTopology', reason);
      assert.match(err.message, new RegExp(`^Nimbus refused topology "${name}": .* — fix the topology and submit again$`));
    }
    await rejectsWith(submit(client, wordcount('bad-conf'), { 'topology.workers': 'two' }), 'InvalidTopology', /topology\.workers in the topology config must be an Integer/);
    assert.deepEqual((await client.getClusterInfo()).topologies, [], 'nothing refused is running');
  });

  it('InvalidTopology on rebalance names the rebalance', async () => {
    const server = await nimbus();
    const client = await connect(server);
    await submit(client, wordcount());
    await rejectsWith(client.rebalance('wordcount', { numExecutors: { split: 0 } }), 'InvalidTopology', /fix the rebalance options and try again$/);
  });

  it('Authorization: Nimbus\'s reason plus where to look', async () => {
    const server = await nimbus();
    const client = await connect(server);
    await submit(client, wordcount());
    server.authorize = (method) => (method === 'submitTopologyWithOpts' || method === 'killTopologyWithOpts' ? 'user bob may not do that' : undefined);
    await rejectsWith(submit(client, wordcount('second')), 'Authorization', /refused submitTopologyWithOpts: user bob may not do that — check your Storm user\/ACLs$/);
    await rejectsWith(client.killTopology('wordcount', 0), 'Authorization', /user bob may not do that — check your Storm user\/ACLs$/);
    server.authorize = () => 'nobody may';
    await rejectsWith(client.getClusterInfo(), 'Authorization', /check your Storm user\/ACLs/);
  });

  it('other failures inside Nimbus arrive as TApplicationException', async () => {
    const server = await nimbus();
    const client = await connect(server);
    const err = await rejectsWith(
      client.submitTopology('wc', '/storm/nimbus/inbox/never-uploaded.jar', '{}', wordcount(), SQUALL),
      'Application',
      new RegExp(`^Nimbus at 127\\.0\\.0\\.1:${server.port} failed submitTopologyWithOpts: .*never-uploaded\\.jar`),
    );
    assert.match(err.nimbusMessage ?? '', /does not exist/);
    assert.equal((await client.getLeader()).port, server.port, 'the connection is still usable');
  });
});

describe('Nimbus connections', () => {
  it('a Nimbus that never answers fails the call within the call timeout, naming host:port', async () => {
    const server = await nimbus({ silent: true });
    const client = await connect(server, { connectTimeoutMs: 2000, callTimeoutMs: 200 });
    await rejectsWith(client.getClusterInfo(), 'Timeout', `Nimbus at 127.0.0.1:${server.port} did not answer getClusterInfo within 200 ms`);
    // The late reply could be mistaken for the next one's, so the connection is closed for good.
    await rejectsWith(client.getLeader(), 'Timeout', /did not answer getClusterInfo/);
    await rejectsWith(connectToLeader([server], { connectTimeoutMs: 2000, callTimeoutMs: 200 }), 'Timeout', /did not answer getLeader within 200 ms/);
  });

  it('an unreachable port is Unreachable, with the address', async () => {
    const port = await freePort();
    await rejectsWith(NimbusClient.connect('127.0.0.1', port, OPTS), 'Unreachable', `cannot reach Nimbus at 127.0.0.1:${port}: connection refused (nothing listens there)`);
  });

  it('connectToLeader lists every seed it tried when none answers', async () => {
    const [a, b] = [await freePort(), await freePort()];
    const err = await rejectsWith(
      connectToLeader([{ host: '127.0.0.1', port: a }, { host: '127.0.0.1', port: b }], { ...OPTS, seedsFrom: '--nimbus' }),
      'Unreachable',
      /^no Nimbus answered; tried /,
    );
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${a} .*127\\.0\\.0\\.1:${b} `));
    // It names where the hosts were given (here --nimbus), never a config.json that may not exist.
    assert.match(err.message, /check --nimbus and that Nimbus is running/);
    assert.doesNotMatch(err.message, /config\.json/);
  });

  it('follows getLeader to the leader; a non-leader refuses uploads and submits with NotLeader', async () => {
    const leader = await nimbus();
    const follower = await nimbus({ leader: { host: leader.host, port: leader.port } });
    const dead = await freePort();

    const client = await connectToLeader([{ host: '127.0.0.1', port: dead }, { host: follower.host, port: follower.port }], OPTS);
    clients.push(client);
    assert.equal(client.address, leader.address);
    await submit(client, wordcount());
    assert.deepEqual(
      leader.submitted.map((t) => t.name),
      ['wordcount'],
    );

    const direct = await connect(follower);
    const notLeader = new RegExp(
      `^127\\.0\\.0\\.1:${follower.port} is not the leader Nimbus; squall asks getLeader\\(\\) first — check the Nimbus host\\(s\\) given`,
    );
    await rejectsWith(direct.uploadJar(jar(Buffer.from('x'))), 'NotLeader', notLeader);
    await rejectsWith(direct.submitTopology('wc', '/x.jar', '{}', wordcount(), SQUALL), 'NotLeader', notLeader);
    assert.deepEqual(follower.submitted, []);
  });

  it('refuses a frame over 1 MiB before sending it', async () => {
    const server = await nimbus();
    const client = await connect(server);
    const spec = wordcount();
    const location = await client.uploadJar(jar(Buffer.from('PK')));
    const huge = JSON.stringify({ 'topology.environment': { BLOB: 'x'.repeat(1_100_000) } });
    await rejectsWith(
      client.submitTopology('wordcount', location, huge, spec, SQUALL),
      'Application',
      new RegExp(`submitTopologyWithOpts request to Nimbus at 127\\.0\\.0\\.1:${server.port} is \\d+ bytes, over the 1048576-byte frame limit \\(nimbus\\.thrift\\.max_buffer_size\\)`),
    );
    assert.ok(!server.calls.some((c) => c.method.startsWith('submit')), 'Nimbus never saw it');
    await submit(client, spec);
    assert.equal(server.submitted.length, 1, 'the connection is still usable');
  });
});

describe('not a Nimbus Thrift port', () => {
  /** A TCP server on loopback that answers the first bytes it receives with `reply`, then closes. */
  async function answering(reply: Buffer): Promise<{ port: number; close: () => void }> {
    const server = createServer((socket) => socket.once('data', () => socket.end(reply)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, close: () => server.close() };
  }

  it('an HTTP server (e.g. the Storm UI on 8080) is named as such, with the port Nimbus listens on', async () => {
    const http = createHttpServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    try {
      const client = await connect({ host: '127.0.0.1', port });
      const err = await rejectsWith(client.getClusterInfo(), 'Application', /answered in HTTP/);
      assert.equal(
        err.message,
        `127.0.0.1:${port} answered in HTTP, so it is not Nimbus's Thrift port (nimbus.thrift.port, 6627 by default); it looks like a web port such as the Storm UI's (8080)`,
      );
      assert.doesNotMatch(err.message, /over the .*limit/);
    } finally {
      http.close();
    }
  });

  it('a negative frame size is not "over the limit"', async () => {
    const server = await answering(Buffer.from([0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0]));
    try {
      const client = await connect({ host: '127.0.0.1', port: server.port });
      const err = await rejectsWith(client.getClusterInfo(), 'Application', /negative frame size \(-16\)/);
      assert.doesNotMatch(err.message, /over the .*limit/);
      assert.match(err.message, /check that it is Nimbus's Thrift port \(nimbus\.thrift\.port, 6627 by default\)/);
    } finally {
      server.close();
    }
  });
});

describe('fake Nimbus self-check', () => {
  it('answers a message missing a required field as Java does (PROTOCOL_ERROR)', async () => {
    const server = await nimbus();
    const conn = await FramedConnection.open(server.host, server.port, { connectTimeoutMs: 2000, callTimeoutMs: 2000 });
    try {
      // A hand-built submit whose one StreamInfo lacks its required `direct` (squall's encoder never does this).
      const w = new ThriftWriter().messageBegin('submitTopologyWithOpts', MessageType.CALL, 1);
      w.stringField(1, 'wc').stringField(2, '/x.jar').stringField(3, '{}');
      w.structField(4, () => {
        w.fieldBegin(TType.MAP, 1).mapBegin(TType.STRING, TType.STRUCT, 1).string('s');
        w.structField(1, () => w.structField(2, () => w.stringField(1, 'node').stringField(2, 'bundle.mjs')));
        w.structField(2, () => {
          w.fieldBegin(TType.MAP, 1).mapBegin(TType.STRUCT, TType.STRUCT, 0);
          w.fieldBegin(TType.MAP, 2).mapBegin(TType.STRING, TType.STRUCT, 1).string('default');
          w.fieldBegin(TType.LIST, 1).listBegin(TType.STRING, 0).fieldStop(); // no field 2: direct
        });
        w.fieldStop();
        w.fieldBegin(TType.MAP, 2).mapBegin(TType.STRING, TType.STRUCT, 0);
        w.fieldBegin(TType.MAP, 3).mapBegin(TType.STRING, TType.STRUCT, 0);
      });
      w.structField(5, () => w.i32Field(1, 1));
      w.fieldStop();
      const r = new ThriftReader(await conn.request('submitTopologyWithOpts', w.finish()));
      assert.equal(r.readMessageBegin().type, MessageType.EXCEPTION);
      let message = '';
      let type = 0;
      r.readStruct((id) => {
        if (id === 1) message = r.string();
        else if (id === 2) type = r.i32();
        else return false;
        return true;
      });
      assert.equal(type, 7);
      assert.match(message, /Required field 'direct' is unset! Struct:StreamInfo/);
      assert.equal(server.protocolErrors.length, 1);
      server.protocolErrors.length = 0; // expected here; afterEach checks the rest
    } finally {
      conn.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
