import { readShellMsg } from '../wire/messages.js';
import type { ShellMsg } from '../wire/messages.js';

/** The commands Storm's ShellBolt and ShellSpout treat alike; each executor's own switch handles the rest. */
export type SharedShellMsg = Extract<ShellMsg, { command: 'log' | 'error' | 'metrics' }>;

/** What the shared receive path needs from an executor. */
export interface ShellReceiver {
  readonly role: 'bolt' | 'spout';
  log(msg: string, level: number): void;
  /** `error` command: Storm reports "Shell Process Exception: " + msg as the component's last error. */
  error(msg: string): void;
  /** The component broke a rule that makes a real worker exit with code 11. */
  die(reason: string): void;
}

/**
 * The one receive path of both executors: read a message as Storm does (a malformed one is fatal), handle the
 * commands Storm treats alike for bolts and spouts, and return the rest for the executor's own switch.
 * Returns undefined when there is nothing more to do (handled here, or the receiver died).
 * `heard` runs for every valid message, before it is handled (what the bolt's heartbeat and cork look at).
 */
export function receiveShellMsg(
  message: unknown,
  receiver: ShellReceiver,
  heard: () => void,
): Exclude<ShellMsg, SharedShellMsg> | undefined {
  let m: ShellMsg;
  try {
    m = readShellMsg(message, receiver.role);
  } catch (err) {
    receiver.die((err as Error).message);
    return undefined;
  }
  heard();
  switch (m.command) {
    case 'log':
      receiver.log(m.msg, m.level);
      return undefined;
    case 'error':
      receiver.error(m.msg);
      return undefined;
    case 'metrics':
      // Storm looks the name up among the Java metrics registered for the component; a shell one registers none.
      receiver.die(`Could not find metric by name[${m.name}] (no Java metric is registered for a shell ${receiver.role})`);
      return undefined;
    default:
      return m;
  }
}
