/** `--no-typecheck`, as `run`, `jar` and `submit` take it: commander gives `typecheck: true` unless it is given. */
export const NO_TYPECHECK = ['--no-typecheck', "skip type-checking the topology's project (its own tsc and tsconfig.json)"] as const;

