/** `1d 2h 0m 5s` style, as the Storm UI writes uptimes (leading zero units dropped); null (unknown) is `-`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  let rest = Math.max(0, Math.round(seconds));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
  }
  parts.push(`${rest}s`);
  return parts.join(' ');
}
