/**
 * One topology-config resolution for every command: the same values are refused by `run`, `submit` and the test
 * helpers, and the documented precedence (command line > topology > environment) holds everywhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { resolveTopologyConfig } from '../src/topology/resolve.js';
import { runTopology } from '../src/testing/harness.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { FakeNimbus } from './helpers/nimbus-server.js';
import { temporaryFolder } from '../src/process/cleanup.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
const ENVIRONMENT = join(ROOT, 'test', 'topologies', 'environment.ts');

function squall(cwd: string, ...args: string[]) {
  return execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], {
    cwd,
    env: { SQUALL_NIMBUS: '' },
    extendEnv: true,
    reject: false,
    timeout: 60_000,
  });
}

/** A folder with a config.json that is not JSON: any command that reads it fails. */
function brokenProject(): string {
  const cwd = temporaryFolder('squall-broken-').path;
  writeFileSync(join(cwd, 'config.json'), '{ "envs": { "prod": ');
  return cwd;
}

describe('topology config: one validation, one precedence', () => {
  let nimbus: FakeNimbus;
  before(async () => {
    nimbus = await FakeNimbus.start();
  });
  after(() => nimbus.close());

  const bad: Array<[string, RegExp]> = [
    ['topology.message.timeout.secs=abc', /"topology\.message\.timeout\.secs" must be a whole number, got "abc"/],
    ['topology.debug=yes', /"topology\.debug" must be true or false, got "yes"/],
    ['topology.max.spout.pending=-5', /"topology\.max\.spout\.pending" must be a whole number of at least 1, got -5/],
  ];

  for (const [option, message] of bad) {
    it(`run and submit both refuse -o ${option}, with the same reason, before starting anything`, async () => {
      const cwd = temporaryFolder('squall-cwd-').path;
      const run = await squall(cwd, 'run', ENVIRONMENT, '--time', '1', '-o', option);
      const submit = await squall(cwd, 'submit', ENVIRONMENT, '--nimbus', nimbus.address, '-o', option);
      for (const result of [run, submit]) {
        assert.equal(result.exitCode, 1, result.stderr);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /running "environment"|uploading/);
      }
      assert.equal(nimbus.submitted.length, 0);
    });
  }

  it("a command's own defaults sit under everything else", () => {
    const resolved = resolveTopologyConfig({ 'squall.metrics.interval.secs': 60 }, { defaults: { 'squall.metrics.interval.secs': 5, 'x.only.default': 1 } });
    assert.equal(resolved['squall.metrics.interval.secs'], 60, 'the topology beats the default');
    assert.equal(resolved['x.only.default'], 1);
    const overridden = resolveTopologyConfig({}, { defaults: { 'squall.metrics.interval.secs': 5 }, commandLine: { 'squall.metrics.interval.secs': 2 } });
    assert.equal(overridden['squall.metrics.interval.secs'], 2, '-o beats the default');
  });

  it('the test helpers refuse the same values', async () => {
    await assert.rejects(runTopology(ENVIRONMENT, { runMs: 100, conf: { 'topology.max.spout.pending': -5 } }), bad[2]![1]);
  });

  it('accepts null where Storm does (max.spout.pending) and refuses it where Storm does (message timeout)', async () => {
    const cwd = temporaryFolder('squall-cwd-').path;
    const run = await squall(cwd, 'run', ENVIRONMENT, '--time', '1', '-o', 'topology.message.timeout.secs=null');
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /"topology\.message\.timeout\.secs" must be a whole number of at least 1, got null/);
    const ok = await runTopology(ENVIRONMENT, { runMs: 100, drainMs: 100, conf: { 'topology.max.spout.pending': null } });
    assert.ok(ok.stats.length > 0);
  });

  it('-o topology.environment beats the topology\'s own, in run, in the test helpers and in submit', async () => {
    const cwd = temporaryFolder('squall-cwd-').path;
    const override = 'topology.environment={"X":"from-cli"}';
    // A whole key is replaced, as Storm merges config maps: Y is no longer set.
    const expected = 'X=from-cli Y=(unset)';
    const run = await squall(cwd, 'run', ENVIRONMENT, '--time', '1', '-o', 'topology.message.timeout.secs=1', '-o', override);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`\\[env:1\\] INFO ${expected.replace(/[()]/g, '\\$&')}`));

    const helper = await runTopology(ENVIRONMENT, {
      runMs: 100,
      drainMs: 100,
      conf: { 'topology.environment': { X: 'from-cli' } },
      until: (r) => r.events.some((e) => e.kind === 'log'),
    });
    assert.ok(helper.events.some((e) => e.kind === 'log' && e.message === expected), JSON.stringify(helper.events));

    const submit = await squall(cwd, 'submit', ENVIRONMENT, '--nimbus', nimbus.address, '-o', override);
    assert.equal(submit.exitCode, 0, submit.stderr);
    assert.deepEqual(JSON.parse(nimbus.submitted.at(-1)!.jsonConf)['topology.environment'], { X: 'from-cli' });
  });

  it('--nimbus without -e does not read config.json', async () => {
    const cwd = brokenProject();
    const list = await squall(cwd, 'list', '--nimbus', nimbus.address, '--json');
    assert.equal(list.exitCode, 0, list.stderr);
    assert.ok(Array.isArray(JSON.parse(list.stdout)));
    // With -e it is read, and its error says so.
    const withEnv = await squall(cwd, 'list', '--nimbus', nimbus.address, '-e', 'prod');
    assert.equal(withEnv.exitCode, 1);
    assert.match(withEnv.stderr, /config\.json is not valid JSON/);
  });
});

