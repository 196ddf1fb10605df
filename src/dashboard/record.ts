/**
 * `squall ui --record FILE` and `--replay FILE`: every reading the dashboard makes, appended as one NDJSON record
 * (as `squall doctor --record` appends its observations), and read back for a replay. A record is one consistent
 * cut of what was read, stamped with the reader's clock when the reading finished, whatever the workers' clocks
 * said.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { DashPoint, DashboardState } from './types.js';

/** Format version of a record. */
const VERSION = 1;

export interface Recorded {
  v: typeof VERSION;
  /** The reader's clock, Unix ms (the state's `at`). */
  at: number;
  state: DashboardState;
  /** The chart point between this reading and the one before, if there was one. */
  point: DashPoint | null;
}

/** Append one reading to `file` (created when missing). Synchronous: a reading every few seconds at most. */
export function appendRecord(file: string, state: DashboardState, point: DashPoint | null): void {
  const record: Recorded = { v: VERSION, at: state.at, state, point };
  appendFileSync(file, JSON.stringify(record) + '\n');
}

/** Every record of a file, oldest first; a line that is no record is an error naming the line and the fix. */
export function readRecords(file: string): Recorded[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--replay ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const records: Recorded[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let r: Partial<Recorded>;
    try {
      r = JSON.parse(line) as Partial<Recorded>;
    } catch {
      throw new Error(`--replay ${file}: line ${i + 1} is not JSON; the file should be one written by squall ui --record`);
    }
    if (r.v !== VERSION || typeof r.at !== 'number' || typeof r.state !== 'object' || r.state === null) {
      throw new Error(`--replay ${file}: line ${i + 1} is not a dashboard record (v ${VERSION}); the file should be one written by squall ui --record`);
    }
    records.push({ v: VERSION, at: r.at, state: r.state, point: r.point ?? null });
  });
  if (records.length === 0) throw new Error(`--replay ${file}: no records in it; squall ui --record FILE writes one per reading`);
  return records.sort((a, b) => a.at - b.at);
}
