import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';

/** What checking a topology's project came to: checked (which tsconfig, how long), or skipped and why. */
export type TypecheckOutcome = { tsconfig: string; ms: number } | { skipped: string };

/** A type error stops the command: the message holds tsc's own report, `file:line:col - error TS…: …`. */
export class TypecheckError extends Error {
  override name = 'TypecheckError';
}

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Type-check the project a topology belongs to, as `tsc --noEmit -p tsconfig.json` does there: with the project's
 * own tsconfig.json (the nearest one above the topology, not past the project's package.json) and the TypeScript
 * compiler the project itself depends on, so the verdict is the one the user's editor and `npm test` give.
 * esbuild strips types without checking them, so without this a grouping on an undeclared field would run.
 * tsc runs in its own process: its memory is returned when it exits, and it can run while the bundle is built.
 */
export async function typecheckProject(topologyFile: string): Promise<TypecheckOutcome> {
  if (!TYPESCRIPT_EXTENSIONS.has(extname(topologyFile))) return { skipped: `${display(topologyFile)} is JavaScript` };
  const tsconfig = findTsconfig(topologyFile);
  const project = dirname(tsconfig);
  const tsc = compilerOf(project);
  const started = performance.now();
  const { code, output } = await runTsc(tsc, tsconfig);
  const ms = performance.now() - started;
  if (code === 0) return { tsconfig, ms };
  const report = process.stderr.isTTY ? output : output.replace(/\x1b\[[0-9;]*m/g, '');
  throw new TypecheckError(
    `type errors in ${display(project) || '.'} (tsc -p ${display(tsconfig)}): fix them, or pass --no-typecheck to go ahead anyway\n\n${report.trimEnd()}`,
  );
}

/** One line for the command's progress output. */
export function describeTypecheck(outcome: TypecheckOutcome): string {
  if ('skipped' in outcome) return `not type-checked: ${outcome.skipped}`;
  return `type-checked ${display(outcome.tsconfig)} in ${(outcome.ms / 1000).toFixed(1)}s (--no-typecheck skips this)`;
}

/** The nearest tsconfig.json from the topology's folder up to the project's root (the folder with package.json). */
function findTsconfig(topologyFile: string): string {
  const looked: string[] = [];
  for (let dir = dirname(topologyFile); ; dir = dirname(dir)) {
    const candidate = join(dir, 'tsconfig.json');
    looked.push(display(dir) || '.');
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(dir, 'package.json')) || dirname(dir) === dir) break;
  }
  throw new TypecheckError(
    `no tsconfig.json for ${display(topologyFile)} (looked in ${looked.join(', ')}): squall type-checks a TypeScript topology with its ` +
      "project's own settings. Add a tsconfig.json to the project (squall quickstart writes one), or pass --no-typecheck to skip the check",
  );
}

/** The project's own tsc: its node_modules, as `npx tsc` in the project would find it. */
function compilerOf(project: string): string {
  try {
    const pkg = createRequire(join(project, 'package.json')).resolve('typescript/package.json');
    return join(dirname(pkg), 'bin', 'tsc');
  } catch {
    throw new TypecheckError(
      `${display(project) || 'this project'} has no TypeScript compiler, so its types cannot be checked: install it there ` +
        '(npm install --save-dev typescript), or pass --no-typecheck to skip the check',
    );
  }
}

/** tsc's pretty report (file:line:col, the message and the code line), paths relative to where squall was started. */
function runTsc(tsc: string, tsconfig: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '--noEmit', '--pretty', '-p', tsconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString() }));
  });
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
