/**
 * Storm's multi-lang framing, both directions.
 *
 * Every message is one compact JSON text followed by "\nend\n" (Storm reads lines until one is exactly `end`).
 * This is not NDJSON: a frame ends at the `end` line, not at a newline. The same decoder and encoder serve the
 * component SDK (reading Storm) and the embedded runtime (reading components), so both sides agree byte for byte.
 *
 * The decoder works on bytes, never on decoded strings, so a UTF-8 character split across two chunks is only
 * decoded once its frame is complete. It scans each chunk once for the delimiter (with a 4-byte overlap for a
 * delimiter split across chunks), so a multi-megabyte frame arriving in 64 KiB pieces costs one concatenation,
 * not one per chunk.
 */

const DELIMITER = Buffer.from('\nend\n', 'utf8');
const DELIMITER_TEXT = '\nend\n';
/** Longest a queued message waits while the event loop is busy with synchronous work. */
const STALE_MS = 100;

/** A frame that is not valid JSON, or not what the protocol allows at that point. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    /** The raw frame text (possibly truncated) that caused the error, for the report. */
    readonly frame?: string,
  ) {
    super(message);
  }
}

/** Show at most this much of a bad frame in an error: enough to recognise it, never megabytes. */
const EXCERPT_CHARS = 200;

export function excerpt(text: string): string {
  return text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}… (${text.length} chars)`;
}

/**
 * Integers beyond 2^53 (Java longs such as ids) would lose digits in JSON.parse. A frame that may hold one (16 or
 * more digits where a JSON number can start: at the start, or after `:`, `,` or `[`) takes a slower path that
 * turns them into BigInt; every other frame is one JSON.parse. Digits inside strings, like the 19-digit tuple ids
 * Storm sends as strings, keep the fast path unless the text before them looks like a number's place.
 */
const LONG_DIGITS = /(?:^|[:,[])\s*-?\d{16}/;
const NUMBER_OR_STRING = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;
const BIGINT_KEY = '$squall.bigint';

function parseWithBigInts(body: string): unknown {
  const marked = body.replace(NUMBER_OR_STRING, (token) =>
    token[0] === '"' || Number.isSafeInteger(Number(token)) ? token : `{"${BIGINT_KEY}":"${token}"}`,
  );
  if (marked === body) return JSON.parse(body);
  return JSON.parse(marked, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && BIGINT_KEY in value ? BigInt((value as Record<string, string>)[BIGINT_KEY]!) : value,
  );
}

/** JSON text of a message; BigInt values are written as exact integer literals. */
export function stringifyMessage(message: unknown): string {
  try {
    return JSON.stringify(message);
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    const text = JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_KEY}:${value}` : value));
    return text.replace(/"\$squall\.bigint:(-?\d+)"/g, '$1');
  }
}

/** Parse one frame body: one JSON.parse on the receive path (see LONG_DIGITS for the exception). */
export function parseFrame(body: string): unknown {
  try {
    return LONG_DIGITS.test(body) ? parseWithBigInts(body) : JSON.parse(body);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ProtocolError(
      `malformed multi-lang frame (not JSON: ${reason}); every message must be one JSON text followed by "\\nend\\n": ${JSON.stringify(excerpt(body))}`,
      excerpt(body),
    );
  }
}

/** Encode one message as a frame string. JSON.stringify never emits a raw newline, so "end" cannot be forged. */
export function encodeFrame(message: unknown): string {
  return stringifyMessage(message) + DELIMITER_TEXT;
}

/**
 * Incremental frame decoder. Feed it chunks as they arrive; it returns the parsed messages completed by each chunk.
 */
export class FrameDecoder {
  /** Bytes of the current incomplete frame, kept as the chunks they arrived in. */
  private parts: Buffer[] = [];
  private partsLength = 0;

