import type { Client } from 'ssh2';
import type { EnvironmentConfig, HostPort } from '../config/project-config.js';
import { DEFAULT_UI_PORT, findProjectConfig, isLocalHost, nimbusSeeds, parseHostPort, selectEnvironment, usesSsh } from '../config/project-config.js';
import { connectToLeader } from '../nimbus/client.js';
import type { NimbusAddress, NimbusClient } from '../nimbus/client.js';
import { connectSsh, SshError } from '../ssh/connection.js';
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
  private closing = false;

  private constructor(
    readonly envName: string | undefined,
    readonly env: EnvironmentConfig | undefined,
    readonly seeds: HostPort[],
    /** Where the seeds were given ("--nimbus", "SQUALL_NIMBUS", config.json's key), named when none answers. */
    private readonly seedsFrom: string,
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
    const seeds = nimbusSeeds(env, options.nimbus, envName, found?.path);
    return new ClusterAccess(envName, env, seeds.hosts, seeds.from, (options.timeout ?? 10) * 1000);
  }

  /**
   * Connect to the leader Nimbus (through tunnels when configured). Calls time out after `--timeout` unless the
   * caller allows more (a submit makes Nimbus store the topology before it answers). SSH comes first, so that a
   * failure there is reported as the SSH step it is (connect, host key, auth, forward), not as a Nimbus that is down.
   */
  async nimbus(callTimeoutMs = this.timeoutMs): Promise<NimbusClient> {
    const reachable: HostPort[] = [];
    const sshFailures: Error[] = [];
    for (const seed of this.seeds) {
      try {
        if (usesSsh(this.env, seed.host)) await this.sshTo(seed.host);
        reachable.push(seed);
      } catch (err) {
        sshFailures.push(err as Error);
      }
    }
    if (reachable.length === 0) {
      if (sshFailures.length === 1) throw sshFailures[0]!;
      throw new SshError('connect', `no Nimbus host could be reached over SSH: ${sshFailures.map((f) => f.message).join('; ')}`);
    }
    try {
      return await connectToLeader(reachable, {
        connectTimeoutMs: this.timeoutMs,
        callTimeoutMs,
        dial: (address, reportedBy) => this.nimbusEndpoint(address, reportedBy),
        seedsFrom: this.seedsFrom,
      });
    } catch (err) {
      // Nimbus never answered because the SSH host could not open the forward: say so, not "is Nimbus running".
      const forward = await this.forwardFailure('Nimbus', 'nimbus');
      if (forward) throw forward;
      if (sshFailures.length) (err as Error).message += `; over SSH: ${sshFailures.map((f) => f.message).join('; ')}`;
      throw err;
    }
  }

  /**
   * Where to connect for a Nimbus. A leader reported by a Nimbus reached through SSH is named as that host sees
   * it (Nimbus reports its own nimbus.seeds name, often "localhost"): the Nimbus already reached (a loopback name or
   * the SSH host's own, on the same port) reuses its tunnel; any other name is resolved on the SSH host's side,
   * forwarded through the same SSH connection. Never from this machine, where "localhost" is the user's own.
   */
  private async nimbusEndpoint(address: NimbusAddress, reportedBy?: NimbusAddress): Promise<HostPort & { label?: string }> {
    const through = reportedBy && usesSsh(this.env, reportedBy.host) ? reportedBy.host : undefined;
    if (through === undefined) return this.endpoint(address.host, address.port);
    const sameNimbus = address.port === reportedBy!.port && (isLocalHost(address.host) || address.host.toLowerCase() === through.toLowerCase());
    if (sameNimbus) return this.endpoint(through, address.port);
    const tunnel = await this.tunnel(through, address.host, address.port);
    return { host: '127.0.0.1', port: tunnel.port, label: `${address.host}:${address.port} (as seen from ${through}, through SSH)` };
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
  async endpoint(host: string, port: number): Promise<HostPort & { label?: string }> {
    if (!usesSsh(this.env, host)) return { host, port };
    const tunnel = await this.tunnel(host, 'localhost', port);
    return { host: '127.0.0.1', port: tunnel.port, label: `${host}:${port} (through SSH)` };
  }

  /** A local port forwarded through the SSH connection to `sshHost`, on to `target:port` as that host resolves it. */
  private tunnel(sshHost: string, target: string, port: number): Promise<Tunnel> {
    const key = `${sshHost}>${target}:${port}`;
    let tunnel = this.tunnels.get(key);
    if (!tunnel) {
      tunnel = this.sshTo(sshHost).then((client) => openTunnel(client, target, port));
      this.tunnels.set(key, tunnel);
    }
    return tunnel;
  }

  /** The first forward an SSH host refused, as the step that failed: `service` should have been listening there. */
  async forwardFailure(service: string, configKey: string): Promise<SshError | undefined> {
    for (const [key, pending] of this.tunnels) {
      const tunnel = await pending.catch(() => undefined);
      if (!tunnel?.failure) continue;
      const [sshHost, target] = key.split('>') as [string, string];
      const [targetHost, port] = [target.slice(0, target.lastIndexOf(':')), target.slice(target.lastIndexOf(':') + 1)];
      const where = targetHost === 'localhost' ? `on ${sshHost}` : `at ${targetHost} (as ${sshHost} resolves that name)`;
      const why = /prohibited/i.test(tunnel.failure)
        ? `sshd on ${sshHost} forbids port forwarding (AllowTcpForwarding); ask its administrator`
        : `check that ${service} is running ${where} and listening on port ${port} ("${configKey}" in config.json)`;
      return new SshError('forward', `SSH host ${sshHost} could not open ${target} for the tunnel (${tunnel.failure}): ${why}`);
    }
    return undefined;
  }

  /** True once close() began: SSH connections ending after that were closed by us, not lost. */
  get closed(): boolean {
    return this.closing;
  }

  /** Close tunnels and SSH connections. Safe to call twice. */
  async close(): Promise<void> {
    this.closing = true;
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
