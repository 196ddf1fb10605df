/**
 * A worker thread that makes a local run's dashboard readings: the REST requests and doctor's examination
 * (tens of milliseconds of CPU each time) run here, off the event loop that routes the run's tuples.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TopologySpec } from '../topology/spec.js';
import { StormUiClient } from '../ui/client.js';
import { uiSource, type UiSourceOptions } from './source.js';

export interface ReaderData {
  base: string;
  spec: TopologySpec;
  options: Omit<UiSourceOptions, 'fromLogs' | 'now'>;
}

const data = workerData as ReaderData;
const source = uiSource(new StormUiClient(data.base), data.spec.name, data.spec, data.options);

parentPort!.on('message', () => {
  source.read().then(
    (reading) => parentPort!.postMessage({ reading }),
    (err: Error) => parentPort!.postMessage({ problem: err.message }),
  );
});
