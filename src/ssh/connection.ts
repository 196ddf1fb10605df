import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Client as SshClient } from 'ssh2';

const { Client, utils } = ssh2;
import { checkHostKey, describeRefusal } from './known-hosts.js';

export interface SshTarget {
  host: string;
  port?: number;
  /** Default: the local user name. */
  username?: string;
  /** A private key file; by default the SSH agent and ~/.ssh/id_ed25519, id_ecdsa, id_rsa are tried. */
  identityFile?: string;
  /** Default: ~/.ssh/known_hosts. */
  knownHostsPath?: string;
  /** Give up connecting after this long (default 10 s). */
  readyTimeoutMs?: number;
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Connect and authenticate, verifying the host key against known_hosts first. */
export function connectSsh(target: SshTarget): Promise<SshClient> {
  const port = target.port ?? 22;
  const knownHostsPath = target.knownHostsPath ?? join(homedir(), '.ssh', 'known_hosts');
  const knownHosts = existsSync(knownHostsPath) ? readFileSync(knownHostsPath, 'utf8') : '';
  // A default key protected by a passphrase cannot be used here, and would stop ssh2 before it tries the agent.
  const keyFile = target.identityFile ?? DEFAULT_KEYS.map((k) => join(homedir(), '.ssh', k)).find((k) => existsSync(k) && !(utils.parseKey(readFileSync(k)) instanceof Error));
  if (target.identityFile && !existsSync(target.identityFile)) {
    return Promise.reject(new Error(`ssh_identity_file ${target.identityFile} does not exist; fix the path in config.json`));
  }
  const client = new Client();
  let refusal: string | undefined;
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('error', (err: Error & { level?: string }) => {
      client.end();
      const where = `${target.username ?? userInfo().username}@${target.host}:${port}`;
      if (refusal) reject(new Error(refusal));
      else if (err.level === 'client-authentication') {
        reject(new Error(`SSH authentication to ${where} failed: load your key into ssh-agent, or set "ssh_identity_file" (and "user") in config.json`));
      } else if (/Timed out/i.test(err.message)) {
        reject(new Error(`SSH to ${where} timed out after ${(target.readyTimeoutMs ?? 10_000) / 1000}s: check the host, "ssh_port" and your network`));
      } else reject(new Error(`SSH to ${where} failed: ${err.message}`));
    });
    client.connect({
      host: target.host,
      port,
      username: target.username ?? userInfo().username,
      agent: process.env.SSH_AUTH_SOCK,
      privateKey: keyFile ? readFileSync(keyFile) : undefined,
      readyTimeout: target.readyTimeoutMs ?? 10_000,
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(knownHosts, target.host, port, key);
        if (verdict.status === 'trusted') return true;
        refusal = describeRefusal(verdict, target.host, port, knownHostsPath);
        return false;
      },
    });
  });
}
