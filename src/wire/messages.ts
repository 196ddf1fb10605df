/**
 * The shapes of multi-lang messages, both ways, as a Storm worker sends and reads them (storm-facts.md §1).
 * Types only: the codec parses, the component runtime and the embedded runtime interpret.
 */

/** A grouping as it appears in the handshake context. */
export interface ContextGrouping {
  type: 'FIELDS' | 'SHUFFLE' | 'ALL' | 'NONE' | 'DIRECT' | 'CUSTOM_OBJECT' | 'CUSTOM_SERIALIZED' | 'LOCAL_OR_SHUFFLE';
  fields?: string[];
}

/** The `context` of Storm's first message. Task ids are string keys, as JSON requires. */
export interface HandshakeContext {
  'task->component': Record<string, string>;
  taskid: number;
  componentid: string;
  streams?: string[];
  'stream->outputfields'?: Record<string, string[]>;
  'stream->target->grouping'?: Record<string, Record<string, ContextGrouping>>;
  'source->stream->grouping'?: Record<string, Record<string, ContextGrouping>>;
  'source->stream->fields'?: Record<string, Record<string, string[]>>;
}

/** Storm's first message to a component. */
export interface Handshake {
  conf: Record<string, unknown>;
  pidDir: string;
  context: HandshakeContext;
}

/** Storm → bolt: a tuple, a heartbeat (`__heartbeat`, task -1) or a tick (`__system`/`__tick`, task -1). */
export interface TupleMessage {
  id: string;
  comp: string | null;
  stream: string;
  task: number;
  tuple: unknown[];
}

/** Storm → spout. */
export interface SpoutCommandMessage {
  command: 'next' | 'ack' | 'fail' | 'activate' | 'deactivate';
  id: string | number | bigint;
}

/** Storm → either: the task ids a non-direct emit went to, when the emit asked for them. */
export type TaskIdsMessage = number[];

export const HEARTBEAT_STREAM = '__heartbeat';
export const TICK_STREAM = '__tick';
export const SYSTEM_COMPONENT = '__system';
export const DEFAULT_STREAM = 'default';

/** Log levels of the `log` command (anything else is INFO on the Storm side). */
export const LogLevel = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 } as const;
export type LogLevelName = keyof typeof LogLevel;
export type LogLevelNumber = (typeof LogLevel)[LogLevelName];

/** Component → Storm. */
export interface PidMessage {
  pid: number;
}
export interface BoltEmitMessage {
  command: 'emit';
  tuple: unknown[];
  anchors?: string[];
  stream?: string;
  task?: number;
  need_task_ids?: boolean;
}
export interface SpoutEmitMessage {
  command: 'emit';
  tuple: unknown[];
  id?: string | number | bigint;
  stream?: string;
  task?: number;
  need_task_ids?: boolean;
}
export interface AckFailMessage {
  command: 'ack' | 'fail';
  id: string;
}
export interface LogMessage {
  command: 'log';
  msg: string;
  level?: number;
}
export interface ErrorMessage {
  command: 'error';
  msg: string;
}
export interface SyncMessage {
  command: 'sync';
}
export interface MetricsMessage {
  command: 'metrics';
  name: string;
  params: unknown;
}
export type ComponentMessage =
  | BoltEmitMessage
  | SpoutEmitMessage
  | AckFailMessage
  | LogMessage
  | ErrorMessage
  | SyncMessage
  | MetricsMessage;
