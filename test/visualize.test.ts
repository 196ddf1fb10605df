import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { execa } from 'execa';
import { Bolt, Spout } from '../src/index.js';
import { registerVisualize } from '../src/cli/commands/visualize.js';
import { java, shell, Topology } from '../src/topology/builder.js';
import { dotQuote, edgeLabel, groupingLabel, mermaidText, toDot, toMermaid } from '../src/topology/graph.js';
import type { TopologySpec } from '../src/topology/spec.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';

class S extends Spout {
  override nextTuple(): void {}
}
class B extends Bolt {
  override process(): void {}
}

/** A TypeScript spout, a Python shell bolt (2 executors, 4 tasks), a Java bolt. */
function small(): TopologySpec {
  const t = new Topology('demo');
  const sentences = t.spout('sentences', S, { outputs: { default: ['sentence'] } });
  const split = t.bolt('split', shell('python3', 'splitter.py'), { outputs: { default: ['word'] }, parallelism: 2, tasks: 4 }).shuffle(sentences);
  t.bolt('count', java('org.example.Count'), { outputs: { default: ['word', 'count'] } }).fields(split, ['word']);
  return t.toSpec();
}

/** Named streams, a direct stream, all and global groupings. */
function streams(): TopologySpec {
  const t = new Topology('streams');
  const source = t.spout('source', S, { outputs: { numbers: ['n'], default: ['word'] } });
  const dispatcher = t.bolt('dispatcher', B, { outputs: { direct: { fields: ['n'], direct: true } } }).shuffle(source, 'numbers');
  t.bolt('consumer', B, { parallelism: 2 }).direct(dispatcher, 'direct');
  t.bolt('everyone', B, { parallelism: 2 }).all(source, 'numbers');
  t.bolt('ticker', B).global(source).localOrShuffle(source, 'numbers');
  return t.toSpec();
}

