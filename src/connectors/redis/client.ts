import { createClient } from 'redis';
import type { Conf, Logger } from '../../component/component.js';
import { describeError } from '../../component/component.js';

/** The conf key a spout or bolt reads its URL from when its options name none (topology or component conf). */
export const REDIS_URL_CONF = 'squall.redis.url';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Reconnect back-off: 50 ms doubling up to this, so a Redis restart is noticed quickly and an outage costs little. */
const MAX_BACKOFF_MS = 2000;

/** A raw reply as node-redis hands back `sendCommand` results (RESP2: strings, arrays, null, numbers). */
export type RawReply = string | number | null | RawReply[];

/** The URL a component connects to: its option, else `squall.redis.url` in its conf, else the local default. */
export function redisUrl(option: string | undefined, conf: Conf): string {
  const fromConf = conf[REDIS_URL_CONF];
  return option ?? (typeof fromConf === 'string' && fromConf.length > 0 ? fromConf : DEFAULT_REDIS_URL);
}

/** The URL as logs show it: a password never reaches a worker log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Errors no reconnect can cure: a wrong password, a user without rights, a host name that does not resolve.
 * They end the connection attempt with one clear error instead of retrying forever.
 */
function fatalReason(cause: unknown): string | undefined {
  const message = describeError(cause);
  if (/WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username/i.test(message)) return 'authentication failed';
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  return undefined;
}

/**
 * One connection to Redis for one component: reconnects with back-off while Redis is down, logs each outage once
 * (when it starts and when it ends), and fails commands at once while disconnected (no offline queue), so a
 * spout never blocks past Storm's subprocess timeout and a bolt fails its tuples for replay instead of holding them.
 */
export class RedisConnection {
  readonly url: string;
  private readonly client: ReturnType<typeof createClient>;
  private fatal: Error | undefined;
  private downSince: number | undefined;
  private lastDownAt = 0;
  private failedWhileDown = 0;
  private closed = false;
  /** Resolves once the first attempt has an outcome: connected, or failed (then retrying in the background). */
  private readonly firstOutcome: Promise<void>;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly label: string,
    /** Called when the connection is back after an outage. */
    private readonly onReconnect: () => void = () => {},
  ) {
    this.url = url;
    const shown = redactUrl(url);
    try {
      this.client = createClient({
        url,
        // RESP2 replies are plain arrays and strings, the shapes `readEntries` parses (v6 defaults to RESP3 maps).
        RESP: 2,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 5000,
          reconnectStrategy: (retries, cause) => {
            const reason = fatalReason(cause);
            if (reason) {
              // Set before 'terminated' fires, so `started` sees it.
              this.fatal = new Error(`${label}: cannot use Redis at ${shown}: ${reason} (${describeError(cause)}); check the URL and credentials`);
              return this.fatal;
            }
            return Math.min(50 * 2 ** retries, MAX_BACKOFF_MS);
          },
        },
      });
    } catch (err) {
      throw new Error(
        `${label}: invalid Redis URL "${shown}" (${describeError(err)}); use redis://[user:password@]host:port[/db] or rediss://…, ` +
          `as the url option or the ${REDIS_URL_CONF} conf key`,
      );
    }
    let settle!: () => void;
    this.firstOutcome = new Promise<void>((resolve) => (settle = resolve));
    this.client.on('ready', () => {
      if (this.downSince !== undefined) {
        const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
        const failed = this.failedWhileDown > 0 ? `; ${this.failedWhileDown} operations failed meanwhile` : '';
        this.logger.info(`${label}: reconnected to Redis at ${shown} after ${seconds}s${failed}`);
        this.onReconnect();
      }
      this.downSince = undefined;
      this.failedWhileDown = 0;
      settle();
    });
    // Down at start: the component starts anyway (a spout emits nothing, a bolt fails tuples) while this retries.
    this.client.on('error', (err: unknown) => {
      this.markDown(err);
      settle();
    });
    this.client.on('terminated', () => settle());
    this.client.connect().catch((err: unknown) => {
      this.fatal ??= new Error(`${label}: cannot use Redis at ${shown}: ${describeError(err)}; check the URL and credentials`);
      settle();
    });
  }

  /**
   * Wait for the first attempt (connected, or down and retrying). Throws the one clear error of a wrong URL or
   * credentials.
   */
  async started(): Promise<void> {
    await this.firstOutcome;
    if (this.fatal) throw this.fatal;
  }

  get ready(): boolean {
    return this.client.isReady;
  }

  /** The error that ended all reconnecting (wrong URL or credentials), if any. */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** True while disconnected, or within `windowMs` of the last outage. */
  downWithin(windowMs: number): boolean {
    return this.downSince !== undefined || Date.now() - this.lastDownAt < windowMs;
  }

  /** Run one command. Rejects at once while disconnected; the caller decides what a failure means. */
  async command(args: string[]): Promise<RawReply> {
    if (this.fatal) throw this.fatal;
    try {
      return (await this.client.sendCommand(args)) as RawReply;
    } catch (err) {
      if (!this.client.isReady) this.markDown(err);
      throw err;
    }
  }

  /** Commands sent together in one MULTI/EXEC: all or none. */
  async transaction(commands: string[][]): Promise<RawReply[]> {
    if (this.fatal) throw this.fatal;
    const multi = this.client.multi();
    for (const args of commands) multi.addCommand(args);
    return (await multi.exec()) as unknown as RawReply[];
  }

  /** Count an operation that failed during an outage (reported when the connection is back). */
  countFailure(): void {
    if (this.downSince !== undefined) this.failedWhileDown++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.client.isReady) await this.client.close();
      else this.client.destroy();
    } catch {
      this.client.destroy();
    }
  }

  private markDown(err: unknown): void {
    this.lastDownAt = Date.now();
    if (this.closed || this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.logger.warn(`${this.label}: Redis at ${redactUrl(this.url)} unreachable (${describeError(err)}); reconnecting with back-off`);
  }
}

/** Redis's answer to a command on a group or stream that does not exist (deleted, or a server without persistence). */
export function isNoGroup(err: unknown): boolean {
  return /NOGROUP/.test(describeError(err));
}