  /** Decode every complete frame in `chunk` (plus what earlier chunks left over). */
  push(chunk: Buffer): unknown[] {
    const messages: unknown[] = [];
    let start = 0;
    if (this.partsLength > 0) {
      // The delimiter may straddle the boundary: look back up to 4 bytes into the pending data.
      const end = this.findAcrossBoundary(chunk);
      if (end < 0) {
        this.keep(chunk);
        return messages;
      }
      // `end` is the index in `chunk` just past the delimiter.
      // Join the bytes before decoding: a character may be split between the pending bytes and this chunk.
      const bodyEndInChunk = end - DELIMITER.length; // negative when the delimiter began in the pending bytes
      if (bodyEndInChunk > 0) this.keep(chunk.subarray(0, bodyEndInChunk));
      const frame = Buffer.concat(this.parts, this.partsLength);
      this.parts = [];
      this.partsLength = 0;
      messages.push(this.parse(frame.toString('utf8', 0, frame.length + Math.min(0, bodyEndInChunk))));
      start = end;
    }
    // The complete frames of this chunk end at its last delimiter: decode them as one text (a frame ends in ASCII,
    // so no character is cut) and split that, rather than decode frame by frame.
    const last = chunk.lastIndexOf(DELIMITER);
    if (last >= start) {
      const text = chunk.toString('utf8', start, last);
      let from = 0;
      for (;;) {
        const at = text.indexOf(DELIMITER_TEXT, from);
        if (at < 0) break;
        messages.push(this.parse(text.slice(from, at)));
        from = at + DELIMITER_TEXT.length;
      }
      messages.push(this.parse(text.slice(from)));
      start = last + DELIMITER.length;
    }
    if (start < chunk.length) this.keep(start === 0 ? chunk : chunk.subarray(start));
    return messages;
  }

  /** Bytes received that do not yet form a complete frame (non-zero at EOF means a truncated message). */
  get pendingBytes(): number {
    return this.partsLength;
  }

  private keep(bytes: Buffer): void {
    this.parts.push(bytes);
    this.partsLength += bytes.length;
  }

  /**
   * Find the first delimiter that ends inside `chunk` when it may have started in the pending bytes.
   * Returns the index in `chunk` just past the delimiter, or -1.
   */
  private findAcrossBoundary(chunk: Buffer): number {
    const overlap = Math.min(DELIMITER.length - 1, this.partsLength);
    if (overlap > 0) {
      const tail = Buffer.concat([this.tailBytes(overlap), chunk.subarray(0, DELIMITER.length - 1)]);
      const at = tail.indexOf(DELIMITER);
      if (at >= 0) return at + DELIMITER.length - overlap;
    }
    const at = chunk.indexOf(DELIMITER);
    return at < 0 ? -1 : at + DELIMITER.length;
  }

  /** The last `n` pending bytes (the pending parts may be many small chunks). */
  private tailBytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let need = n;
    for (let i = this.parts.length - 1; i >= 0 && need > 0; i--) {
      const part = this.parts[i]!;
      const take = Math.min(need, part.length);
      part.copy(out, need - take, part.length - take);
      need -= take;
    }
    return out;
  }

  private parse(body: string): unknown {
    if (body.length === 0) {
      throw new ProtocolError('malformed multi-lang frame: empty message before "end"; expected one JSON text', '');
    }
    return parseFrame(body);
  }
}

