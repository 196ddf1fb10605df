/**
 * `squall ui --replay FILE`: the dashboard of recorded readings. The page asks for the moments
 * (`/dashboard/replay`) and, for the one its slider is on, the state then and the chart up to it
 * (`/dashboard/state?at=MS`: the newest record at or before MS). Nothing is read from any cluster.
 */
import type { Dashboard } from './server.js';
import { refuseWrites, sendJson, serveAsset } from './server.js';
import type { Recorded } from './record.js';
import type { DashPoint, DashUpdate } from './types.js';

/** Chart points shown up to a moment: the 25 minutes before it at five-second readings. */
const HISTORY_POINTS = 300;

export function createReplay(records: readonly Recorded[], file: string): Dashboard {
  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://local');
      const path = url.pathname;
      if (path !== '/dashboard/replay' && path !== '/dashboard/state' && path !== '/dashboard/command') return serveAsset(req, res, path);
      if (refuseWrites(req, res)) return true;
      if (path === '/dashboard/replay') sendJson(res, 200, { file, moments: records.map((r) => r.at) });
      else if (path === '/dashboard/command') sendJson(res, 200, { command: null, unavailable: 'a replay shows what was: there is nothing here to apply a change to' });
      else {
        const at = Number(url.searchParams.get('at') ?? records[records.length - 1]!.at);
        const index = momentAt(records, at);
        if (index < 0) sendJson(res, 404, { error: `no record at or before ${new Date(at).toISOString()}: the first is at ${new Date(records[0]!.at).toISOString()}` });
        else {
          const history = records
            .slice(0, index + 1)
            .map((r) => r.point)
            .filter((p): p is DashPoint => p !== null)
            .slice(-HISTORY_POINTS);
          sendJson(res, 200, { state: records[index]!.state, history } satisfies DashUpdate);
        }
      }
      return true;
    },
    close() {},
  };
}

/** Index of the newest record at or before `at` (-1 when every record is later). */
export function momentAt(records: readonly Recorded[], at: number): number {
  let found = -1;
  for (let i = 0; i < records.length && records[i]!.at <= at; i++) found = i;
  return found;
}
