/** The yardstick spout: hand-written, emits one reliable sentence per `next`, syncs after every command. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SENTENCE = 'the quick brown fox jumps over the lazy dog';
let buffer = '';
let handshaken = false;
let n = 0;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffer += chunk;
  let out = '';
  let at: number;
  while ((at = buffer.indexOf('\nend\n')) >= 0) {
    const message = JSON.parse(buffer.slice(0, at));
    buffer = buffer.slice(at + 5);
    if (!handshaken) {
      handshaken = true;
      writeFileSync(join(message.pidDir, String(process.pid)), '');
      out += `{"pid":${process.pid}}\nend\n`;
      continue;
    }
    if (message.command === 'next') {
      out += JSON.stringify({ command: 'emit', id: n++, tuple: [SENTENCE], need_task_ids: false }) + '\nend\n';
    }
    out += '{"command":"sync"}\nend\n';
  }
  if (out) process.stdout.write(out);
});
