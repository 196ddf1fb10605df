import { stringifyMessage } from '../wire/codec.js';
import { DEFAULT_STREAM } from '../wire/messages.js';

/**
 * Checks Storm's reader makes on component messages, shared by the bolt and spout executors. Each returns a
 * description of the problem (what a worker logs before exiting with code 11), or the parsed fields.
 */

export interface EmitFields {
  stream: string;
  tuple: unknown[];
  /** Set for a direct emit (`task` present and non-zero). */
  directTask: number | undefined;
  needTaskIds: boolean;
}

export function checkEmitFields(m: Record<string, unknown>): EmitFields | string {
  if (!Array.isArray(m.tuple)) return `emit without a "tuple" list: ${stringifyMessage(m).slice(0, 200)}`;
  if (m.stream !== undefined && m.stream !== null && typeof m.stream !== 'string') {
    return `emit "stream" must be a string, got ${stringifyMessage(m.stream)}`;
  }
  if (m.task !== undefined && m.task !== null && !Number.isInteger(m.task)) {
    return `emit "task" must be an integer task id, got ${stringifyMessage(m.task)}`;
  }
  // Storm casts need_task_ids to Boolean: anything but a JSON boolean is a ClassCastException.
  if (m.need_task_ids !== undefined && m.need_task_ids !== null && typeof m.need_task_ids !== 'boolean') {
    return `emit "need_task_ids" must be a JSON boolean, got ${stringifyMessage(m.need_task_ids)}`;
  }
  const task = (m.task as number | undefined) ?? 0;
  return {
    stream: (m.stream as string | undefined) ?? DEFAULT_STREAM,
    tuple: m.tuple,
    directTask: task === 0 ? undefined : task,
    needTaskIds: m.need_task_ids !== false,
  };
}

/**
 * `log` and `error`, which bolts and spouts handle alike. Returns what is fatal about the message, if anything.
 * A level outside 0-4 is INFO, as in Storm's ShellLogHandler.
 */
export function deliverLogOrError(
  m: Record<string, unknown>,
  hooks: { log(msg: string, level: number): void; error(msg: string): void },
): string | undefined {
  if (m.msg === undefined || m.msg === null) return `${String(m.command)} without "msg"`;
  if (m.command === 'error') {
    hooks.error(String(m.msg));
    return undefined;
  }
  const level = Number.isInteger(m.level) && (m.level as number) >= 0 && (m.level as number) <= 4 ? (m.level as number) : 2;
  hooks.log(String(m.msg), level);
  return undefined;
}

/**
 * A tuple id shaped like Storm's (the decimal text of a random signed 64-bit number, up to 19 digits), so a
 * component that assumes anything narrower about ids fails here as it would on a cluster.
 */
export function newTupleId(): string {
  const high = Math.floor(Math.random() * 922_337_203);
  const low = String(Math.floor(Math.random() * 1e10)).padStart(10, '0');
  return (Math.random() < 0.5 ? '-' : '') + (high === 0 ? String(Number(low)) : high + low);
}
