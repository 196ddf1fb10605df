import type { Client } from 'ssh2';
import { lostReason, SshError } from './connection.js';

/** Quote one argument for a POSIX shell: the remote side always parses our commands with sh. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A remote command that runs a fixed sh script with user input only as positional parameters
 * (`sh -c SCRIPT sh ARG1 ARG2 …`): names, paths and patterns are data, never shell code.
 */
export function scriptCommand(script: string, args: string[]): string {
  return ['sh', '-c', shellQuote(script), 'sh', ...args.map(shellQuote)].join(' ');
}

export interface RemoteRun {
  /**
   * Resolves with the exit code when the command ends (or null when it was stopped); rejects with an SshError
   * (step 'lost') when the SSH connection drops first: a command that merely stopped talking is not a finished one.
   */
  done: Promise<number | null>;
  /** Stop the command (closes the channel; sshd sends it SIGHUP). */
  stop(): void;
}

/** Run a command, handing each complete line of stdout to `onLine` (stderr lines to `onError`). */
export function execLines(client: Client, command: string, onLine: (line: string) => void, onError: (line: string) => void = () => {}): Promise<RemoteRun> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      const lines = (emit: (line: string) => void) => {
        let partial = '';
        return (chunk: Buffer) => {
          const parts = (partial + chunk.toString('utf8')).split('\n');
          partial = parts.pop() ?? '';
          for (const part of parts) emit(part);
        };
      };
      channel.on('data', lines(onLine));
      channel.stderr.on('data', lines(onError));
      let stopped = false;
      const done = new Promise<number | null>((resolveDone, rejectDone) => {
        let code: number | null = null;
        let exited = false;
        // sshd sends exit-status (or exit-signal) before closing the channel; a dropped connection sends neither.
        channel.on('exit', (exitCode: number | null) => {
          exited = true;
          code = exitCode;
        });
        const lost = () => {
          const reason = lostReason(client);
          rejectDone(new SshError('lost', `the SSH connection was lost before the remote command ended${reason ? `: ${reason}` : ''}`));
        };
        client.once('close', lost);
        // ssh2 repeats the exit status on 'close'; take it from there when 'exit' came late.
        channel.on('close', (closeCode?: number | null) => {
          client.removeListener('close', lost);
          if (typeof closeCode === 'number') exited = true;
          if (exited || stopped) resolveDone(code ?? (typeof closeCode === 'number' ? closeCode : null));
          else lost();
        });
      });
      resolve({
        done,
        stop: () => {
          stopped = true;
          channel.signal('TERM');
          channel.close();
        },
      });
    });
  });
}
