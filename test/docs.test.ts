/**
 * Keeps the documentation true.
 *
 * - Code samples. A fenced block whose opening fence line comes right after a line `<!-- from: path/to/file.ts -->`
 *   must be a contiguous run of lines of that file (trailing spaces aside), and the file must be one the test suite
 *   exercises. Every TypeScript or JavaScript block must carry such a marker, so no sample that nothing runs can
 *   slip into README.md or docs/*.md.
 * - CLI reference. Every ```text block of docs/cli.md that starts with the line `$ squall <command> --help` must be
 *   exactly what that command prints; and every command squall has must have such a block.
 * - JSON samples that are not cited parse, and those with "envs" are config.json files squall accepts.
 * - README.md starts with the two commands that set squall up and run it, unchanged.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommanderError } from 'commander';
import { buildProgram } from '../src/cli/index.js';
import { parseProjectConfig } from '../src/config/project-config.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';

const ROOT = join(SOURCE_FIXTURES, '..', '..');

/**
 * Folders a sample may be cited from, and what exercises the files in them. A sample copied from anywhere else
 * could go stale without a test noticing.
 */
const EXERCISED: ReadonlyArray<{ dir: string; by: string }> = [
  { dir: 'examples/', by: 'test/examples.test.ts, test/cli.test.ts, test/runtime.test.ts and test/jar.test.ts run the examples' },
  { dir: 'templates/', by: 'test/quickstart.test.ts makes a project from them, runs it and passes its own tests' },
  { dir: 'test/', by: 'the test suite itself, its fixtures and topologies' },
  { dir: 'bench/components/', by: 'test/bench-components.test.ts runs them (and `npm run bench` measures them)' },
];

/** Blocks in these languages are code a reader may copy: each must be cited from a file. */
const CODE_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** The two commands README.md must start with, character for character. */
const README_COMMANDS = [
  'npm install && npx squall run examples/wordcount --time 10   # set up, run wordcount on the embedded runtime',
  'npm install && npm test                                       # set up, pass the tests',
];

interface Block {
  /** Where it is, for messages: `docs/cli.md:12` (the opening fence). */
  where: string;
  /** First word of the info string (`ts`, `text`, …), or '' for none. */
  lang: string;
  /** The content, indentation of the fence removed. */
  lines: string[];
  /** The path of the `<!-- from: … -->` line right above the fence, if there is one. */
  from: string | undefined;
}

const MARKER = /^<!--\s*from:\s*(\S+)\s*-->$/;

/** The Markdown files under test: README.md and every docs/*.md. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** Fenced code blocks (``` or ~~~, three or more, possibly indented), with the marker above each. */
function codeBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split(/\r?\n/);
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) {
      if (MARKER.test(lines[i]!.trim()) && !/^ *(`{3,}|~{3,})/.test(lines[i + 1] ?? '')) {
        assert.fail(`${file}:${i + 1}: a <!-- from: … --> line must be directly followed by the opening fence of a code block`);
      }
      continue;
    }
    const indent = open[1]!.length;
    const fence = open[2]!;
    const close = new RegExp(`^ *${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]!); j++) body.push(lines[j]!);
    assert.ok(j < lines.length, `${file}:${i + 1}: this code block is never closed`);
    const marker = i > 0 ? MARKER.exec(lines[i - 1]!.trim()) : null;
    blocks.push({
      where: `${file}:${i + 1}`,
      lang: open[3]!.toLowerCase(),
      lines: body.map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))),
      from: marker?.[1],
    });
    i = j;
  }
  return blocks;
}

const trimEnds = (lines: string[]) => lines.map((line) => line.trimEnd());

/** Index of the first line of `needle` inside `haystack` as a contiguous run, or -1. */
function findRun(haystack: string[], needle: string[]): number {
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (needle.every((line, k) => haystack[start + k] === line)) return start;
  }
  return -1;
}

/** Text as compared with a help block: trailing spaces of each line and trailing empty lines dropped. */
function normalizeText(text: string): string {
  const lines = trimEnds(text.split(/\r?\n/));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}

/**
 * `squall ARGS` parsed in-process by the program bin/squall.js runs, with what it prints captured: the exit status
 * commander would give, and stdout/stderr as a pipe gets them (no colours, commander's width when not on a terminal, 80).
 */
