import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { temporaryFolder } from '../src/process/cleanup.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';
import { linkedQuickstart } from './helpers/linked-project.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');
/** npm's own variables would leak into the project's nested npm under `npm test`; NODE_TEST_CONTEXT would redirect its report. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_TEST_CONTEXT'));
const squall = (cwd: string, ...args: string[]) =>
  execa(process.execPath, [join(ROOT, 'bin', 'squall.js'), ...args], { cwd, reject: false, env: cleanEnv, extendEnv: false });

/**
 * Two TS2322 errors: with `grouping`, a fields grouping on a field the split bolt does not declare (the README's
 * promise) and a plain mismatch; without, two plain mismatches that nothing but the compiler sees.
 */
function breakTypes(project: string, grouping: boolean): void {
  const file = join(project, 'topologies', 'wordcount.ts');
  let source = readFileSync(file, 'utf8');
  assert.ok(source.includes(".fields(split, ['word'])"));
  if (grouping) source = source.replace(".fields(split, ['word'])", ".fields(split, ['wrd'])");
  else source += "\nexport const host: string = 8080;\n";
  writeFileSync(file, source + "\nexport const port: number = 'eighty';\n");
}

describe('squall run, jar and submit type-check the project', () => {
  const scratch = temporaryFolder('squall-test-typecheck-');
  let good: string;
  let broken: string;
  let loose: string;
  before(() => {
    const dir = realpathSync(scratch.path);
    // Each project is named wordcount (topologies/wordcount.ts), in a folder of its own.
    const project = (folder: string) => {
      mkdirSync(join(dir, folder));
      return linkedQuickstart(join(dir, folder), 'wordcount');
    };
    good = project('good');
    broken = project('broken');
    breakTypes(broken, true);
    loose = project('loose');
    breakTypes(loose, false);
  });
  after(() => scratch.remove());

  it('refuses a project with type errors, printing them as tsc does, before anything runs or is packed', async () => {
    const run = await squall(broken, 'run', '--time', '1');
    assert.equal(run.exitCode, 1, run.stderr);
    assert.match(run.stderr, /type errors in \. \(tsc -p tsconfig\.json\): fix them, or pass --no-typecheck/);
    const errors = run.stderr.match(/^topologies\/wordcount\.ts:\d+:\d+ - error TS2322: .*/gm) ?? [];
    assert.equal(errors.length, 2, run.stderr);
    assert.match(errors.join('\n'), /"wrd"/);
    assert.doesNotMatch(run.stderr, /running "wordcount"/);
    assert.doesNotMatch(run.stderr, /\x1b\[/, 'no colour codes when stderr is not a terminal');

    const jar = await squall(broken, 'jar');
    assert.equal(jar.exitCode, 1, jar.stderr);
    assert.match(jar.stderr, /error TS2322/);
    assert.ok(!existsSync(join(broken, '_build')), 'no JAR written');

    // Refused before Nimbus is reached: nothing listens on port 9, and the error is the type error.
    const submit = await squall(broken, 'submit', '--nimbus', '127.0.0.1:9');
    assert.equal(submit.exitCode, 1, submit.stderr);
    assert.match(submit.stderr, /error TS2322/);
    assert.doesNotMatch(submit.stderr, /ECONNREFUSED|Nimbus/);
  });

  it('--no-typecheck skips the check and says so', async () => {
    const run = await squall(loose, 'run', '--time', '1', '--no-typecheck');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stderr, /^squall: not type-checked: --no-typecheck$/m);
    assert.match(run.stdout, /^summary after/m);
  });

  it('a project that checks runs, and the check says what it cost', async () => {
    const run = await squall(good, 'run', '--time', '1');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stderr, /^squall: type-checked tsconfig\.json in \d+\.\ds \(--no-typecheck skips this\)$/m);
  });

  it('tells a project without TypeScript how to get it, and how to skip the check', async () => {
    const dir = realpathSync(scratch.path);
    const bare = linkedQuickstart(dir, 'bare');
    rmSync(join(bare, 'node_modules', 'typescript'));
    const run = await squall(bare, 'run', '--time', '1');
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /has no TypeScript compiler, so its types cannot be checked: install it there \(npm install --save-dev typescript\), or pass --no-typecheck/);
    rmSync(join(bare, 'tsconfig.json'));
    const jar = await squall(bare, 'jar');
    assert.equal(jar.exitCode, 1);
    assert.match(jar.stderr, /no tsconfig\.json for topologies\/bare\.ts \(looked in topologies, \.\).*Add a tsconfig\.json .* or pass --no-typecheck/);
  });

  it("the quickstart's npm test type-checks too", async () => {
    const test = await execa('npm', ['test'], { cwd: broken, reject: false, env: cleanEnv, extendEnv: false, all: true });
    assert.notEqual(test.exitCode, 0, test.all);
    assert.match(test.all ?? '', /error TS2322/);
  });

  it('the examples in this repository check with their own tsconfig.json, as the README runs them', async () => {
    const run = await squall(ROOT, 'jar', 'examples/wordcount', '-o', join(scratch.path, 'wordcount.jar'));
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stderr, /^squall: type-checked examples\/wordcount\/tsconfig\.json in /m);
  });
});
