import type { LoadedTopology } from '../packaging/load.js';
import { describeTypecheck } from '../packaging/typecheck.js';

/** `--no-typecheck`, as `run`, `jar` and `submit` take it: commander gives `typecheck: true` unless it is given. */
export const NO_TYPECHECK = ['--no-typecheck', "skip type-checking the topology's project (its own tsc and tsconfig.json)"] as const;

/** Say what the type check came to (or that it was skipped), on stderr with the other progress lines. */
export function reportTypecheck(loaded: LoadedTopology): void {
  if (loaded.typecheck) process.stderr.write(`squall: ${describeTypecheck(loaded.typecheck)}\n`);
}
