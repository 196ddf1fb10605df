import type { ResultPromise } from 'execa';

/** The URL a squall child process says it serves at (the first group of `pattern` in its stderr), once it does. */
export function servedUrl(child: ResultPromise, pattern: RegExp): Promise<string> {
  let stderr = '';
  return new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = pattern.exec(stderr);
      if (found) resolve(found[1]!);
    });
    void child.then(() => reject(new Error(`squall ended before serving:\n${stderr}`)));
  });
}
