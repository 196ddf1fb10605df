/** Option parsers shared by commands. */
import { keyProblem, unknownKeyWarning } from '../config/keys.js';

/**
 * `-o key=value`, repeatable. Values are JSON when they parse (numbers, booleans, lists), else strings. A value its
 * key's rule refuses (config/keys.ts) fails here, naming what the key takes; an unknown `topology.*`/`squall.*` key
 * is kept (Storm passes unknown keys through) with a warning naming the known key it most likely misspells.
 */
export function collectOption(raw: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const at = raw.indexOf('=');
  if (at <= 0) throw new Error(`-o expects key=value (e.g. -o topology.message.timeout.secs=60), got "${raw}"`);
  const key = raw.slice(0, at);
  const text = raw.slice(at + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // a plain string
  }
  const problem = keyProblem(key, value);
  if (problem) throw new Error(`-o ${raw}: ${problem}`);
  const warning = unknownKeyWarning(key);
  if (warning) process.stderr.write(`squall: warning: -o ${warning}\n`);
  return { ...previous, [key]: value };
}

/** A port to listen on, for `flag` (`--ui`, `--port`): 0 to 65535, 0 meaning any free port. */
export function portNumber(flag: string): (raw: string) => number {
  return (raw) => {
    const port = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag} takes a port number (0 for any free port), got "${raw}"`);
    return port;
  };
}

export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number of seconds, got "${raw}"`);
  return n;
}

/** A rate such as `doctor --target`: tuple trees per second, above zero. */
export function positiveRate(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive rate in tuple trees per second (e.g. 5000), got "${raw}"`);
  return n;
}
