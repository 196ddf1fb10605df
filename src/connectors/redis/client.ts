import { hostname } from 'node:os';
import { createClient } from 'redis';
import type { RedisClientOptions } from 'redis';
import type { Conf, Logger } from '../../component/component.js';
import { describeError } from '../../component/component.js';
import { maskCredentials, redactUrl } from '../../config/credentials.js';
import { REDIS_URL_KEY as REDIS_URL_CONF, REDIS_URL_ENV_KEY as REDIS_URL_ENV_CONF } from '../../config/keys.js';

export { redactUrl } from '../../config/credentials.js';

/**
 * The conf keys (config/keys.ts) a spout or bolt reads its URL from when its options name none: the URL itself, or
 * the name of an environment variable that holds it, which keeps the password out of the topology config (Storm's
 * UI shows that config to anyone who can open it).
 */
export { REDIS_URL_KEY as REDIS_URL_CONF, REDIS_URL_ENV_KEY as REDIS_URL_ENV_CONF } from '../../config/keys.js';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Reconnect back-off: 50 ms doubling up to this, so a Redis restart is noticed quickly and an outage costs little. */
const MAX_BACKOFF_MS = 2000;
/** While Redis stays down (or stops answering), a reminder this often, so a long outage is not one line long ago. */
const REMINDER_MS = 60_000;

/** A raw reply as node-redis hands back `sendCommand` results (RESP2: strings, arrays, null, numbers). */
export type RawReply = string | number | null | RawReply[];

/** TLS client options, passed to Node's `tls.connect` (PEM text; a `rediss://` URL turns TLS on). */
export interface RedisTlsOptions {
  /** CA certificates to trust (for a server certificate signed by your own CA). */
  ca?: string | string[];
  /** Client certificate and key, for a server that requires them (`tls-auth-clients yes`). */
  cert?: string;
  key?: string;
  /** Server name to check the certificate against (SNI), when it differs from the URL's host. */
  servername?: string;
}

/**
 * node-redis `createClient` options squall sets itself, each with where its setting belongs instead. Giving one in
 * `clientOptions` is an error: a silent override could break what the connector rests on (a password outside the
 * URL's masking, an offline queue that blocks past Storm's heartbeat, replies in a shape it does not parse).
 */
const OWN_CLIENT_OPTIONS = {
  url: 'give the url or urlEnv option (or the conf key squall.redis.url or squall.redis.url.env)',
  username: 'put it in the URL (redis://user:password@host:port)',
  password: 'put it in the URL (redis://user:password@host:port), or the URL in an environment variable named by urlEnv',
  credentialsProvider: 'put the credentials in the URL',
  database: 'put it in the URL (redis://host:port/db)',
  RESP: 'the connector reads RESP2 replies',
  disableOfflineQueue: 'commands fail at once while Redis is down, so no component waits past Storm\'s heartbeat',
  commandOptions: 'give commandTimeoutMs for a command timeout (replies must keep their raw shape)',
  keyPrefix: 'name the stream (and dead-letter stream) in full',
} as const satisfies Record<string, string>;
const OWN_SOCKET_OPTIONS: Readonly<Record<string, string>> = {
  host: 'put it in the URL',
  port: 'put it in the URL',
  path: 'put it in the URL',
  tls: 'use a rediss:// URL',
  ca: 'give it in the tls option',
  cert: 'give it in the tls option',
  key: 'give it in the tls option',
  servername: 'give it in the tls option',
  reconnectStrategy: 'the connector reconnects with back-off and ends on errors no retry cures (wrong password, rights, certificate)',
};

/** node-redis client options a component may add (`name`, `pingInterval`, `socket.keepAlive`, `socket.connectTimeout`, …). */
export type RedisClientSettings = Omit<RedisClientOptions, keyof typeof OWN_CLIENT_OPTIONS>;

/** The `clientOptions` squall sets itself, named with where each belongs, or undefined when there are none. */
export function clientOptionsProblem(options: RedisClientSettings | undefined): string | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) return `clientOptions must be an object of node-redis createClient options, got ${JSON.stringify(options)}`;
  const socket = ((options as { socket?: unknown }).socket ?? {}) as Record<string, unknown>;
  const own = [
    ...Object.keys(options).filter((key) => Object.hasOwn(OWN_CLIENT_OPTIONS, key)).map((key) => `clientOptions.${key}: ${OWN_CLIENT_OPTIONS[key as keyof typeof OWN_CLIENT_OPTIONS]}`),
    ...Object.keys(socket).filter((key) => Object.hasOwn(OWN_SOCKET_OPTIONS, key)).map((key) => `clientOptions.socket.${key}: ${OWN_SOCKET_OPTIONS[key]}`),
  ];
  return own.length === 0 ? undefined : `clientOptions sets what squall sets itself (${own.join('; ')})`;
}

