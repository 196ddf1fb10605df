import type { Client } from 'ssh2';
import type { EnvironmentConfig, HostPort } from '../config/project-config.js';
import { DEFAULT_UI_PORT, findProjectConfig, nimbusSeeds, parseHostPort, selectEnvironment, usesSsh } from '../config/project-config.js';
import { connectToLeader } from '../nimbus/client.js';
import type { NimbusClient } from '../nimbus/client.js';
import { connectSsh } from '../ssh/connection.js';
import { openTunnel } from '../ssh/tunnel.js';
import type { Tunnel } from '../ssh/tunnel.js';

/** What every command that talks to a cluster accepts. */
export interface AccessOptions {
  /** Environment in config.json (`-e`). */
  environment?: string;
  /** `--nimbus host[:port]`: works without config.json. */
  nimbus?: string;
  /** Seconds to wait for a connection or an answer (default 10; a submit's calls allow at least 60). */
  timeout?: number;
}

/**
 * How this machine reaches a cluster: the environment from config.json (if any), Nimbus seeds, and SSH tunnels
 * opened on demand when the environment says so (streamparse's `use_ssh_for_nimbus`). Close it to close them.
 */
export class ClusterAccess {
  private readonly ssh = new Map<string, Promise<Client>>();
  private readonly tunnels = new Map<string, Promise<Tunnel>>();

  private constructor(
    readonly envName: string | undefined,
    readonly env: EnvironmentConfig | undefined,
    readonly seeds: HostPort[],
    readonly timeoutMs: number,
  ) {}

  static open(options: AccessOptions, cwd = process.cwd()): ClusterAccess {
    // --nimbus without -e does not read config.json at all: a broken file elsewhere must not stop a direct call.
    const found = options.environment !== undefined || options.nimbus === undefined ? findProjectConfig(cwd) : undefined;
    let envName: string | undefined;
    let env: EnvironmentConfig | undefined;
    if (found) {
      ({ name: envName, env } = selectEnvironment(found.config, options.environment, found.path));
    } else if (options.environment !== undefined) {
      throw new Error(`-e ${options.environment}: no config.json in ${cwd} or above; create one (squall quickstart makes an example) or pass --nimbus host[:port]`);
    }
    return new ClusterAccess(envName, env, nimbusSeeds(env, options.nimbus), (options.timeout ?? 10) * 1000);
  }

  /**
   * Connect to the leader Nimbus (through tunnels when configured). Calls time out after `--timeout` unless the
   * caller allows more (a submit makes Nimbus store the topology before it answers).
   */
  nimbus(callTimeoutMs = this.timeoutMs): Promise<NimbusClient> {
    return connectToLeader(this.seeds, {
      connectTimeoutMs: this.timeoutMs,
      callTimeoutMs,
      dial: (address) => this.endpoint(address.host, address.port),
    });
  }

  /** Base URL of the Storm UI REST API. */
  async uiBaseUrl(): Promise<string> {
    const nimbusHost = this.seeds[0]!.host;
    const ui = this.env?.ui;
    const target = typeof ui === 'string' ? parseHostPort(ui, DEFAULT_UI_PORT) : { host: nimbusHost, port: ui ?? DEFAULT_UI_PORT };
    const { host, port } = await this.endpoint(target.host, target.port);
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** An SSH connection to `host`, shared by every use (tunnels, remote commands). */
  sshTo(host: string): Promise<Client> {
    let client = this.ssh.get(host);
    if (!client) {
      client = connectSsh({
        host,
        port: this.env?.ssh_port,
        username: this.env?.user,
        identityFile: this.env?.ssh_identity_file,
        readyTimeoutMs: this.timeoutMs,
      });
      this.ssh.set(host, client);
    }
    return client;
  }

  /**
   * Where to connect for a service at host:port: the address itself, or a local tunnel through SSH to that host
   * (the service is then reached as localhost from the host itself, as streamparse does).
   */
  async endpoint(host: string, port: number): Promise<HostPort> {
    if (!usesSsh(this.env, host)) return { host, port };
    const key = `${host}:${port}`;
    let tunnel = this.tunnels.get(key);
    if (!tunnel) {
      tunnel = this.sshTo(host).then((client) => openTunnel(client, 'localhost', port));
      this.tunnels.set(key, tunnel);
    }
    return { host: '127.0.0.1', port: (await tunnel).port };
  }

  /** Close tunnels and SSH connections. Safe to call twice. */
  async close(): Promise<void> {
    const tunnels = [...this.tunnels.values()];
    const clients = [...this.ssh.values()];
    this.tunnels.clear();
    this.ssh.clear();
    await Promise.all(tunnels.map((t) => t.then((open) => open.close(), () => {})));
    await Promise.all(clients.map((c) => c.then((open) => open.end(), () => {})));
  }
}

/**
 * Run `work` with a ClusterAccess and close it afterwards, also on Ctrl-C (tunnels must not outlive the command).
 */
export async function withCluster<T>(options: AccessOptions, work: (access: ClusterAccess) => Promise<T>): Promise<T> {
  const access = ClusterAccess.open(options);
  const onInterrupt = () => {
    void access.close().then(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await work(access);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    await access.close();
  }
}
