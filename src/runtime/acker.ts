/**
 * Storm's acker, by counting instead of XOR: each spout message with an id is a tuple tree; every tuple delivered
 * in it is one pending edge. The tree completes when every edge is acked, fails at the first fail, and times out
 * after `topology.message.timeout.secs`. The result goes back to the spout task as `ack` or `fail`.
 */
export interface TreeOwner {
  spoutTask: number;
  messageId: string | number | bigint;
  startedAt: number;
}

interface Tree extends TreeOwner {
  pending: number;
}

export class Acker {
  private readonly trees = new Map<number, Tree>();
  /** Open trees per spout task, for `topology.max.spout.pending`. */
  private readonly open = new Map<number, number>();
  private nextRoot = 1;
  /** When the newest tree started (ms since the epoch): every open tree times out by this plus the timeout. */
  newestStartedAt = 0;

  constructor(
    private readonly completed: (tree: TreeOwner) => void,
    private readonly failed: (tree: TreeOwner, reason: 'failed' | 'timeout') => void,
  ) {}

  /** A reliable spout emit delivered to `edges` tasks; returns the root, or undefined when it completed at once. */
  start(spoutTask: number, messageId: string | number | bigint, edges: number): number | undefined {
    const owner = { spoutTask, messageId, startedAt: Date.now() };
    // Storm acks a message that reached no task straight away.
    if (edges === 0) {
      this.completed(owner);
      return undefined;
    }
    const root = this.nextRoot++;
    this.trees.set(root, { ...owner, pending: edges });
    this.newestStartedAt = owner.startedAt;
    this.open.set(spoutTask, (this.open.get(spoutTask) ?? 0) + 1);
    return root;
  }

  /** A bolt emitted a tuple anchored into these trees, delivered to `edges` tasks. */
  grow(roots: readonly number[], edges: number): void {
    for (const root of roots) {
      const tree = this.trees.get(root);
      if (tree) tree.pending += edges;
    }
  }

  /** A delivered tuple was acked. */
  ack(roots: readonly number[]): void {
    for (const root of roots) {
      const tree = this.trees.get(root);
      if (tree && --tree.pending === 0) {
        this.close(root, tree);
        this.completed(tree);
      }
    }
  }

  /** A delivered tuple was failed: its trees fail now. */
  fail(roots: readonly number[]): void {
    for (const root of roots) {
      const tree = this.trees.get(root);
      if (!tree) continue;
      this.close(root, tree);
      this.failed(tree, 'failed');
    }
  }

  /** Fail every tree older than `timeoutMs`. */
  expire(timeoutMs: number, now = Date.now()): void {
    for (const [root, tree] of this.trees) {
      if (now - tree.startedAt >= timeoutMs) {
        this.close(root, tree);
        this.failed(tree, 'timeout');
      }
    }
  }

  /** Forget a spout task's trees (its process died: the new one knows none of these message ids). */
  forgetSpout(spoutTask: number): void {
    for (const [root, tree] of this.trees) if (tree.spoutTask === spoutTask) this.close(root, tree);
  }

  /** Trees of this spout task still open. */
  pendingFor(spoutTask: number): number {
    return this.open.get(spoutTask) ?? 0;
  }

  private close(root: number, tree: Tree): void {
    this.trees.delete(root);
    this.open.set(tree.spoutTask, (this.open.get(tree.spoutTask) ?? 1) - 1);
  }

  get size(): number {
    return this.trees.size;
  }
}