/** Where a component's URL comes from: its options, else the conf. */
export interface RedisUrlSource {
  url?: string;
  /** The name of an environment variable holding the URL. */
  urlEnv?: string;
}

/**
 * The URL a component connects to: its `url` option, else the variable its `urlEnv` option names, else the conf
 * key `squall.redis.url`, else the variable `squall.redis.url.env` names, else the local default. A named
 * variable that is unset is an error naming it (a silent fallback to localhost would hide the mistake).
 */
export function redisUrl(source: RedisUrlSource, conf: Conf): string {
  if (source.url !== undefined) return source.url;
  if (source.urlEnv !== undefined) return fromEnv(source.urlEnv, 'the urlEnv option');
  const fromConf = conf[REDIS_URL_CONF];
  const envName = conf[REDIS_URL_ENV_CONF];
  if (typeof fromConf === 'string' && fromConf.length > 0) {
    if (typeof envName === 'string' && envName.length > 0) {
      throw new Error(`both ${REDIS_URL_CONF} and ${REDIS_URL_ENV_CONF} are set: set one (${REDIS_URL_ENV_CONF} keeps the password out of the topology config)`);
    }
    return fromConf;
  }
  if (typeof envName === 'string' && envName.length > 0) return fromEnv(envName, `the conf key ${REDIS_URL_ENV_CONF}`);
  return DEFAULT_REDIS_URL;
}

function fromEnv(name: string, namedBy: string): string {
  const value = process.env[name];
  if (value === undefined || value.length === 0) {
    throw new Error(
      `the environment variable ${name} (named by ${namedBy}) is not set in this process: set it to the Redis URL where the ` +
        'component runs (for squall run, your shell; on a cluster, the environment the supervisor starts workers with)',
    );
  }
  return value;
}

/**
 * Errors no reconnect or retry can cure, with what to change: missing or wrong credentials, missing ACL rights,
 * a certificate the client or the server rejects, a host name that does not resolve.
 */
export function fatalReason(cause: unknown): string | undefined {
  const message = describeError(cause);
  if (/NOAUTH/.test(message)) return 'Redis requires a password and the URL gives none: use redis://user:password@host:port';
  if (/WRONGPASS|invalid password|invalid username/i.test(message)) return 'authentication failed: check the user name and password in the URL';
  if (/NOPERM/.test(message)) {
    return 'the Redis user lacks a permission the connector needs; grant it with ACL SETUSER (see "Redis ACL" in the README)';
  }
  const code = String((cause as { code?: unknown } | null)?.code ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve: check the host in the URL';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_/.test(code) || /self[- ]signed certificate|unable to verify|certificate has expired/i.test(message)) {
    return "the server's TLS certificate was rejected: give the CA that signed it with the tls option ca (or NODE_EXTRA_CA_CERTS), or fix the host name";
  }
  if (/certificate required|alert handshake failure|alert bad certificate|alert unknown ca/i.test(message)) {
    return 'the server rejected the TLS handshake (it requires a client certificate it trusts): give the tls options cert and key';
  }
  if (/wrong version number|packet length too long|ECONNRESET.*TLS/i.test(message)) {
    return 'TLS on one side only: use rediss:// for a TLS port and redis:// for a plain one';
  }
  return undefined;
}

/** Thrown while Redis has not answered a command within the command timeout: fail fast, retry later. */
export class RedisNotAnsweringError extends Error {
  override name = 'RedisNotAnsweringError';
}

export interface RedisConnectionOptions {
  /** Called when the connection is back after an outage, or Redis answers again after not answering. */
  onReconnect?: () => void;
  /**
   * Longest wait for a reply (ms, default 5000). Past it, the command fails and later commands fail at once until
   * Redis answers again, so no component waits past Storm's subprocess heartbeat timeout.
   */
  commandTimeoutMs?: number;
  tls?: RedisTlsOptions;
  /** More createClient options (`clientOptionsProblem` refuses those squall sets). */
  clientOptions?: RedisClientSettings;
}

/**
 * One connection to Redis for one component: reconnects with back-off while Redis is down, logs each outage once
 * (when it starts, every minute while it lasts, when it ends), fails commands at once while disconnected (no
 * offline queue) or while Redis has stopped answering, so a spout never blocks past Storm's subprocess timeout and
 * a bolt fails its tuples for replay instead of holding them. A password never reaches a log line or an error.
 */
