import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/*
 * `squall quickstart NAME`: a new project in NAME/, from the files under templates/quickstart/ of the squall
 * package.
 *
 * Templates. Every file is copied to the same relative path, with two renames: `gitignore` becomes `.gitignore`
 * (npm leaves .gitignore files out of published packages, so the template cannot be called that), and a
 * placeholder in a path is filled in (`topologies/{{name}}.ts`). Each file's text may hold placeholders, `{{key}}`
 * (two braces, a key of letters only, no spaces):
 *
 *   {{name}}              the project name (also the folder name)
 *   {{squallDependency}}  what package.json depends on for squall: "file:<root of this squall package>", or the
 *                         version given with --squall-version
 *
 * In .json files the values are inserted JSON-escaped, so the placeholder belongs inside a string ("{{name}}").
 * An unknown key is a bug in the templates and stops the command before anything is written.
 */

/** Template file names that differ from the file they make. */
const RENAMES: Record<string, string> = { gitignore: '.gitignore' };

const PLACEHOLDER = /\{\{([A-Za-z]+)\}\}/g;

export interface CreateProjectOptions {
  /** The squall dependency written to package.json (e.g. "^0.1.0"); default `file:` this package's root. */
  squallVersion?: string;
  /** Where the templates are (default: templates/quickstart of this package). */
  templateDir?: string;
}

export interface CreatedProject {
  dir: string;
  /** Paths of the files written, relative to `dir`, sorted. */
  files: string[];
  /** The squall dependency spec written to package.json. */
  squallDependency: string;
}

/** The squall package root: the nearest folder above this module whose package.json names "squall". */
export function squallPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'squall') return dir;
      } catch {
        // not the one: keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the squall package root (a package.json named "squall" above this module)');
    dir = parent;
  }
}

/**
 * Why `name` cannot name a project, or undefined when it can. It becomes an npm package name (lowercase, URL-safe,
 * at most 214 characters, not a Node built-in) and may become a Storm topology name (no / . : \); both at once
 * leave lowercase letters, digits, - and _, starting with a letter or digit.
 */
export function invalidProjectName(name: string): string | undefined {
  const suggestion = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '');
  const tryInstead = suggestion && suggestion !== name && invalidProjectNameStrict(suggestion) === undefined ? ` (try "${suggestion}")` : '';
  const why = invalidProjectNameStrict(name);
  return why === undefined ? undefined : `"${name}" cannot name a squall project: ${why}${tryInstead}`;
}

function invalidProjectNameStrict(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 214) return 'npm package names are at most 214 characters';
  if (/[/.:\\]/.test(name)) return 'it contains one of / . : \\ which Storm refuses in topology names';
  if (/[A-Z]/.test(name)) return 'npm package names are lowercase';
  if (/^[-_]/.test(name)) return 'it must start with a letter or a digit';
  if (!/^[a-z0-9_-]+$/.test(name)) return 'use only lowercase letters, digits, - and _ (an npm package name, and a Storm topology name)';
  if (builtinModules.includes(name) || name === 'node_modules') return `"${name}" is reserved by Node.js, so npm refuses it as a package name`;
  return undefined;
}

/** A path as the user would type it: relative to the working folder when inside it. */
function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Every template file, as [path relative to the template folder, with / separators]. */
function listTemplates(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listTemplates(dir, path) : [path];
    })
    .sort();
}

