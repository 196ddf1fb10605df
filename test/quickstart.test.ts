import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parseProjectConfig, selectEnvironment } from '../src/config/project-config.js';

/** The squall package root (this file runs as dist/test/quickstart.test.js). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'squall.js');

/**
 * The environment without what this run sets for itself: npm's variables (under `npm test` they would leak into the
 * nested npm) and NODE_TEST_CONTEXT (it makes the project's `node --test` report to this runner instead of printing).
 */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_TEST_CONTEXT'));
const exec = (file: string, args: string[], cwd: string) => execa(file, args, { cwd, reject: false, env: cleanEnv, extendEnv: false, all: true });
const squall = (cwd: string, ...args: string[]) => exec(process.execPath, [BIN, ...args], cwd);
/** A temp folder, removed when the test ends. */
function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-quickstart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const EXPECTED_FILES = [
  '.gitignore',
  'README.md',
  'config.json',
  'package.json',
  'src/bolts/count.ts',
  'src/bolts/split.ts',
  'src/spouts/sentences.ts',
  'test/wordcount.test.mjs',
  'topologies/demo.ts',
  'tsconfig.json',
];

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, prefix ? `${prefix}/${e.name}` : e.name) : [prefix ? `${prefix}/${e.name}` : e.name]))
    .sort();
}

/**
 * Why the install test cannot run here, or false: it installs the project's dependencies from the npm registry, so
 * a machine without it (offline, a sandbox) would fail for a reason that is not squall's. One bounded request to
 * the registry npm is configured with; any HTTP answer counts as reachable.
 */