export class RedisConnection {
  readonly url: string;
  /** The URL as logs show it. */
  readonly shownUrl: string;
  private readonly client: ReturnType<typeof createClient>;
  private readonly commandTimeoutMs: number;
  private readonly onReconnect: () => void;
  private fatal: Error | undefined;
  private downSince: number | undefined;
  private lastDownAt = 0;
  private lastCause = '';
  private failedWhileDown = 0;
  /** Since when a command has waited past the timeout without a reply; commands fail fast meanwhile. */
  private stalledSince: number | undefined;
  private unanswered = 0;
  private reminder: NodeJS.Timeout | undefined;
  private closed = false;
  /** Resolves once the first attempt has an outcome: connected, or failed (then retrying in the background). */
  private readonly firstOutcome: Promise<void>;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly label: string,
    options: RedisConnectionOptions = {},
  ) {
    this.url = url;
    this.shownUrl = redactUrl(url);
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.onReconnect = options.onReconnect ?? (() => {});
    const problem = clientOptionsProblem(options.clientOptions);
    if (problem) throw new Error(`${label}: ${problem}`);
    const { socket: extraSocket, ...extra } = options.clientOptions ?? {};
    try {
      this.client = createClient({
        ...extra,
        url,
        // RESP2 replies are plain arrays and strings, the shapes `readEntries` parses (v6 defaults to RESP3 maps).
        RESP: 2,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 5000,
          ...(extraSocket ?? {}),
          ...(options.tls ?? {}),
          reconnectStrategy: (retries, cause) => {
            if (this.fatal) return this.fatal;
            const reason = fatalReason(cause);
            // Set before 'terminated' fires, so `started` sees it.
            if (reason) return this.setFatal(reason, cause);
            return Math.min(50 * 2 ** retries, MAX_BACKOFF_MS);
          },
        },
      });
    } catch (err) {
      throw new Error(
        `${label}: invalid Redis URL "${this.shownUrl}" (${this.scrub(describeError(err))}); use redis://[user:password@]host:port[/db] or ` +
          `rediss://… (a password with / # @ or : percent-encoded), as the url option or the ${REDIS_URL_CONF} conf key`,
      );
    }
    let settle!: () => void;
    this.firstOutcome = new Promise<void>((resolve) => (settle = resolve));
    this.client.on('ready', () => {
      if (this.downSince !== undefined) {
        const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
        const failed = this.failedWhileDown > 0 ? `; ${this.failedWhileDown} operations failed meanwhile` : '';
        this.logger.info(`${label}: reconnected to Redis at ${this.shownUrl} after ${seconds}s${failed}`);
        this.onReconnect();
      }
      this.downSince = undefined;
      this.failedWhileDown = 0;
      this.updateReminder();
      settle();
    });
    // Down at start: the component starts anyway (a spout emits nothing, a bolt fails tuples) while this retries.
    this.client.on('error', (err: unknown) => {
      const reason = fatalReason(err);
      // Not an outage: no "unreachable, reconnecting" line before the one clear error.
      if (reason) this.setFatal(reason, err);
      else this.markDown(err);
      settle();
    });
    this.client.on('terminated', () => settle());
    this.client.connect().catch((err: unknown) => {
      if (!this.fatal) this.setFatal(fatalReason(err) ?? 'check the URL and credentials', err);
      settle();
    });
  }

  /**
   * Wait for the first attempt (connected, or down and retrying). Throws the one clear error of a wrong URL,
   * credentials or certificate.
   */
  async started(): Promise<void> {
    await this.firstOutcome;
    if (this.fatal) throw this.fatal;
  }

  get ready(): boolean {
    return this.client.isReady && !this.fatal;
  }

  /** True while an earlier command has waited past the command timeout without a reply. */
  get stalled(): boolean {
    return this.stalledSince !== undefined;
  }

  /** The error that ended all use of this connection (wrong URL, credentials, rights or certificate), if any. */
  get fatalError(): Error | undefined {
    return this.fatal;
  }

  /** True while disconnected or not answering, or within `windowMs` of the last outage. */
  downWithin(windowMs: number): boolean {
    return this.downSince !== undefined || this.stalledSince !== undefined || Date.now() - this.lastDownAt < windowMs;
  }

  /**
   * Run one command. Rejects at once while disconnected or not answering, and after the command timeout; an
   * error no retry can cure (NOAUTH, NOPERM, …) becomes the connection's fatal error, naming the URL. `optional`:
   * a command the component can do without (a measurement), whose NOPERM only rejects it.
   */
  async command(args: string[], { optional = false }: { optional?: boolean } = {}): Promise<RawReply> {
    if (this.fatal) throw this.fatal;
    if (this.stalledSince !== undefined) {
      throw new RedisNotAnsweringError(`Redis at ${this.shownUrl} has not answered for ${((Date.now() - this.stalledSince) / 1000).toFixed(1)}s`);
    }
    const sent = this.client.sendCommand(args) as Promise<RawReply>;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.markStalled(sent);
        reject(new RedisNotAnsweringError(`Redis at ${this.shownUrl} did not answer ${args[0]} within ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
    });
    try {
      return await Promise.race([sent, timedOut]);
    } catch (err) {
      if (err instanceof RedisNotAnsweringError) throw err;
      const reason = optional && /NOPERM/.test(describeError(err)) ? undefined : fatalReason(err);
      if (reason) throw this.setFatal(`${reason}; refused: ${args.slice(0, 2).join(' ')}`, err);
      if (!this.client.isReady) this.markDown(err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Count an operation that failed during an outage (reported when the connection is back). */
  countFailure(): void {
    if (this.downSince !== undefined || this.stalledSince !== undefined) this.failedWhileDown++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.updateReminder();
    try {
      if (this.client.isReady && !this.stalled) await this.client.close();
      else this.client.destroy();
    } catch {
      this.client.destroy();
    }
  }

  /** Library text with any credentials masked: the raw URL's password never passes through. */
  private scrub(text: string): string {
    const password = /:([^:@]+)@[^@]*$/.exec(this.url)?.[1];
    const masked = password && password.length >= 3 ? text.split(password).join('***') : text;
    return maskCredentials(masked.split(this.url).join(this.shownUrl));
  }

  private setFatal(reason: string, cause: unknown): Error {
    this.fatal ??= new Error(`${this.label}: cannot use Redis at ${this.shownUrl}: ${reason} (${this.scrub(describeError(cause))})`);
    return this.fatal;
  }

  private markStalled(sent: Promise<RawReply>): void {
    this.unanswered++;
    if (this.stalledSince === undefined) {
      this.stalledSince = Date.now();
      this.lastCause = `no reply within ${this.commandTimeoutMs} ms`;
      this.logger.warn(
        `${this.label}: Redis at ${this.shownUrl} has not answered within ${this.commandTimeoutMs} ms (paused, overloaded or a network fault); ` +
          'doing nothing until it answers',
      );
      this.updateReminder();
    }
    const answered = () => {
      if (--this.unanswered > 0 || this.stalledSince === undefined) return;
      const seconds = ((Date.now() - this.stalledSince) / 1000).toFixed(1);
      this.stalledSince = undefined;
      this.lastDownAt = Date.now();
      this.logger.info(`${this.label}: Redis at ${this.shownUrl} answers again after ${seconds}s`);
      this.updateReminder();
      this.onReconnect();
    };
    sent.then(answered, answered);
  }

  private markDown(err: unknown): void {
    this.lastDownAt = Date.now();
    this.lastCause = this.scrub(describeError(err));
    if (this.closed || this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.logger.warn(`${this.label}: Redis at ${this.shownUrl} unreachable (${this.lastCause}); reconnecting with back-off`);
    this.updateReminder();
  }

  /** A reminder every minute while Redis is down or not answering; none otherwise. */
  private updateReminder(): void {
    const trouble = !this.closed && (this.downSince !== undefined || this.stalledSince !== undefined);
    if (!trouble) {
      clearInterval(this.reminder);
      this.reminder = undefined;
      return;
    }
    this.reminder ??= setInterval(() => {
      const since = this.downSince ?? this.stalledSince;
      if (since === undefined) return;
      const what = this.downSince !== undefined ? 'still unreachable' : 'still not answering';
      this.logger.warn(`${this.label}: Redis at ${this.shownUrl} ${what} after ${Math.round((Date.now() - since) / 1000)}s (${this.lastCause})`);
    }, REMINDER_MS).unref();
  }
}

/** Redis's answer to a command on a group or stream that does not exist (deleted, or a server without persistence). */
export function isNoGroup(err: unknown): boolean {
  return /NOGROUP/.test(describeError(err));
}

/** A name unique to this process among all running instances: `<host>:<pid>`. */
export function instanceName(): string {
  return `${hostname()}:${process.pid}`;
}
