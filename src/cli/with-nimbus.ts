import type { AccessOptions } from '../cluster/access.js';
import { withCluster } from '../cluster/access.js';
import type { NimbusClient } from '../nimbus/client.js';

/** Connect to the leader Nimbus (through tunnels when configured), run `work`, close everything. */
export function withNimbus<T>(options: AccessOptions, work: (nimbus: NimbusClient) => Promise<T>): Promise<T> {
  return withCluster(options, async (access) => {
    const nimbus = await access.nimbus();
    try {
      return await work(nimbus);
    } finally {
      nimbus.close();
    }
  });
}
