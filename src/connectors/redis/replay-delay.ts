/** The replay back-off of a Redis stream spout's failed entries. */
export interface ReplayBackoff {
  /** First replay delay (ms), doubling per replay. */
  retryDelayMs: number;
  /** Longest replay delay (ms). */
  maxRetryDelayMs: number;
  /** Fraction of the delay (0 to 1) that is random: the delay lies between (1 − jitter) × nominal and nominal. */
  retryJitter: number;
}

/**
 * How long to wait before replaying an entry that failed for the `attempt`-th time (1 for its first fail): the
 * nominal delay `retryDelayMs × 2^(attempt − 1)`, at most `maxRetryDelayMs`, less a random part of up to
 * `retryJitter` of it. Entries failed by one cause (an outage, a slow bolt timing out a batch) fail together;
 * without jitter their replays would come back together, as the same burst, on every round.
 */
export function replayDelay(attempt: number, backoff: ReplayBackoff, random: () => number = Math.random): number {
  const nominal = Math.min(backoff.retryDelayMs * 2 ** Math.max(0, attempt - 1), backoff.maxRetryDelayMs);
  return Math.round(nominal * (1 - backoff.retryJitter * random()));
}
