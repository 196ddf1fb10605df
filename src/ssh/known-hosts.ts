import { createHash, createHmac } from 'node:crypto';

/**
 * Host key checking against OpenSSH's known_hosts, so a tunnel never trusts a host silently: an unknown host
 * or a changed key is refused with the fingerprint and the way to trust the host.
 */
export type HostKeyVerdict =
  | { status: 'trusted' }
  | { status: 'unknown'; fingerprint: string; keyType: string; certAuthorityLine?: number }
  | { status: 'changed'; fingerprint: string; keyType: string; line: number }
  | { status: 'revoked'; fingerprint: string; keyType: string; line: number };

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

/**
 * OpenSSH's verdict (hostfile.c check_hostkeys_by_key_or_type): a key listed `@revoked` for the host is refused
 * whatever else is listed; otherwise any unmarked line with this very key trusts it, even below an older key of
 * the same type (as after `UpdateHostKeys` rotation or appending a new key); a same-type key and no match is a
 * change. `@cert-authority` lines vouch only for host certificates, which ssh2 never asks a server for.
 */
export function checkHostKey(knownHosts: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const keyType = keyTypeOf(key);
  const encoded = key.toString('base64');
  let matched = false;
  let revokedLine = 0;
  let changedLine = 0;
  let certAuthorityLine = 0;
  knownHosts.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
    const [hosts, type, blob] = fields;
    if (!hosts || !type || !blob || !hostMatches(hosts, name)) return;
    if (marker === '@revoked') {
      if (blob === encoded) revokedLine ||= index + 1;
    } else if (marker === '@cert-authority') {
      certAuthorityLine ||= index + 1;
    } else if (marker === undefined && type === keyType) {
      if (blob === encoded) matched = true;
      else changedLine ||= index + 1;
    }
  });
  const known = { fingerprint: fingerprint(key), keyType };
  if (revokedLine) return { status: 'revoked', ...known, line: revokedLine };
  if (matched) return { status: 'trusted' };
  if (changedLine) return { status: 'changed', ...known, line: changedLine };
  return { status: 'unknown', ...known, ...(certAuthorityLine ? { certAuthorityLine } : {}) };
}

/** The refusal, with what to do about it. `knownHostsPath` is the file read: OpenSSH's tools default to the passwd home's. */
export function describeRefusal(verdict: Exclude<HostKeyVerdict, { status: 'trusted' }>, host: string, port: number, knownHostsPath: string): string {
  const name = knownHostsName(host, port);
  const scan = `ssh-keyscan${port === 22 ? '' : ` -p ${port}`} ${host} >> ${knownHostsPath}`;
  const key = `${verdict.keyType} ${verdict.fingerprint}`;
  switch (verdict.status) {
    case 'revoked':
      return `the SSH host key of ${name} (${key}) is marked @revoked in ${knownHostsPath} line ${verdict.line}; squall never connects with a revoked key. Ask the host's administrator for its current key.`;
    case 'changed':
      return (
        `the SSH host key of ${name} CHANGED (now ${key}; ${knownHostsPath} line ${verdict.line} has another). ` +
        'This can be a man-in-the-middle attack, or a reinstalled host. If the change is expected, remove the old entry ' +
        `(ssh-keygen -R "${name}" -f ${knownHostsPath}) and trust the new key (${scan}).`
      );
    case 'unknown': {
      const ca = verdict.certAuthorityLine
        ? ` ${knownHostsPath} line ${verdict.certAuthorityLine} trusts host certificates for it (@cert-authority), which squall does not support; list the host's own key instead.`
        : '';
      return (
        `unknown SSH host key for ${name} (${key}); squall never trusts a host silently.${ca} ` +
        `Check the fingerprint with the host's administrator, then trust it: ssh ${port === 22 ? '' : `-p ${port} `}${host} once and accept, or ${scan}`
      );
    }
  }
}
