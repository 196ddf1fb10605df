/**
 * The yardstick: a minimal hand-written split-sentence bolt using nothing but Node. It frames by string search,
 * answers heartbeats, and writes each input chunk's replies in one write. No SDK, no checks, no logging guard.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let buffer = '';
let handshaken = false;
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
    } else if (message.stream === '__heartbeat') {
      out += '{"command":"sync"}\nend\n';
    } else if (!Array.isArray(message)) {
      for (const word of String(message.tuple[0]).split(' ')) {
        out += JSON.stringify({ command: 'emit', anchors: [message.id], tuple: [word], need_task_ids: false }) + '\nend\n';
      }
      out += JSON.stringify({ command: 'ack', id: message.id }) + '\nend\n';
    }
  }
  if (out) process.stdout.write(out);
});