/** Where a FrameWriter sends its bytes: a Writable-like sink with back-pressure. */
export interface FrameSink {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Coalescing frame writer. Messages written in the same turn of the event loop go out as one write: a bolt that
 * emits ten words and an ack makes one syscall, not eleven. It honours back-pressure: while the sink is full,
 * frames accumulate and `onBackpressure(true)` lets the owner stop reading input until the sink drains.
 *
 * Its state, in one place. `pending` holds the frames not yet handed to the sink; three independent flags say why
 * they have not gone yet (any of them may hold together):
 * - `scheduled`: a flush is queued for the end of this turn (set by the turn's first write, `firstPendingAt` = when;
 *   cleared by any flush). Later writes join it, unless the turn has run for STALE_MS: then they flush at once.
 * - `corked`: the owner said the reader is busy and will answer soon (`cork(maxMs)`); flushes write nothing. Ends
 *   at `uncork`, at `flush`, or by `corkTimer` after maxMs (the bolt executor's bound, kept here with the flag).
 * - `blocked`: the sink refused a write; the owner's input is paused (`onBackpressure`) until the sink's 'drain'.
 * Frames go out when a flush runs (end of turn, `endBatch`, stale turn, after uncork, on drain) and neither
 * `corked` nor `blocked` holds. `flush()` waiters resolve once `pending` is empty and the sink is not blocked.
 */
export class FrameWriter {
  private pending: string[] = [];
  private scheduled = false;
  private firstPendingAt = 0;
  private corked = false;
  /** Ends a cork after its `maxMs` when no one uncorks first (a bolt holding its tuples, waiting for more). */
  private corkTimer: NodeJS.Timeout | undefined;
  private blocked = false;
  private flushWaiters: Array<() => void> = [];

  constructor(
    private readonly sink: FrameSink,
    private readonly onBackpressure: (blocked: boolean) => void = () => {},
  ) {}

  /**
   * Queue one message; it is sent at the end of the current event-loop turn, or at once when the turn has been
   * going on for STALE_MS: a bolt working through a long backlog synchronously must still be heard (Storm kills a
   * subprocess that says nothing for topology.subprocess.timeout.secs, and any message counts).
   */
  write(message: unknown): void {
    this.writeText(stringifyMessage(message));
  }

  /** Queue one message given as its JSON text (see `write`). */
  writeText(json: string): void {
    this.pending.push(json, DELIMITER_TEXT);
    if (this.blocked || this.corked) return;
    if (!this.scheduled) this.scheduleFlush();
    else {
      const now = Date.now();
      if (now - this.firstPendingAt >= STALE_MS) {
        this.flushNow();
        // The setImmediate already queued still runs and sends the rest; what follows waits STALE_MS again.
        this.scheduled = true;
        this.firstPendingAt = now;
      }
    }
  }

  /**
   * Hold what is written from now on until `uncork`, or for `maxMs` at most: the owner knows the reader is busy with
   * what it has and will answer soon, so waking it for each small batch would only cost both sides a system call
   * and a context switch. The bound is for a reader that holds what it has, waiting for more.
   */
  cork(maxMs: number): void {
    this.corked = true;
    this.corkTimer ??= setTimeout(this.uncork, maxMs);
  }

  /** Send what `cork` held back, at the end of this turn. */
  readonly uncork = (): void => {
    if (this.endCork() && this.pending.length > 0 && !this.blocked && !this.scheduled) this.scheduleFlush();
  };

  /** Leave the corked state (and stop its timer); true if it was corked. */
  private endCork(): boolean {
    if (this.corkTimer !== undefined) {
      clearTimeout(this.corkTimer);
      this.corkTimer = undefined;
    }
    const was = this.corked;
    this.corked = false;
    return was;
  }

  /** Send what is pending at the end of this turn (see `write` for when it goes sooner). */
  private scheduleFlush(): void {
    this.scheduled = true;
    this.firstPendingAt = Date.now();
    setImmediate(this.flushNow);
  }

  /** True while messages are queued and not yet handed to the sink. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /**
   * The caller knows its batch is complete (a spout's `sync` ends its reply to a command): write now instead of
   * at the end of the turn, saving the latency of a round trip Storm is blocked on.
   */
  endBatch(): void {
    if (!this.blocked && this.pending.length > 0) this.flushNow();
  }

  /** Resolve once everything queued so far has been handed to the sink (used before exiting). */
  flush(): Promise<void> {
    this.endCork();
    if (this.pending.length === 0 && !this.blocked) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve);
      if (!this.blocked) this.flushNow();
    });
  }

  private readonly flushNow = (): void => {
    this.scheduled = false;
    if (this.blocked || this.corked || this.pending.length === 0) {
      if (!this.blocked) this.settle();
      return;
    }
    const data = this.pending.length === 2 ? this.pending[0]! + this.pending[1]! : this.pending.join('');
    this.pending = [];
    if (!this.sink.write(data)) {
      this.blocked = true;
      this.onBackpressure(true);
      this.sink.once('drain', () => {
        this.blocked = false;
        this.onBackpressure(false);
        this.flushNow();
      });
      return;
    }
    this.settle();
  };

  private settle(): void {
    if (this.pending.length > 0 || this.flushWaiters.length === 0) return;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
