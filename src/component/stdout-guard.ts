import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { format } from 'node:util';
import type { LogLevelNumber } from '../wire/messages.js';
import { LogLevel } from '../wire/messages.js';

/**
 * The stdout guard. In a component process stdout is the protocol stream to Storm: anything user code prints there
 * would corrupt it (Storm would fail to parse the next frame and the worker would die). Once installed, console
 * calls, `process.stdout.write` and writes to file descriptor 1 become `log` commands instead.
 */

/** Where guarded output goes: a `log` command to Storm. */
export type LogSink = (msg: string, level: LogLevelNumber) => void;

/** Levels the console methods map to. */
const CONSOLE_LEVELS: Record<'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace', LogLevelNumber> = {
  log: LogLevel.INFO,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  debug: LogLevel.DEBUG,
  trace: LogLevel.TRACE,
};

/** Sends the guarded `process.stdout.write` text not yet ended by a newline; set once the guard is installed. */
let flushPartial: (() => void) | undefined;

/** Send stray stdout text still waiting for its newline (before exiting, so it is not lost). */
export function flushStrayOutput(): void {
  flushPartial?.();
}

/**
 * Install the guard: console calls become `log` commands at their level; stray `process.stdout.write` text is sent
 * as INFO log lines, one per line. The caller keeps the real `process.stdout.write` for its own frames first.
 */
export function guardStdout(log: LogSink): void {
  for (const method of Object.keys(CONSOLE_LEVELS) as Array<keyof typeof CONSOLE_LEVELS>) {
    const level = CONSOLE_LEVELS[method];
    console[method] = (...args: unknown[]) => log(format(...args), level);
  }
  let partial = '';
  const flushPartialLine = () => {
    if (partial.length > 0) log(partial, LogLevel.INFO);
    partial = '';
  };
  process.stdout.write = ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) log(line, LogLevel.INFO);
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof process.stdout.write;
  flushPartial = flushPartialLine;
  guardFd1((text) => process.stdout.write(text));
}

/**
 * Loggers such as pino write to file descriptor 1 directly (fs.write / fs.writeSync), around process.stdout.
 * Route those writes through the same guard. (A child process started with stdio 'inherit' still shares the
 * descriptor: give children 'pipe' or 'ignore'.)
 */
function guardFd1(stray: (text: string) => void): void {
  const toText = (data: unknown, offset?: unknown, length?: unknown): string => {
    if (typeof data === 'string') return data;
    const view = data as ArrayBufferView;
    const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    const start = typeof offset === 'number' ? offset : 0;
    const end = typeof length === 'number' ? start + length : bytes.length;
    return bytes.toString('utf8', start, end);
  };
  const realWriteSync = fs.writeSync;
  const realWrite = fs.write;
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (realWriteSync as (...a: unknown[]) => number)(fd, data, ...rest);
    const text = toText(data, rest[0], rest[1]);
    stray(text);
    return Buffer.byteLength(text);
  }) as typeof fs.writeSync;
  fs.write = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (realWrite as (...a: unknown[]) => void)(fd, data, ...rest);
    const callback = rest.find((r) => typeof r === 'function') as ((err: null, written: number, data: unknown) => void) | undefined;
    const text = toText(data, rest[0], rest[1]);
    stray(text);
    if (callback) process.nextTick(callback, null, Buffer.byteLength(text), data);
  }) as typeof fs.write;
  syncBuiltinESMExports();
}
