import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProject } from '../../src/cli/commands/quickstart.js';

/** The squall package root (this file runs as dist/test/helpers/linked-project.js). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * A quickstart project in `dir`/NAME as `squall quickstart NAME` writes it, with node_modules linked to this
 * package's own (squall itself, typescript with its tsc bin, @types/node) instead of an npm install: what an
 * installed project resolves, without the registry. Returns the project's folder.
 */
export function linkedQuickstart(dir: string, name = 'demo'): string {
  const project = join(dir, name);
  createProject(name, project);
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  mkdirSync(join(modules, '.bin'));
  symlinkSync(ROOT, join(modules, 'squall'));
  symlinkSync(join(ROOT, 'node_modules', 'typescript'), join(modules, 'typescript'));
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(modules, '@types', 'node'));
  symlinkSync(join('..', 'typescript', 'bin', 'tsc'), join(modules, '.bin', 'tsc'));
  symlinkSync(join('..', 'squall', 'bin', 'squall.js'), join(modules, '.bin', 'squall'));
  return project;
}