describe('topology graph', () => {
  it('draws a small topology as DOT', () => {
    assert.equal(
      toDot(small()),
      `digraph "demo" {
  rankdir=LR;
  label="demo";
  labelloc=t;
  node [fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  "sentences" [shape=ellipse, label="sentences\\nparallelism 1"];
  "split" [shape=box, label="split\\nparallelism 2, 4 tasks\\n(python3 splitter.py)"];
  "count" [shape=box, label="count\\nparallelism 1\\n(java org.example.Count)"];
  "sentences" -> "split" [label="shuffle"];
  "split" -> "count" [label="fields(word)"];
}
`,
    );
  });

  it('draws a small topology as Mermaid', () => {
    assert.equal(
      toMermaid(small()),
      `---
title: "demo"
---
flowchart LR
  c0(["sentences<br/>parallelism 1"])
  c1["split<br/>parallelism 2, 4 tasks<br/>(python3 splitter.py)"]
  c2["count<br/>parallelism 1<br/>(java org.example.Count)"]
  c0 -->|"shuffle"| c1
  c1 -->|"fields(word)"| c2
`,
    );
  });

  it('labels named streams and every grouping, and marks direct edges', () => {
    const dot = toDot(streams());
    assert.match(dot, /^ {2}"source" -> "dispatcher" \[label="numbers: shuffle"\];$/m);
    assert.match(dot, /^ {2}"dispatcher" -> "consumer" \[label="direct: direct", style=dashed\];$/m);
    assert.match(dot, /^ {2}"source" -> "everyone" \[label="numbers: all"\];$/m);
    assert.match(dot, /^ {2}"source" -> "ticker" \[label="global"\];$/m);
    assert.match(dot, /^ {2}"source" -> "ticker" \[label="numbers: localOrShuffle"\];$/m);
    assert.equal(dot.match(/->/g)?.length, 5, 'one edge per subscription');

    const mermaid = toMermaid(streams());
    assert.match(mermaid, /^ {2}c0\(\["source<br\/>parallelism 1"\]\)$/m, 'spouts are stadiums');
    assert.match(mermaid, /^ {2}c2\["consumer<br\/>parallelism 2"\]$/m, 'bolts are rectangles');
    assert.match(mermaid, /^ {2}c1 -\.->\|"direct: direct"\| c2$/m, 'direct edges are dotted');
    assert.match(mermaid, /^ {2}c0 -->\|"numbers: all"\| c3$/m);
    assert.equal(mermaid.match(/-->|-\.->/g)?.length, 5);
  });

  it('names groupings like the builder methods', () => {
    assert.equal(groupingLabel({ type: 'fields', fields: ['a', 'b'] }), 'fields(a, b)');
    assert.equal(groupingLabel({ type: 'local_or_shuffle' }), 'localOrShuffle');
    assert.equal(groupingLabel({ type: 'none' }), 'none');
    assert.equal(edgeLabel({ component: 'x', stream: 'default', grouping: { type: 'direct' } }), 'direct');
  });

  it('quotes and escapes ids that would break either format', () => {
    const spec: TopologySpec = {
      name: 'odd "name"',
      config: {},
      resources: [],
      components: [
        { id: 'end', kind: 'spout', impl: { type: 'squall', className: 'S' }, outputs: { 'a"b': { fields: ['x'], direct: false } }, inputs: [], parallelism: 1, tasks: 1, config: {} },
        {
          id: 'we<ird> "b\\olt" #1',
          kind: 'bolt',
          impl: { type: 'shell', command: 'C:\\python.exe', script: 'a&b.py' },
          outputs: {},
          inputs: [{ component: 'end', stream: 'a"b', grouping: { type: 'fields', fields: ['x'] } }],
          parallelism: 1,
          tasks: 1,
          config: {},
        },
      ],
    };
    assert.equal(dotQuote('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
    const dot = toDot(spec);
    assert.match(dot, /^digraph "odd \\"name\\"" \{$/m);
    assert.ok(dot.includes('  "we<ird> \\"b\\\\olt\\" #1" [shape=box, label="we<ird> \\"b\\\\olt\\" #1\\nparallelism 1\\n(C:\\\\python.exe a&b.py)"];'), dot);
    assert.ok(dot.includes('  "end" -> "we<ird> \\"b\\\\olt\\" #1" [label="a\\"b: fields(x)"];'), dot);

    assert.equal(mermaidText('<a href="#">&'), '#lt;a href=#quot;#35;#quot;#gt;#amp;');
    const mermaid = toMermaid(spec);
    assert.match(mermaid, /^title: "odd \\"name\\""$/m, 'the title is a YAML double-quoted string');
    assert.match(mermaid, /^ {2}c0\(\["end<br\/>parallelism 1"\]\)$/m, 'Mermaid node ids are positional, so "end" is harmless');
    assert.ok(mermaid.includes('  c1["we#lt;ird#gt; #quot;b\\olt#quot; #35;1<br/>parallelism 1<br/>(C:\\python.exe a#amp;b.py)"]'), mermaid);
    assert.ok(mermaid.includes('  c0 -->|"a#quot;b: fields(x)"| c1'), mermaid);
  });
});

describe('squall visualize', () => {
  const ROOT = join(SOURCE_FIXTURES, '..', '..');
  /** The command on a bare program, as src/cli/index.ts would register it. */
  const visualize = (...args: string[]) =>
    execa(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { Command } from 'commander';
         import { registerVisualize } from ${JSON.stringify(join(ROOT, 'dist', 'src', 'cli', 'commands', 'visualize.js'))};
         const program = new Command('squall');
         registerVisualize(program);
         await program.parseAsync(process.argv.slice(1), { from: 'user' });`,
        ...args,
      ],
      { cwd: ROOT, reject: false },
    );

  it('prints Mermaid by default and DOT on request for a topology file', async () => {
    const mermaid = await visualize('visualize', 'test/topologies/polyglot.ts');
    assert.equal(mermaid.exitCode, 0, mermaid.stderr);
    assert.match(mermaid.stdout, /^flowchart LR$/m);
    assert.match(mermaid.stdout, /c1\["split<br\/>parallelism 1<br\/>\(python3 splitter\.py\)"\]/);
    assert.match(mermaid.stdout, /c1 -->\|"fields\(word\)"\| c2/);

    const dot = await visualize('visualize', 'test/topologies/streams.ts', '--format', 'dot');
    assert.equal(dot.exitCode, 0, dot.stderr);
    assert.match(dot.stdout, /^digraph "streams" \{$/m);
    assert.match(dot.stdout, /"dispatcher" -> "consumer" \[label="direct: direct", style=dashed\];/);
  });

  it('refuses an unknown format', async () => {
    const result = await visualize('visualize', 'test/topologies/polyglot.ts', '--format', 'png');
    assert.notEqual(result.exitCode, 0);
    assert.match(result.stderr, /Allowed choices are mermaid, dot/);
  });

  it('teaches with --help', () => {
    const program = new Command('squall');
    registerVisualize(program);
    const command = program.commands.find((c) => c.name() === 'visualize')!;
    let help = '';
    command.configureOutput({ writeOut: (s) => (help += s) });
    command.outputHelp();
    assert.match(help, /-f, --format <format>/);
    assert.match(help, /choices: "mermaid", "dot"/);
    assert.match(help, /squall visualize examples\/wordcount --format dot \| dot -Tsvg|squall visualize topologies\/clicks\.ts --format dot \| dot -Tsvg/);
    assert.match(help, /mermaid\.live/);
  });
});