function renderTemplate(text: string, values: Record<string, string>, templatePath: string, json = templatePath.endsWith('.json')): string {
  return text.replace(PLACEHOLDER, (match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${templatePath} has an unknown placeholder ${match} (known: ${Object.keys(values).map((k) => `{{${k}}}`).join(', ')})`);
    return json ? JSON.stringify(value).slice(1, -1) : value;
  });
}

/**
 * Create a project called `name` in `targetDir` from the quickstart templates. Refuses an invalid name or an
 * existing `targetDir` before writing anything; if writing fails midway, removes the folder it created.
 */
export function createProject(name: string, targetDir: string, options: CreateProjectOptions = {}): CreatedProject {
  const invalid = invalidProjectName(name);
  if (invalid) throw new Error(invalid);
  const dir = resolve(targetDir);
  const exists = () => new Error(`${shownPath(dir)}/ already exists: choose another name, or move it away first (nothing was written)`);
  if (existsSync(dir)) throw exists();
  if (options.squallVersion !== undefined && options.squallVersion.trim() === '') throw new Error('--squall-version needs a version, e.g. --squall-version ^0.1.0');

  const squallDependency = options.squallVersion?.trim() ?? `file:${squallPackageRoot().split(sep).join('/')}`;
  const templateDir = options.templateDir ?? join(squallPackageRoot(), 'templates', 'quickstart');
  if (!existsSync(templateDir)) throw new Error(`the quickstart templates are missing from ${templateDir}: reinstall squall`);

  // Render everything first: a template problem must not leave half a project behind.
  const values = { name, squallDependency };
  const files = listTemplates(templateDir).map((templatePath) => {
    const parts = templatePath.split('/');
    const last = parts.pop()!;
    const path = renderTemplate([...parts, RENAMES[last] ?? last].join('/'), values, templatePath, false);
    const text = renderTemplate(readFileSync(join(templateDir, ...templatePath.split('/')), 'utf8'), values, templatePath);
    if (path.endsWith('.json')) {
      try {
        JSON.parse(text);
      } catch (err) {
        throw new Error(`template ${templatePath} does not render to valid JSON: ${(err as Error).message}`);
      }
    }
    return { path, text };
  });

  mkdirSync(dirname(dir), { recursive: true });
  try {
    mkdirSync(dir); // not recursive: fails if the folder appeared since the check, so it is never written into
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
    throw err;
  }
  try {
    for (const file of files) {
      const out = join(dir, ...file.path.split('/'));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, file.text, { flag: 'wx' });
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true }); // ours: created just above
    throw err;
  }
  return { dir, files: files.map((f) => f.path).sort(), squallDependency };
}

interface QuickstartOptions {
  squallVersion?: string;
}

export function registerQuickstart(program: Command): void {
  program
    .command('quickstart')
    .argument('<name>', 'project name: lowercase letters, digits, - and _ (an npm package name and a Storm topology name); or a path ending in it, e.g. apps/clicks')
    .description('create a new squall project in NAME/: a wordcount topology, tests, config.json and a README')
    .option('--squall-version <version>', 'depend on this squall version from the npm registry (default: this squall, as a file: dependency)')
    .addHelpText(
      'after',
      `
NAME/ gets package.json, tsconfig.json, config.json (an example environment "prod" of placeholders),
src/spouts/sentences.ts, src/bolts/split.ts, src/bolts/count.ts, topologies/NAME.ts (the topology
NAME: a word count), test/wordcount.test.mjs, README.md and .gitignore. An existing NAME/ is never touched.

Examples:
  squall quickstart wordcount
  squall quickstart apps/clicks
  squall quickstart my-project --squall-version ^0.1.0
`,
    )
    .action((nameOrPath: string, options: QuickstartOptions) => {
      // A path names the project by its last part (apps/clicks → project "clicks" in apps/clicks/).
      const dir = resolve(process.cwd(), nameOrPath);
      const project = createProject(basename(dir), dir, { squallVersion: options.squallVersion });
      const shown = shownPath(project.dir);
      process.stdout.write(`Created ${shown}/ (squall depends on ${project.squallDependency}):\n`);
      for (const file of project.files) process.stdout.write(`  ${shown}/${file}\n`);
      process.stdout.write(
        [
          '',
          'Next steps:',
          `  cd ${shown} && npm install`,
          `  npx squall run        # run the ${basename(project.dir)} topology on this machine (Ctrl-C stops it and prints a summary)`,
          '  npm test              # run the tests in test/',
          '',
          `${shown}/README.md explains each file, and how to build a JAR and submit it to a cluster (config.json).`,
          '',
        ].join('\n'),
      );
    });
}
