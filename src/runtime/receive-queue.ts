import { receiveBufferBytes, receiveBufferSize } from '../config/keys.js';

/** What a bolt task has waiting to be sent to its process. */
export interface QueueFill {
  queued: number;
  queuedBytes: number;
}

/**
 * The bounds of a bolt task's receive queue: Storm's `topology.executor.receive.buffer.size` in tuples, and a
 * byte budget, since big tuples fill memory long before the count.
 */
export class ReceiveQueueLimits {
  readonly tuples: number;
  readonly bytes: number;

  constructor(conf: Record<string, unknown>) {
    this.tuples = receiveBufferSize(conf);
    this.bytes = receiveBufferBytes(conf);
  }

  /** Full by either limit: Storm 2's back-pressure holds the spouts back. */
  isFull(fill: QueueFill): boolean {
    return fill.queued >= this.tuples || fill.queuedBytes >= this.bytes;
  }

  /** The fill, 0..1, by whichever limit is nearer: the load Storm's load-aware shuffle weighs (JCQueue.getQueueLoad). */
  load(fill: QueueFill): number {
    return Math.min(1, Math.max(fill.queued / this.tuples, fill.queuedBytes / this.bytes));
  }
}
