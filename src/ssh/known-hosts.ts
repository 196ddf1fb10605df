import { createHash, createHmac } from 'node:crypto';

/**
 * Host key checking against OpenSSH's known_hosts, so a tunnel never trusts a host silently: an unknown host
 * or a changed key is refused with the fingerprint and the way to trust the host.
 */
export type HostKeyVerdict =
  | { status: 'trusted' }
  | { status: 'unknown'; fingerprint: string; keyType: string }
  | { status: 'changed'; fingerprint: string; keyType: string; line: number };

/** `SHA256:…` as `ssh-keygen -lf` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (e.g. ssh-ed25519). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('latin1');
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return regex.test(name);
}

function hostMatches(hosts: string, name: string): boolean {
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) matched = true;
  }
  return matched;
}

export function checkHostKey(knownHosts: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const keyType = keyTypeOf(key);
  const encoded = key.toString('base64');
  let changedLine = 0;
  knownHosts.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [hosts, type, blob] = fields;
    if (!hosts || !type || !blob || !hostMatches(hosts, name)) return;
    if (marker === '@revoked' && blob === encoded) changedLine = index + 1;
    else if (marker === undefined && type === keyType) {
      if (blob === encoded) changedLine = changedLine || -1;
      else if (changedLine !== -1) changedLine = changedLine || index + 1;
    }
  });
  if (changedLine === -1) return { status: 'trusted' };
  if (changedLine > 0) return { status: 'changed', fingerprint: fingerprint(key), keyType, line: changedLine };
  return { status: 'unknown', fingerprint: fingerprint(key), keyType };
}

/** The refusal, with what to do about it. */
export function describeRefusal(verdict: Exclude<HostKeyVerdict, { status: 'trusted' }>, host: string, port: number, knownHostsPath: string): string {
  const scan = `ssh-keyscan${port === 22 ? '' : ` -p ${port}`} ${host} >> ${knownHostsPath}`;
  if (verdict.status === 'unknown') {
    return (
      `unknown SSH host key for ${knownHostsName(host, port)} (${verdict.keyType} ${verdict.fingerprint}); squall never trusts a host silently. ` +
      `Check the fingerprint with the host's administrator, then trust it: ssh ${port === 22 ? '' : `-p ${port} `}${host} once and accept, or ${scan}`
    );
  }
  return (
    `the SSH host key of ${knownHostsName(host, port)} CHANGED (now ${verdict.keyType} ${verdict.fingerprint}; ${knownHostsPath} line ${verdict.line} has another). ` +
    'This can be a man-in-the-middle attack, or a reinstalled host. If the change is expected, remove the old entry ' +
    `(ssh-keygen -R "${knownHostsName(host, port)}") and trust the new key (${scan}).`
  );
}