describe('--nimbus addresses', () => {
  it('a port that is not a number is named, not looked up as part of a host name', async () => {
    const result = await squall(temporaryFolder('squall-cwd-').path, 'list', '--nimbus', '127.0.0.1:abc');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /"127\.0\.0\.1:abc": the port "abc" is not a number; write host:port, e\.g\. 127\.0\.0\.1:6627/);
  });

  it('an HTTP port (the Storm UI\'s) is recognised and the Thrift port named', async () => {
    const http = createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    try {
      const result = await squall(temporaryFolder('squall-cwd-').path, 'list', '--nimbus', `127.0.0.1:${port}`);
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /answered in HTTP, so it is not Nimbus's Thrift port \(nimbus\.thrift\.port, 6627 by default\)/);
      assert.doesNotMatch(result.stderr, /1213486160/);
    } finally {
      http.close();
    }
  });

  it('with --nimbus and no config.json, a Nimbus that does not answer is blamed on --nimbus, not config.json', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const cwd = temporaryFolder('squall-cwd-').path;
    try {
      const result = await squall(cwd, 'list', '--nimbus', `127.0.0.1:${port}`, '--timeout', '3');
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /no Nimbus answered; tried 127\.0\.0\.1:\d+ .*check --nimbus and that Nimbus is running/);
      assert.doesNotMatch(result.stderr, /config\.json/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("the quickstart's placeholder host is named as the placeholder to replace, before any lookup", async () => {
    const cwd = temporaryFolder('squall-cwd-').path;
    try {
      const { createProject } = await import('../src/cli/commands/quickstart.js');
      createProject('demo', join(cwd, 'demo'));
      const result = await squall(join(cwd, 'demo'), 'list');
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /"nimbus" of envs\.prod in .*config\.json is "nimbus\.example\.com", a placeholder .*: replace it with your Nimbus host, or pass --nimbus host\[:port\]/);
      assert.doesNotMatch(result.stderr, /ENOTFOUND|getaddrinfo/);
      const given = await squall(cwd, 'list', '--nimbus', 'nimbus.example.com');
      assert.match(given.stderr, /--nimbus is "nimbus\.example\.com", a placeholder/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe("Storm's and squall's config keys: one table (config/keys.ts)", () => {
  it('readers give Storm\'s defaults.yaml values, and unset or 0 max.spout.pending is no limit', async () => {
    const keys = await import('../src/config/keys.js');
    assert.equal(keys.maxSpoutPending({}), null);
    assert.equal(keys.maxSpoutPending({ 'topology.max.spout.pending': null }), null);
    assert.equal(keys.maxSpoutPending({ 'topology.max.spout.pending': 0 }), null, "Storm's spout executor reads 0 as no limit");
    assert.equal(keys.maxSpoutPending({ 'topology.max.spout.pending': 7 }), 7);
    assert.equal(keys.messageTimeoutSecs({}), 30);
    assert.equal(keys.messageTimeoutSecs({ 'topology.message.timeout.secs': 5 }), 5);
    assert.equal(keys.shellBoltMaxPending({}), 100);
    assert.equal(keys.subprocessTimeoutSecs({}), 30, 'supervisor.worker.timeout.secs');
    assert.equal(keys.subprocessTimeoutSecs({ 'supervisor.worker.timeout.secs': 9 }), 9);
    assert.equal(keys.subprocessTimeoutSecs({ 'topology.subprocess.timeout.secs': 4, 'supervisor.worker.timeout.secs': 9 }), 4);
    assert.equal(keys.receiveBufferSize({}), 32768);
    assert.equal(keys.metricsIntervalSecs({}), 60);
    assert.equal(keys.metricsIntervalSecs({ 'squall.metrics.interval.secs': 0 }), 0);
    assert.equal(keys.logLevel({ 'squall.log.level': 'warn' }), 'WARN');
    assert.equal(keys.logLevel({}), undefined);
    assert.equal(keys.configuredConcurrency({ 'squall.concurrency': 4 }), 4);
    assert.equal(keys.configuredConcurrency({ 'squall.concurrency': 1.5 }), undefined);
    assert.equal(keys.encodeNested({}), true);
    assert.deepEqual(keys.stormDefaults(['topology.max.spout.pending', 'topology.debug', 'topology.workers']), {
      'topology.max.spout.pending': null,
      'topology.debug': false,
      'topology.workers': 1,
    });
    const storm = Object.keys(keys.STORM_KEYS);
    assert.ok(storm.length > 100, "every topology.* key of Storm's Config.java is known");
    assert.deepEqual(Object.keys(keys.SQUALL_KEYS).filter((k) => storm.includes(k)), [], 'each key once');
    assert.ok(Object.keys(keys.SQUALL_KEYS).every((k) => k.startsWith('squall.')));
  });

  it('a likely typo is named with the nearest known key; keys of other namespaces are the user\'s own', async () => {
    const { unknownKeyWarning } = await import('../src/config/keys.js');
    assert.match(unknownKeyWarning('topology.max.spout.pendng')!, /did you mean "topology\.max\.spout\.pending"/);
    assert.match(unknownKeyWarning('squall.metrics.interval.sec')!, /did you mean "squall\.metrics\.interval\.secs"/);
    assert.equal(unknownKeyWarning('topology.max.spout.pending'), undefined);
    assert.equal(unknownKeyWarning('topology.worker.childopts'), undefined, "a Storm key squall does not read is still Storm's");
    assert.equal(unknownKeyWarning('topology.bolts.window.length.count'), undefined);
    assert.equal(unknownKeyWarning('myapp.batch.size'), undefined);
    assert.equal(unknownKeyWarning('squall.redis.url'), undefined);
  });

  it('-o with a misspelt key warns naming the nearest key and still runs (Storm accepts unknown keys)', async () => {
    const cwd = temporaryFolder('squall-cwd-').path;
    try {
      const run = await squall(cwd, 'run', ENVIRONMENT, '--time', '1', '-o', 'topology.max.spout.pendng=5', '-o', 'myapp.answer=42');
      assert.equal(run.exitCode, 0, run.stderr);
      assert.match(run.stderr, /warning: -o "topology\.max\.spout\.pendng" is not a Storm or squall config key: did you mean "topology\.max\.spout\.pending"\?/);
      assert.doesNotMatch(run.stderr, /myapp\.answer/, 'a key of the user\'s own namespace gets no warning');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['squall.log.level', 'LOUD', /"squall\.log\.level" must be one of TRACE, DEBUG, INFO, WARN, ERROR, got "LOUD"/],
    ['squall.metrics.interval.secs', -5, /"squall\.metrics\.interval\.secs" must be a number of at least 0, got -5/],
    ['squall.concurrency', 0, /"squall\.concurrency" must be a whole number of at least 1, got 0/],
  ];
  for (const [key, value, message] of refused) {
    const option = `${key}=${String(value)}`;
    it(`-o ${option} is an error naming what the key takes, in run and in the test helpers`, async () => {
      const cwd = temporaryFolder('squall-cwd-').path;
      try {
        const run = await squall(cwd, 'run', ENVIRONMENT, '--time', '1', '-o', option);
        assert.equal(run.exitCode, 1, run.stderr);
        assert.match(run.stderr, message);
        assert.doesNotMatch(run.stderr, /running "environment"/);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
      await assert.rejects(runTopology(ENVIRONMENT, { runMs: 100, conf: { [key]: value } }), message);
    });
  }

  it("config.json's log.level is checked where it is written", async () => {
    const { parseProjectConfig } = await import('../src/config/project-config.js');
    assert.throws(() => parseProjectConfig('{"envs":{"prod":{"log":{"level":"LOUD"}}}}'), /envs\.prod\.log\.level must be one of TRACE, DEBUG, INFO, WARN, ERROR \(any case\), got "LOUD"/);
    assert.doesNotThrow(() => parseProjectConfig('{"envs":{"prod":{"log":{"level":"debug"}}}}'));
  });

  it('doctor --target takes a rate (tuple trees per second), not seconds', async () => {
    const cwd = temporaryFolder('squall-cwd-').path;
    try {
      const doctor = await squall(cwd, 'doctor', '--target', 'abc');
      assert.equal(doctor.exitCode, 1);
      assert.match(doctor.stderr, /positive rate in tuple trees per second \(e\.g\. 5000\), got "abc"/);
      assert.doesNotMatch(doctor.stderr, /seconds, got/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('config/ sits below the component layer: it imports neither the Bolt nor the topology model', () => {
    const dir = join(ROOT, 'src', 'config');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '(\.\.\/[^']+)'/g)].map((m) => m[1]!);
      assert.deepEqual(imports.filter((i) => !i.startsWith('../wire/')), [], `${file} imports only wire/`);
    }
  });
});
