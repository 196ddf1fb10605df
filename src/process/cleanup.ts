import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What must not outlive this process: temporary folders (bundles, pid folders) and component processes. Component
 * processes run in their own process group (a Ctrl-C in the terminal must not reach them, as it does not reach a
 * worker's subprocesses), so nothing kills them for us: on any exit, normal or `process.exit`, they are killed here.
 * A signal that kills this process outright still closes their stdin, and a component exits at EOF.
 */
const folders = new Set<string>();
const processGroups = new Set<number>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const pid of processGroups) killGroup(pid);
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** A fresh folder under the system temp folder, removed when this process exits if not removed before. */
export function temporaryFolder(prefix: string): { path: string; remove: () => void } {
  install();
  const path = mkdtempSync(join(tmpdir(), prefix));
  folders.add(path);
  return {
    path,
    remove: () => {
      folders.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Kill this process group (a detached child and whatever it started) when this process exits. */
export function killOnExit(pid: number): () => void {
  install();
  processGroups.add(pid);
  return () => processGroups.delete(pid);
}
