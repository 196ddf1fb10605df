/**
 * The dashboard of a `squall run --ui`: it reads the run's own REST API, as `squall doctor --ui` would, in a worker
 * thread (./reader-thread.ts), so the readings cost the run's event loop only the REST answers.
 */
import { Worker } from 'node:worker_threads';
import type { TopologySpec } from '../topology/spec.js';
import type { ReaderData } from './reader-thread.js';
import { createDashboard, type Dashboard } from './server.js';
import type { DashboardReading } from './source.js';

/** `base()` is the REST API's URL, known once its server listens (the dashboard reads only while a page is open). */
export function localDashboard(spec: TopologySpec, base: () => string): Dashboard {
  let worker: Worker | undefined;
  const start = (): Worker => {
    const data: ReaderData = {
      base: base(),
      spec,
      options: {
        source: 'squall run --ui',
        // A run is changed by running it again: doctor's command for a local run, in the project's folder.
        context: { topology: spec.name, target: '', local: { options: {} } },
      },
    };
    const w = new Worker(new URL('./reader-thread.js', import.meta.url), { workerData: data });
    w.unref();
    return w;
  };
  return createDashboard({
    // The dashboard asks for one reading at a time, so each answer is the one asked for.
    read: () =>
      new Promise<DashboardReading>((resolve, reject) => {
        const w = (worker ??= start());
        const onError = (err: Error) => {
          worker = undefined;
          reject(err);
        };
        w.once('error', onError);
        w.once('message', (answer: { reading?: DashboardReading; problem?: string }) => {
          w.off('error', onError);
          if (answer.reading) resolve(answer.reading);
          else reject(new Error(answer.problem));
        });
        w.postMessage('read');
      }),
    close: () => void worker?.terminate(),
  });
}
