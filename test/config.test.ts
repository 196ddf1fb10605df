/**
 * One topology-config resolution for every command: the same values are refused by `run`, `submit` and the test
 * helpers, and the documented precedence (command line > topology > environment) holds everywhere.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { resolveTopologyConfig } from '../src/config/topology-config.js';
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
});
