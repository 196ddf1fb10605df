/** Option parsers shared by commands. */

/** `-o key=value`, repeatable. Values are JSON when they parse (numbers, booleans, lists), else strings. */
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
  return { ...previous, [key]: value };
}

export function positiveNumber(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number of seconds, got "${raw}"`);
  return n;
}
