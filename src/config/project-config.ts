import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { keyProblem, LOG_LEVEL_KEY, LOG_LEVELS } from './keys.js';

/**
 * `config.json`: named environments, shaped like streamparse's so its users feel at home.
 *
 *   { "envs": { "prod": { "nimbus": "storm1.example.com", "user": "storm", "workers": ["storm1.example.com"],
 *                         "use_ssh_for_nimbus": true, "ui": 8080, "options": { "topology.workers": 2 } } } }
 */
export interface EnvironmentConfig {
  /** Nimbus host[:port] (default port 6627), or several; the leader is found with getLeader(). */
  nimbus?: string | string[];
  /** Worker (supervisor) hosts, for `squall tail`; default: asked from Nimbus. */
  workers?: string[];
  /** SSH user (default: the local user). */
  user?: string;
  ssh_port?: number;
  /** Private key file for SSH (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa if not passphrase-protected, and the SSH agent). */
  ssh_identity_file?: string;
  /** Reach Nimbus and the UI through an SSH tunnel (default: true when the Nimbus host is not this machine). */
  use_ssh_for_nimbus?: boolean;
  /** Storm UI port, or host:port (default: the Nimbus host, port 8080). */
  ui?: number | string;
  /** Where workers keep their logs (Storm's log dir) and the level squall components log at. */
  log?: { path?: string; level?: string };
  /** Storm config for topologies submitted to this environment (lowest precedence). */
  options?: Record<string, unknown>;
  /** How workers start Node.js (default "node"); ignored with --bundle-node. */
  node_command?: string;
}

export interface ProjectConfig {
  /** Where topologies live (default "topologies/"). */
  topology_specs?: string;
  envs: Record<string, EnvironmentConfig>;
}

export interface LoadedConfig {
  path: string;
  config: ProjectConfig;
}

/** Storm's default `nimbus.thrift.port` and `ui.port` (defaults.yaml). */
export const DEFAULT_NIMBUS_PORT = 6627;
export const DEFAULT_UI_PORT = 8080;

