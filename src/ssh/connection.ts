import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Client as SshClient, ParsedKey } from 'ssh2';

const { Client, OpenSSHAgent, utils } = ssh2;
import { checkHostKey, describeRefusal } from './known-hosts.js';

export interface SshTarget {
  host: string;
  port?: number;
  /** Default: the local user name. */
  username?: string;
  /** A private key file, tried first; by default the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa without a passphrase. The SSH agent comes after it. */
  identityFile?: string;
  /** Default: ~/.ssh/known_hosts. */
  knownHostsPath?: string;
  /** Give up connecting after this long (default 10 s). */
  readyTimeoutMs?: number;
  /** Keepalive probes of an established connection; internal (tests shorten them), default SSH_KEEPALIVE. */
  keepalive?: SshKeepalive;
}

/** How a connection that stops answering is noticed: a probe every `intervalMs`, given up after `countMax` unanswered. */
export interface SshKeepalive {
  intervalMs: number;
  countMax: number;
}

/**
 * A host that freezes (or a network that drops packets) without closing the TCP connection would leave a
 * `tail -f` waiting forever: nothing arrives, nothing fails. ssh2 then sends an SSH keepalive request every
 * 15 s and gives up after 3 unanswered, so a dead link fails within about a minute (OpenSSH's
 * ServerAliveInterval/ServerAliveCountMax, which are off by default there).
 */
export const SSH_KEEPALIVE: SshKeepalive = { intervalMs: 15_000, countMax: 3 };

/** Why an established connection ended, when ssh2 said (a keepalive timeout, a reset): for the 'lost' error. */
const lostReasons = new WeakMap<SshClient, string>();

/** What ended an established connection, in words for the user; undefined when it just closed. */
export function lostReason(client: SshClient): string | undefined {
  return lostReasons.get(client);
}

/** Which step of reaching a host over SSH failed: each has its own remedy. */
export type SshStep = 'connect' | 'host key' | 'auth' | 'forward' | 'lost';

/** A failure on the SSH path (not Nimbus's): says the step, the host and what to check. */
export class SshError extends Error {
  override name = 'SshError';
  constructor(
    readonly step: SshStep,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Connect and authenticate, verifying the host key against known_hosts first. */
export function connectSsh(target: SshTarget): Promise<SshClient> {
  const port = target.port ?? 22;
  const username = target.username ?? userInfo().username;
  const where = `${username}@${target.host}:${port}`;
  const knownHostsPath = target.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts');
  const knownHosts = existsSync(knownHostsPath) ? readFileSync(knownHostsPath, 'utf8') : '';
  if (target.identityFile && !existsSync(target.identityFile)) {
    return Promise.reject(new SshError('auth', `ssh_identity_file ${target.identityFile} does not exist; fix the path in config.json`));
  }
  const unusable = target.identityFile ? utils.parseKey(readFileSync(target.identityFile)) : undefined;
  if (unusable instanceof Error) {
    return Promise.reject(
      new SshError('auth', `ssh_identity_file ${target.identityFile} cannot be used (${unusable.message}): a key with a passphrase must be loaded into ssh-agent, with ssh_identity_file left unset`),
    );
  }
  // A default key protected by a passphrase cannot be used here, and would stop ssh2 before it tries the agent.
  const defaults = DEFAULT_KEYS.map((k) => join(homedir(), '.ssh', k)).filter((k) => existsSync(k));
  const keyFile = target.identityFile ?? defaults.find((k) => !(utils.parseKey(readFileSync(k)) instanceof Error));
  const skipped = target.identityFile ? [] : defaults.filter((k) => k !== keyFile && utils.parseKey(readFileSync(k)) instanceof Error);
  const agent = process.env.SSH_AUTH_SOCK || undefined;
  const timeoutMs = target.readyTimeoutMs ?? 10_000;
  const keepalive = target.keepalive ?? SSH_KEEPALIVE;
  const client = new Client();
  let refusal: string | undefined;
  let settled = false;
  let authFailed = false;
  return new Promise((resolve, reject) => {
    const fail = (err: SshError) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    // Not `once`: ssh2 can emit a second error after end() (e.g. "Connection lost before handshake" after a
    // handshake timeout), and an 'error' with no listener crashes the process. After `ready`, a dropped connection
    // shows as 'close' to whoever uses the client.
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) {
        lostReasons.set(
          client,
          /keepalive/i.test(err.message)
            ? `${where} stopped answering: no reply to ${keepalive.countMax} SSH keepalives sent every ${keepalive.intervalMs / 1000}s (the host froze or the network drops packets)`
            : `${where}: ${err.message}`,
        );
        return;
      }
      if (refusal) fail(new SshError('host key', refusal));
      else if (err.level === 'client-authentication') {
        authFailed = true;
        void describeIdentities(keyFile, skipped, agent).then((tried) =>
          fail(new SshError('auth', `SSH authentication to ${where} failed (${tried}): load your key into ssh-agent, or set "ssh_identity_file" (and "user") in config.json`)),
        );
      } else if (err.level === 'client-timeout' || /Timed out/i.test(err.message)) {
        fail(new SshError('connect', `SSH to ${where} timed out after ${timeoutMs / 1000}s without an SSH handshake: check the host and "ssh_port" in config.json, and that sshd answers there`));
      } else {
        fail(new SshError('connect', `SSH connection to ${where} failed: ${err.message}; check the host and "ssh_port" in config.json, and that sshd runs there`));
      }
    });
    client.on('close', () => authFailed || fail(new SshError('connect', `SSH connection to ${where} closed before login: check the host and "ssh_port" in config.json`)));
    client.connect({
      host: target.host,
      port,
      username,
      agent,
      privateKey: keyFile ? readFileSync(keyFile) : undefined,
      readyTimeout: timeoutMs,
      keepaliveInterval: keepalive.intervalMs,
      keepaliveCountMax: keepalive.countMax,
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(knownHosts, target.host, port, key);
        if (verdict.status === 'trusted') return true;
        refusal = describeRefusal(verdict, target.host, port, knownHostsPath);
        return false;
      },
    });
  });
}

/** What was offered to the server, for an authentication failure: the key file and the agent's identities. */
async function describeIdentities(keyFile: string | undefined, skipped: string[], agent: string | undefined): Promise<string> {
  const offered: string[] = [];
  if (keyFile) offered.push(`key ${keyFile}`);
  if (agent) {
    const keys = await new Promise<ParsedKey[] | Error>((resolve) =>
      new OpenSSHAgent(agent).getIdentities((err, found) => resolve(err ?? ((found ?? []) as ParsedKey[]))),
    );
    if (keys instanceof Error) offered.push(`ssh-agent at ${agent} (unreadable: ${keys.message})`);
    else if (keys.length === 0) offered.push(`ssh-agent at ${agent} (no identities)`);
    else offered.push(`ssh-agent identities ${keys.map((k) => `${k.type} ${k.comment || '(no comment)'}`).join(', ')}`);
  }
  const notes = skipped.length ? `; skipped ${skipped.join(', ')} (passphrase-protected or unreadable: add it to ssh-agent)` : '';
  return offered.length ? `tried ${offered.join(' and ')}${notes}` : `no key to offer: SSH_AUTH_SOCK is unset and no usable ~/.ssh/id_ed25519, id_ecdsa or id_rsa${notes}`;
}
