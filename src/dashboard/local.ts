/** The dashboard of a `squall run --ui`: it reads the run's own REST API, as `squall doctor --ui` would. */
import type { TopologySpec } from '../topology/spec.js';
import { StormUiClient } from '../ui/client.js';
import { createDashboard, type Dashboard } from './server.js';
import { uiSource, type DashboardSource } from './source.js';

/** `base()` is the REST API's URL, known once its server listens (the dashboard reads only while a page is open). */
export function localDashboard(spec: TopologySpec, base: () => string): Dashboard {
  let source: DashboardSource | undefined;
  return createDashboard({
    read: () =>
      (source ??= uiSource(new StormUiClient(base()), spec.name, spec, {
          source: 'squall run --ui',
          // A run is changed by running it again: doctor's command for a local run, in the project's folder.
          context: { topology: spec.name, target: '', local: { options: {} } },
        })).read(),
  });
}
