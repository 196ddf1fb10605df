/**
 * Plain-text tables for terminal output: every column padded to its widest cell, names to the left and figures
 * to the right, so columns of numbers line up by their last digit.
 */
export interface TableOptions {
  /** How many leading columns hold names (left-aligned); the rest hold figures (right-aligned). Default 1. */
  leftColumns?: number;
  /** The last column is free text: left-aligned and not padded. */
  lastIsText?: boolean;
}

/** `rows[0]` is the header. Returns one string per row, without trailing spaces. */
export function table(rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  if (rows.length === 0) return [];
  const left = options.leftColumns ?? 1;
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const last = widths.length - 1;
  return rows.map((row) =>
    row
      .map((cell, i) => (i === last && options.lastIsText ? cell : i < left ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
