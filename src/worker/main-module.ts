import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** True when `moduleUrl` is the script Node was started with (a worker's `[node, bundle]`). */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}