async function registryUnreachable(): Promise<string | false> {
  const configured = await execa('npm', ['config', 'get', 'registry'], { reject: false, env: cleanEnv, extendEnv: false, timeout: 10_000 });
  const registry = configured.exitCode === 0 && /^https?:\/\//.test(configured.stdout.trim()) ? configured.stdout.trim() : 'https://registry.npmjs.org/';
  try {
    await fetch(registry, { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
    return false;
  } catch (err) {
    const inner = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = inner?.code ?? inner?.message ?? (err as Error).message;
    return `the npm registry ${registry} is unreachable (${cause}): this test runs npm install in the new project`;
  }
}

const noRegistry = await registryUnreachable();

describe('squall quickstart', () => {
  it('creates a project that installs, runs, type-checks and passes its own tests', { timeout: 240_000, skip: noRegistry }, async (t) => {
    const tmp = scratch(t);
    const created = await squall(tmp, 'quickstart', 'demo');
    assert.equal(created.exitCode, 0, created.all);
    const project = join(tmp, 'demo');
    assert.deepEqual(listFiles(project), EXPECTED_FILES);
    assert.match(created.stdout, /cd demo && npm install/);
    assert.match(created.stdout, /npx squall run/);
    assert.match(created.stdout, /npm test/);

    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      name: string;
      type: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    assert.equal(pkg.name, 'demo');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.dependencies.squall, `file:${ROOT.split('\\').join('/')}`);
    assert.equal(pkg.scripts.run, 'squall run topologies/demo.ts --time 10');
    assert.equal(pkg.scripts.jar, 'squall jar topologies/demo.ts');
    assert.equal(pkg.scripts.submit, 'squall submit topologies/demo.ts');
    assert.equal(pkg.devDependencies.typescript, '~5.9.3');
    assert.equal(readFileSync(join(project, '.gitignore'), 'utf8'), 'node_modules/\n_build/\n.squall/\n');
    assert.match(readFileSync(join(project, 'README.md'), 'utf8'), /^# demo\n/);
    assert.doesNotMatch(listFiles(project).map((f) => readFileSync(join(project, f), 'utf8')).join('\n'), /\{\{\w+\}\}/, 'no placeholder left');

    // config.json is what squall's own config loader accepts, with the one placeholder environment.
    const config = parseProjectConfig(readFileSync(join(project, 'config.json'), 'utf8'));
    const env = selectEnvironment(config, undefined);
    assert.equal(env.name, 'prod');
    assert.match(String(env.env.nimbus), /example\.com/);
    assert.ok('_comment' in config, 'the fields are explained in "_comment"');

    // --ignore-scripts: npm runs the `prepare` script of a linked `file:` dependency, which would rebuild this
    // package's dist/ in place while test files running alongside load it (half-written modules: a component
    // process dies at start, a bundle has "Class extends value undefined"). A registry install never runs it.
    const install = await exec('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], project);
    assert.equal(install.exitCode, 0, install.all);
    assert.equal(realpathSync(join(project, 'node_modules', 'squall')), realpathSync(ROOT), 'squall is this package, linked');

    // `squall run` with no target finds topologies/demo.ts. --no: never fetch a "squall" from the registry.
    const run = await exec('npx', ['--no', 'squall', 'run', '--time', '3'], project);
    assert.equal(run.exitCode, 0, run.all);
    assert.match(run.stderr, /running "demo": 5 tasks for 3s/);
    const spout = run.stdout.split('\n').find((line) => line.startsWith('sentences'));
    assert.ok(spout, run.stdout);
    const [, kind, , emitted, acked, failed] = spout.trim().split(/\s+/);
    assert.equal(kind, 'spout');
    assert.ok(Number(emitted) > 0, spout);
    assert.equal(acked, emitted, `every sentence acked: ${spout}`);
    assert.equal(failed, '0');

    const test = await exec('npm', ['test'], project);
    assert.equal(test.exitCode, 0, test.all);
    assert.match(test.stdout, /^# pass [1-9]/m);
    assert.match(test.stdout, /^# fail 0$/m);

    const typecheck = await exec('npm', ['run', 'typecheck'], project);
    assert.equal(typecheck.exitCode, 0, typecheck.all);
  });

  it('refuses an existing folder and writes nothing into it', async (t) => {
    const tmp = scratch(t);
    mkdirSync(join(tmp, 'demo'));
    writeFileSync(join(tmp, 'demo', 'keep.txt'), 'mine');
    const result = await squall(tmp, 'quickstart', 'demo');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /demo\/ already exists/);
    assert.doesNotMatch(result.stderr, /at .*\.js/, 'no stack trace');
    assert.deepEqual(readdirSync(join(tmp, 'demo')), ['keep.txt']);
    assert.equal(readFileSync(join(tmp, 'demo', 'keep.txt'), 'utf8'), 'mine');
  });

  it('refuses names that are not npm package names or not Storm topology names, creating nothing', async (t) => {
    const tmp = scratch(t);
    const cases: Array<[string, RegExp]> = [
      ['word.count', /\/ \. : \\/],
      ['word:count', /\/ \. : \\/],
      ['apps/Demo', /lowercase.*try "demo"/],
      ['Demo', /lowercase.*try "demo"/],
      ['_demo', /start with a letter or a digit/],
      ['my demo', /lowercase letters, digits, - and _/],
      ['http', /reserved by Node\.js/],
    ];
    for (const [name, why] of cases) {
      const result = await squall(tmp, 'quickstart', name);
      assert.equal(result.exitCode, 1, `${name}: ${result.all}`);
      assert.match(result.stderr, /cannot name a squall project/, name);
      assert.match(result.stderr, why, name);
    }
    assert.deepEqual(readdirSync(tmp), [], 'nothing created');
  });

  it('takes a path: the project is named by its last part and created there', async (t) => {
    const tmp = scratch(t);
    const result = await squall(tmp, 'quickstart', join('apps', 'clicks'));
    assert.equal(result.exitCode, 0, result.all);
    const pkg = JSON.parse(readFileSync(join(tmp, 'apps', 'clicks', 'package.json'), 'utf8')) as { name: string };
    assert.equal(pkg.name, 'clicks');
    assert.match(result.stdout, /cd apps\/clicks && npm install/);
    const config = JSON.parse(readFileSync(join(tmp, 'apps', 'clicks', 'config.json'), 'utf8')) as { _comment: Record<string, string> };
    assert.match(config._comment['ssh_identity_file']!, /ssh-agent/, 'config.json explains ssh_identity_file');
  });

  it('depends on a registry version with --squall-version', async (t) => {
    const tmp = scratch(t);
    const result = await squall(tmp, 'quickstart', 'pinned', '--squall-version', '^0.1.0');
    assert.equal(result.exitCode, 0, result.all);
    const pkg = JSON.parse(readFileSync(join(tmp, 'pinned', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.deepEqual(pkg.dependencies, { squall: '^0.1.0' });
    assert.ok(existsSync(join(tmp, 'pinned', 'topologies', 'pinned.ts')));
  });

  it('names the topology, its file and the scripts after NAME (quickstart clicks: topologies/clicks.ts, "clicks")', async (t) => {
    const tmp = scratch(t);
    const result = await squall(tmp, 'quickstart', 'clicks');
    assert.equal(result.exitCode, 0, result.all);
    const project = join(tmp, 'clicks');
    assert.ok(listFiles(project).includes('topologies/clicks.ts'), listFiles(project).join(', '));
    assert.doesNotMatch(listFiles(project).join('\n'), /topologies\/wordcount\.ts/);
    const topology = readFileSync(join(project, 'topologies', 'clicks.ts'), 'utf8');
    assert.match(topology, /new Topology\('clicks', \{/);
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const script of ['run', 'jar', 'submit']) assert.match(pkg.scripts[script]!, /^squall \w+ topologies\/clicks\.ts\b/, script);
    const everything = listFiles(project).map((f) => readFileSync(join(project, f), 'utf8')).join('\n');
    assert.doesNotMatch(everything, /topologies\/wordcount\.ts|_build\/wordcount\.jar|Topology\('wordcount'/, 'no file names the wordcount topology');
    assert.match(readFileSync(join(project, 'test', 'wordcount.test.mjs'), 'utf8'), /'\.\.\/topologies\/clicks\.ts'/);
    assert.match(result.stdout, /run the clicks topology/);
  });
});
