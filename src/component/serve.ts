import { ProtocolError, stringifyMessage } from '../wire/codec.js';
import { LogLevel } from '../wire/messages.js';
import type { Handshake } from '../wire/messages.js';
import { Component, describeError, describeThrown, writePidFile } from './component.js';
import { ExitCode, sharedConnection } from './connection.js';
import type { StormConnection } from './connection.js';
import { receive, start } from './lifecycle.js';
import { nameProcess } from './process-title.js';

/** A component class with a constructor taking no arguments (options come from its static `options`). */
export type ComponentClass = new () => Component;

/** Picks the class for a component id: one process entry can serve every component of a topology. */
export type ComponentResolver = (componentId: string) => Component | ComponentClass | undefined;

/**
 * Serve one component over stdin/stdout: Storm's handshake (pid file, then `{"pid"}`), then messages until EOF.
 * The component is chosen after the handshake, from `context.componentid`, so the same script can run any
 * component of a topology, exactly as a worker starts it (`[execution_command, script]`).
 */
export async function serve(resolve: ComponentResolver | ComponentClass): Promise<void> {
  const connection = sharedConnection();
  installCrashHandlers(connection);
  const first = await connection.next();
  const handshake = first as Handshake;
  if (handshake === null || typeof handshake !== 'object' || typeof handshake.context !== 'object' || handshake.context === null) {
    await connection.protocolError(
      new ProtocolError(
        `the first message from Storm must be the handshake {"conf","pidDir","context"}, got ${stringifyMessage(first).slice(0, 200)}`,
      ),
    );
    return;
  }
  nameProcess(handshake);
  // The pid file first, then the pid: when Storm reads the pid, the supervisor can already find us.
  try {
    writePidFile(handshake.pidDir, process.pid);
  } catch (err) {
    // Before the pid reply nothing may reach Storm's stream, so stderr (shown by Storm when a process dies) is the
    // only place to say why.
    await connection.protocolError(
      new ProtocolError(
        `cannot create the pid file in the handshake's pidDir ${stringifyMessage(handshake.pidDir)}: ${describeError(err)}` +
          ' (the supervisor creates this directory for each worker; it must exist and be writable)',
      ),
    );
    return;
  }
  connection.send({ pid: process.pid });

  const componentId = handshake.context.componentid;
  const component = instantiate(resolve, componentId);
  if (!component) {
    const message = `no component class for component id "${componentId}"; register it in the topology (or serve() resolver)`;
    connection.send({ command: 'error', msg: message });
    process.stderr.write(`squall: ${message}\n`);
    await connection.exit(ExitCode.USER_EXCEPTION);
    return;
  }
  // `start` attaches conf and context synchronously, before its first await, so messages that already
  // arrived can be delivered right after; during `initialize` the component answers heartbeats and holds the rest.
  const started = component[start](connection, handshake);
  connection.listen((message) => component[receive](message));
  try {
    await started;
  } catch (err) {
    connection.send({ command: 'error', msg: describeThrown(err) });
    // `start` fails when `initialize` throws.
    connection.log(`start failed: ${err instanceof Error ? err.stack : describeError(err)}`, LogLevel.ERROR);
    await connection.exit(ExitCode.USER_EXCEPTION);
  }
}

/** Set once a topology bundle loads: the bundle, not the modules it holds, chooses what a process serves. */
let servedByTopology = false;

/** Called first by every topology bundle (../worker/guard.ts), before any user module runs. */
export function componentsServedByTopology(): void {
  servedByTopology = true;
}

/**
 * Run a single component class as this process's component (`runComponent(MyBolt)` at the end of its file, for a
 * script started on its own, e.g. by `shell('node', 'split.js')`). Inside a topology bundle it does nothing: the
 * CLI importing the topology must keep its own stdin/stdout, and a component process serves the component its
 * handshake names (which may not be this one).
 */
export function runComponent(componentClass: ComponentClass): Promise<void> {
  if (servedByTopology) return Promise.resolve();
  return serve(componentClass);
}

function instantiate(resolve: ComponentResolver | ComponentClass, componentId: string): Component | undefined {
  if (isClass(resolve)) return new resolve();
  const found = resolve(componentId);
  if (found === undefined) return undefined;
  return isClass(found) ? new found() : found;
}

function isClass(value: unknown): value is ComponentClass {
  return typeof value === 'function' && value.prototype instanceof Component;
}

/** Errors thrown outside a handler (timers, stray promises) are reported like any user exception. */
function installCrashHandlers(connection: StormConnection): void {
  const crash = (err: unknown) => {
    connection.send({ command: 'error', msg: describeThrown(err) });
    connection.log(`uncaught: ${err instanceof Error ? err.stack : describeError(err)}`, LogLevel.ERROR);
    void connection.exit(ExitCode.USER_EXCEPTION);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
