/**
 * The layering of src/, read from its import statements: the CLI is the top (nothing below it imports cli/), and no
 * file or folder imports itself back through others (a cycle makes load order matter and hides which module owns what).
 * Type-only imports count: they tie the modules together as much as the reader's understanding goes.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { SOURCE_FIXTURES } from './helpers/driver.js';

const SRC = join(SOURCE_FIXTURES, '..', '..', 'src');

/** Every .ts file under src/, as a path relative to src/ (`doctor/apply.ts`). */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [relative(SRC, join(dir, entry.name))] : [],
  );
}

/** `from './x.js'` and `import('./x.js')`: the relative imports of a file, as paths relative to src/. */
const RELATIVE_IMPORT = /(?:\bfrom\s+|\bimport\(\s*)['"](\.[^'"]+)['"]/g;

function importGraph(): Map<string, string[]> {
  const files = new Set(sourceFiles());
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    const targets = [...text.matchAll(RELATIVE_IMPORT)]
      .map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'))
      .filter((target) => files.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One cycle through `graph`, as the files along it, or null when there is none. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of graph.keys()) {
    if (state.get(file) !== undefined) continue;
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

describe('layers of src/', () => {
  const graph = importGraph();

  it('reads the imports (a sanity check of the reader itself)', () => {
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok(graph.get('doctor/apply.ts')?.includes('doctor/plan.ts'), String(graph.get('doctor/apply.ts')));
    assert.deepEqual(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', ['a.ts']]])), ['a.ts', 'b.ts', 'a.ts']);
  });

  it('nothing outside cli/ imports from cli/', () => {
    const upward = [...graph].flatMap(([file, targets]) => (file.startsWith('cli/') ? [] : targets.filter((t) => t.startsWith('cli/')).map((t) => `${file} -> ${t}`)));
    assert.deepEqual(upward, []);
  });

  it('no file imports itself back through others', () => {
    const cycle = findCycle(graph);
    assert.equal(cycle, null, `an import cycle: ${cycle?.join(' -> ')}`);
  });

  it('no folder of src/ imports itself back through other folders', () => {
    const folder = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');
    const folders = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      const from = folder(file);
      const to = targets.map(folder).filter((f) => f !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    const cycle = findCycle(folders);
    assert.equal(cycle, null, `folders importing each other: ${cycle?.join(' -> ')}`);
  });
});
