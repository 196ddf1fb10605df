import type { RedisConnection } from './client.js';
import type { Logger } from '../../component/component.js';

/**
 * Where a consumer group reads from when a deployment starts, after Storm's KafkaSpout `FirstPollOffsetStrategy`:
 * `'committed'` keeps the group's own position (UNCOMMITTED_EARLIEST/LATEST: a new group starts at `startId`);
 * `'earliest'`, `'latest'` and `{ timestamp }` (ms since the epoch: the first entry added then or later) move it,
 * once per deployment (EARLIEST, LATEST, TIMESTAMP), never when a task of the same deployment restarts.
 */
export type StartPosition = 'committed' | 'earliest' | 'latest' | { timestamp: number };

/** The largest sequence number of a stream id: `<ms>-MAX_SEQ` is the last id of that millisecond. */
const MAX_SEQ = '18446744073709551615';

/** Deployments remembered per group: the oldest beyond these are forgotten (they have long stopped). */
const DEPLOYMENTS_KEPT = 1000;

/**
 * Move the group and record the deployment that did, atomically. The marker is a sorted set of the deployments
 * that moved the group (scored by when): a task whose deployment is in it moves nothing (another task of it, or
 * its own predecessor before a restart, did). A set rather than the last id alone: with two deployments live on one
 * group, a restarted task of the older must not find the newer recorded and move the group again. KEYS: stream,
 * marker; ARGV: deployment id, group, position id, now (ms), how many to keep. Returns 1 when it moved the group.
 */
const MOVE_ONCE_PER_DEPLOYMENT =
  "if redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[1]) == 0 then return 0 end " +
  "redis.call('XGROUP', 'SETID', KEYS[1], ARGV[2], ARGV[3]) " +
  "redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -1 - tonumber(ARGV[5])) return 1";

/** What is wrong with a `startPosition` value, or undefined when it is one. */
export function startPositionProblem(position: unknown): string | undefined {
  if (position === 'committed' || position === 'earliest' || position === 'latest') return undefined;
  const timestamp = (position as { timestamp?: unknown } | null)?.timestamp;
  if (typeof position === 'object' && typeof timestamp === 'number' && Number.isInteger(timestamp) && timestamp >= 0) return undefined;
  return `must be 'committed', 'earliest', 'latest' or { timestamp: <ms since the epoch> }, got ${JSON.stringify(position)}`;
}

/** The id a group at `position` has last delivered (XGROUP CREATE/SETID take it; entries after it come next). */
export function positionId(position: Exclude<StartPosition, 'committed'>): string {
  if (position === 'earliest') return '0';
  if (position === 'latest') return '$';
  return position.timestamp === 0 ? '0' : `${position.timestamp - 1}-${MAX_SEQ}`;
}

/** How logs name a position. */
function describePosition(position: StartPosition): string {
  return typeof position === 'string' ? position : `${new Date(position.timestamp).toISOString()} (timestamp ${position.timestamp})`;
}

/** The key recording which deployments moved `group` of `stream` (a sorted set of `storm.id`s, by time). */
export function deploymentMarker(stream: string, group: string): string {
  return `${stream}:start:${group}`;
}

/**
 * On a deployment's first start, move the group to `position`; on any later start of it (another task, a restart)
 * do nothing. Entries pending in the group stay pending (XGROUP SETID does not touch them): they were delivered to
 * an earlier deployment and never acked, so they are taken over and delivered as usual. Returns whether it moved.
 */
export async function moveOncePerDeployment(
  redis: RedisConnection,
  logger: Logger,
  at: { stream: string; group: string; deployment: string; position: Exclude<StartPosition, 'committed'> },
): Promise<boolean> {
  const { stream, group, deployment, position } = at;
  const moved = await redis.command(['EVAL', MOVE_ONCE_PER_DEPLOYMENT, '2', stream, deploymentMarker(stream, group), deployment, group, positionId(position), String(Date.now()), String(DEPLOYMENTS_KEPT)]);
  if (Number(moved) !== 1) return false;
  const pending = Number(((await redis.command(['XPENDING', stream, group])) as unknown[])[0] ?? 0);
  logger.info(
    `moved consumer group "${group}" of "${stream}" to ${describePosition(position)} for the new deployment ${deployment}` +
      (pending > 0 ? `; ${pending} entries pending from before stay pending and are delivered as usual` : ''),
  );
  return true;
}
