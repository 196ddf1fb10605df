/** The dashboard's pure pieces: chart points between two all-time readings, and the window the counts cover. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pointBetween } from '../src/dashboard/state.js';

const totals = (acked: number, failed: number, completeLatencyMs: number) => ({ emitted: null, transferred: null, acked, failed, completeLatencyMs });

describe('dashboard chart points', () => {
  it('takes rates and the mean complete latency of the trees completed in between', () => {
    // 100 trees at 10 ms, then 300 more at 30 ms: all-time mean 25 ms over 400.
    const p = pointBetween({ at: 10_000, totals: totals(100, 2, 10) }, { at: 12_000, totals: totals(400, 6, 25) });
    assert.equal(p.t, 12);
    assert.equal(p.ackedPerSec, 150);
    assert.equal(p.failedPerSec, 2);
    assert.ok(Math.abs(p.completeLatencyMs! - 30) < 1e-9);
  });

  it('gives no figure where counts went backwards (the topology was started again) or are missing', () => {
    const p = pointBetween({ at: 0, totals: totals(500, 5, 10) }, { at: 2000, totals: totals(20, 0, 10) });
    assert.deepEqual([p.ackedPerSec, p.failedPerSec, p.completeLatencyMs], [null, null, null]);
    const q = pointBetween({ at: 0, totals: null }, { at: 2000, totals: totals(20, 0, 10) });
    assert.equal(q.ackedPerSec, null);
  });
});