/** Find config.json in `startDir` or the nearest folder above it. */
export function findProjectConfig(startDir = process.cwd()): LoadedConfig | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const path = join(dir, 'config.json');
    if (existsSync(path)) return { path, config: parseProjectConfig(readFileSync(path, 'utf8'), path) };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function parseProjectConfig(text: string, path = 'config.json'): ProjectConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); see the config.json reference in the README`);
  }
  if (typeof raw !== 'object' || raw === null || typeof (raw as ProjectConfig).envs !== 'object' || (raw as ProjectConfig).envs === null) {
    throw new Error(`${path} needs an "envs" object naming your environments, e.g. { "envs": { "prod": { "nimbus": "nimbus.example.com" } } }`);
  }
  const config = raw as ProjectConfig;
  for (const [name, env] of Object.entries(config.envs)) checkEnvironment(name, env, path);
  return config;
}

function checkEnvironment(name: string, env: EnvironmentConfig, path: string): void {
  const where = `${path}: envs.${name}`;
  const fail = (what: string) => {
    throw new Error(`${where}.${what}`);
  };
  if (typeof env !== 'object' || env === null) throw new Error(`${where} must be an object`);
  if (env.nimbus !== undefined && typeof env.nimbus !== 'string' && !(Array.isArray(env.nimbus) && env.nimbus.every((n) => typeof n === 'string'))) {
    fail('nimbus must be "host[:port]" or a list of them');
  }
  if (env.workers !== undefined && !(Array.isArray(env.workers) && env.workers.every((w) => typeof w === 'string'))) fail('workers must be a list of host names');
  if (env.ssh_port !== undefined && !Number.isInteger(env.ssh_port)) fail('ssh_port must be a whole number');
  if (env.use_ssh_for_nimbus !== undefined && typeof env.use_ssh_for_nimbus !== 'boolean') fail('use_ssh_for_nimbus must be true or false');
  if (env.ui !== undefined && typeof env.ui !== 'number' && typeof env.ui !== 'string') fail('ui must be a port number or "host:port"');
  if (env.options !== undefined && (typeof env.options !== 'object' || env.options === null || Array.isArray(env.options))) fail('options must be an object of Storm config keys');
  if (env.node_command !== undefined && typeof env.node_command !== 'string') fail('node_command must be a string, e.g. "node" or "/opt/node20/bin/node"');
  // log.level becomes squall.log.level: checked by that key's rule, named as the user wrote it.
  const level = env.log?.level;
  if (level !== undefined && keyProblem(LOG_LEVEL_KEY, level)) fail(`log.level must be one of ${LOG_LEVELS.join(', ')} (any case), got ${JSON.stringify(level)}`);
}

/** Pick the environment: the one named, or the only one there is. */
export function selectEnvironment(config: ProjectConfig, name: string | undefined, path = 'config.json'): { name: string; env: EnvironmentConfig } {
  const names = Object.keys(config.envs);
  if (name !== undefined) {
    const env = config.envs[name];
    if (!env) throw new Error(`no environment "${name}" in ${path} (it has: ${names.join(', ') || 'none'})`);
    return { name, env };
  }
  if (names.length === 1) return { name: names[0]!, env: config.envs[names[0]!]! };
  throw new Error(`${path} has ${names.length ? `several environments (${names.join(', ')})` : 'no environments'}: choose one with -e NAME`);
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * `host`, `host:port`, `[v6]` or `[v6]:port`. A bare IPv6 address (more than one colon) has no port. A port that
 * is not a number is an error, not part of the host name.
 */
export function parseHostPort(text: string, defaultPort: number): HostPort {
  const trimmed = text.trim();
  let host = trimmed;
  let portText: string | undefined;
  if (trimmed.startsWith('[')) {
    const match = /^\[([^\]]+)\](?::(.*))?$/.exec(trimmed);
    if (!match) throw new Error(`"${text}" is not host[:port] (an IPv6 address goes in brackets: "[2001:db8::1]:6627")`);
    host = match[1]!;
    portText = match[2];
  } else if (trimmed.indexOf(':') === trimmed.lastIndexOf(':') && trimmed.includes(':')) {
    host = trimmed.slice(0, trimmed.indexOf(':'));
    portText = trimmed.slice(trimmed.indexOf(':') + 1);
  }
  if (host.length === 0) throw new Error(`"${text}" is not host[:port]: the host is missing`);
  if (portText === undefined) return { host, port: defaultPort };
  if (!/^\d+$/.test(portText)) throw new Error(`"${text}": the port "${portText}" is not a number; write host:port, e.g. ${host}:${defaultPort}`);
  const port = Number(portText);
  if (!(port > 0 && port < 65536)) throw new Error(`"${text}": port must be between 1 and 65535`);
  return { host, port };
}

/** The Nimbus hosts to try, and where they were given, for messages ("--nimbus", "SQUALL_NIMBUS", or config.json's key). */
export interface NimbusSeeds {
  hosts: HostPort[];
  from: string;
}

/**
 * Nimbus hosts: `--nimbus` beats the SQUALL_NIMBUS variable, which beats config.json (`envName` and `path` name
 * the environment in messages). A host under a domain reserved for examples (RFC 2606: example.com/.net/.org,
 * .example, .invalid), such as the quickstart's `nimbus.example.com`, is a placeholder never replaced: refused here,
 * saying so, instead of failing later as a name that does not resolve.
 */
export function nimbusSeeds(env: EnvironmentConfig | undefined, override?: string, envName = 'NAME', path = 'config.json'): NimbusSeeds {
  // An empty SQUALL_NIMBUS counts as unset (as `SQUALL_NIMBUS= squall list` means).
  const fromEnvVar = process.env.SQUALL_NIMBUS || undefined;
  const source = override ?? fromEnvVar ?? env?.nimbus;
  if (source === undefined || (Array.isArray(source) && source.length === 0)) {
    throw new Error('no Nimbus to talk to: pass --nimbus host[:port], set SQUALL_NIMBUS, or add "nimbus" to an environment in config.json');
  }
  const from = override !== undefined ? '--nimbus' : fromEnvVar !== undefined ? 'SQUALL_NIMBUS' : `"nimbus" of envs.${envName} in ${path}`;
  const list = Array.isArray(source) ? source : String(source).split(',');
  const hosts = list.map((entry) => parseHostPort(entry, DEFAULT_NIMBUS_PORT));
  const placeholder = hosts.find((h) => isPlaceholderHost(h.host));
  if (placeholder) {
    throw new Error(
      `${from} is "${placeholder.host}", a placeholder (a domain reserved for examples; the quickstart's config.json starts with one): ` +
        `replace it with your Nimbus host${override === undefined ? ', or pass --nimbus host[:port]' : ''}`,
    );
  }
  return { hosts, from };
}

/** A host name under a domain reserved for documentation (RFC 2606), which never names a real Nimbus. */
function isPlaceholderHost(host: string): boolean {
  return /(^|\.)example\.(com|net|org)$|\.(example|invalid)$/i.test(host);
}

export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** streamparse's rule: tunnel through SSH unless told otherwise, when Nimbus is not on this machine. */
export function usesSsh(env: EnvironmentConfig | undefined, nimbusHost: string): boolean {
  // Without an environment (only --nimbus) there is no SSH user or port to use: connect directly.
  if (!env) return false;
  return env.use_ssh_for_nimbus ?? !isLocalHost(nimbusHost);
}