async function squall(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const program = buildProgram();
  let stdout = '';
  let stderr = '';
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({
      writeOut: (text) => (stdout += text),
      writeErr: (text) => (stderr += text),
      getOutHelpWidth: () => 80,
      getErrHelpWidth: () => 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return { exitCode: 0, stdout, stderr };
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { exitCode: err.exitCode, stdout, stderr };
  }
}

describe('documentation samples', () => {
  const files = markdownFiles();

  it('finds README.md and the docs', () => {
    assert.ok(files.includes('README.md') && files.includes('docs/cli.md') && files.includes('docs/config.md'), files.join(', '));
  });

  for (const file of files) {
    it(`${file}: every cited sample is verbatim from an exercised file, and every code sample is cited`, () => {
      const blocks = codeBlocks(file);
      for (const block of blocks) {
        if (block.from === undefined) {
          assert.ok(
            !CODE_LANGUAGES.has(block.lang),
            `${block.where}: a \`\`\`${block.lang} block needs a <!-- from: path/to/file --> line right above it, naming the file it is copied from`,
          );
          continue;
        }
        const path = block.from;
        assert.ok(!path.split('/').includes('..') && !path.startsWith('/'), `${block.where}: cite a path inside the repository, relative to its root: ${path}`);
        const home = EXERCISED.find((e) => path.startsWith(e.dir));
        assert.ok(home, `${block.where}: ${path} is not in a folder the tests exercise (${EXERCISED.map((e) => e.dir).join(', ')})`);
        const full = join(ROOT, ...path.split('/'));
        assert.ok(existsSync(full) && statSync(full).isFile(), `${block.where}: ${path} does not exist`);
        const sample = trimEnds(block.lines);
        assert.ok(sample.some((line) => line !== ''), `${block.where}: empty sample`);
        const source = trimEnds(readFileSync(full, 'utf8').split(/\r?\n/));
        const at = findRun(source, sample);
        if (at === -1) {
          // Point at the first line that cannot be matched, to make the fix quick.
          const firstMissing = sample.find((line) => line !== '' && !source.includes(line));
          assert.fail(
            `${block.where}: the sample is not a contiguous run of lines of ${path}` +
              (firstMissing === undefined ? ' (its lines exist, but not in this order)' : `; this line is not in the file: ${JSON.stringify(firstMissing)}`),
          );
        }
      }
    });
  }
});

describe('documentation JSON', () => {
  it('every uncited ```json block parses, and each config.json sample is one squall accepts', () => {
    let configs = 0;
    for (const file of markdownFiles()) {
      for (const block of codeBlocks(file)) {
        if (block.lang !== 'json' || block.from !== undefined) continue;
        let value: unknown;
        try {
          value = JSON.parse(block.lines.join('\n'));
        } catch (err) {
          assert.fail(`${block.where}: not valid JSON (${(err as Error).message})`);
        }
        if (typeof value === 'object' && value !== null && 'envs' in value) {
          assert.doesNotThrow(() => parseProjectConfig(block.lines.join('\n'), block.where), `${block.where}: squall refuses this config.json`);
          configs++;
        }
      }
    }
    assert.ok(configs > 0, 'docs/config.md shows at least one config.json');
  });
});

describe('docs/cli.md', () => {
  const HEADER = /^\$ squall(?: ([a-z][a-z-]*))? --help$/;
  const helpBlocks = () =>
    codeBlocks('docs/cli.md')
      .filter((b) => b.lang === 'text' && HEADER.test(b.lines[0] ?? ''))
      .map((b) => ({ ...b, command: HEADER.exec(b.lines[0]!)![1] }));

  it('has a --help block for squall and for every one of its commands', async () => {
    const top = await squall('--help');
    assert.equal(top.exitCode, 0, top.stderr);
    const commandsSection = top.stdout.split(/^Commands:$/m)[1]?.split(/\n\n/)[0] ?? '';
    const commands = [...commandsSection.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    assert.ok(commands.length >= 12, `commands found in squall --help: ${commands.join(', ')}`);
    const documented = helpBlocks().map((b) => b.command ?? '');
    for (const command of ['', ...commands]) {
      assert.ok(documented.includes(command), `docs/cli.md has no \`$ squall ${command ? `${command} ` : ''}--help\` block`);
    }
  });

  it('shows exactly what each --help prints', async () => {
    const blocks = helpBlocks();
    assert.ok(blocks.length > 0);
    await Promise.all(
      blocks.map(async (block) => {
        const args = block.command === undefined ? ['--help'] : [block.command, '--help'];
        const result = await squall(...args);
        assert.equal(result.exitCode, 0, `squall ${args.join(' ')}: ${result.stderr}`);
        assert.equal(
          normalizeText(block.lines.slice(1).join('\n')),
          normalizeText(result.stdout),
          `${block.where}: the block differs from what \`squall ${args.join(' ')}\` prints; paste the new output`,
        );
      }),
    );
  });
});

describe('the docs agree with the commands and with each other', () => {
  const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
  const sections = () => [...read('docs/cli.md').matchAll(/^## squall ([a-z][a-z-]*)$/gm)].map((m) => m[1]!);
  /** Commands whose --help block in docs/cli.md offers `-e`: the ones that read config.json. */
  const readingConfig = () =>
    codeBlocks('docs/cli.md')
      .filter((b) => b.lang === 'text' && /^\$ squall [a-z-]+ --help$/.test(b.lines[0] ?? '') && b.lines.some((l) => /-e, --environment/.test(l)))
      .map((b) => /^\$ squall ([a-z-]+)/.exec(b.lines[0]!)![1]!);

  it("docs/cli.md's index links every command's section", () => {
    const index = read('docs/cli.md').split(/^```text$/m)[0]!;
    assert.ok(sections().length >= 12);
    for (const command of sections()) assert.match(index, new RegExp(`\\(#squall-${command}\\)`), `the index of docs/cli.md lacks ${command}`);
  });

  it("docs/config.md names every command that reads config.json, and doctor where it reads the UI", () => {
    const config = read('docs/config.md');
    const sentence = /The commands that talk to a cluster read it: ([^.]+)\./.exec(config)?.[1] ?? '';
    const commands = readingConfig();
    assert.ok(commands.includes('doctor') && commands.includes('stats'), commands.join(', '));
    for (const command of commands) assert.match(sentence, new RegExp(`\`${command}\``), `docs/config.md's list of commands that read config.json lacks ${command}`);
    const uiRow = config.split('\n').find((l) => l.startsWith('| `ui` |')) ?? '';
    for (const command of ['stats', 'doctor']) assert.match(uiRow, new RegExp(`\`${command}\``), `the ui row of docs/config.md lacks ${command}`);
  });

  it('SSH authentication order is the same in docs/config.md, the quickstart config.json and the code (key file, then agent)', () => {
    assert.match(read('docs/config.md'), /\*\*Authentication\.\*\* squall tries the key file first \([^)]*\),\s+then the keys in the SSH agent/);
    const comment = (JSON.parse(read('templates/quickstart/config.json')) as { _comment: Record<string, string> })._comment['ssh_identity_file']!;
    assert.match(comment, /squall tries this key first, then the keys in your ssh-agent/);
    assert.doesNotMatch(comment, /ssh-agent, then/);
    // ssh2 offers what it is given in this order: publickey (the key file) before agent.
    const client = read('node_modules/ssh2/lib/client.js');
    assert.ok(client.indexOf("authsAllowed.push('publickey')") < client.indexOf("authsAllowed.push('agent')"), 'ssh2 tries the key file before the agent');
  });

  it("README's requirements name OpenSSH for the SSH tests", () => {
    const requirements = read('README.md').split(/^## Requirements$/m)[1]!.split(/^## /m)[0]!;
    assert.match(requirements, /\*\*OpenSSH\*\*.*SSH tests/s);
  });
});

describe('README.md', () => {
  it('starts with the title, one paragraph, and the two commands in one sh block', () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split(/\r?\n/);
    assert.match(lines[0]!, /^# \S/, 'a title first');
    let i = 1;
    while (lines[i] === '') i++;
    const paragraphStart = i;
    while (i < lines.length && lines[i] !== '') i++;
    assert.ok(i > paragraphStart, 'a one-paragraph pitch after the title');
    assert.ok(!lines.slice(paragraphStart, i).some((l) => /^(`{3,}|~{3,}|#)/.test(l)), 'the pitch is plain text');
    while (lines[i] === '') i++;
    assert.equal(lines[i], '```sh', 'then the commands, in a ```sh block');
    assert.deepEqual(lines.slice(i + 1, i + 1 + README_COMMANDS.length), README_COMMANDS);
    assert.equal(lines[i + 1 + README_COMMANDS.length], '```', 'and nothing else in that block');
  });
});
