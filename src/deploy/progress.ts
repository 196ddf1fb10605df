/** What deploy functions report while they work, to a caller that decides how to show it (the CLI: stderr lines). */
export interface Progress {
  /** A step begins ("bundling topology.ts", "killing the running wordcount (wait 0s)"). */
  onStep?: (message: string) => void;
  /** A finished fact worth a line: what the type check came to, or a warning (starting "warning: "). */
  onNote?: (message: string) => void;
}
