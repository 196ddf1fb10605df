/** How the CLI shows a library's progress callbacks: `squall: …` lines on stderr, beside the command's output. */
import cliProgress from 'cli-progress';
import type { SubmitProgress } from '../deploy/submit.js';

/** A step under way: `squall: building the JAR …`. */
export function printStep(message: string): void {
  process.stderr.write(`squall: ${message} …\n`);
}

/** A finished fact or a warning: `squall: warning: …`. */
export function printNote(message: string): void {
  process.stderr.write(`squall: ${message}\n`);
}

/**
 * A submit's progress on stderr; the upload as a bar on a terminal, a line per quarter otherwise. The submit ends
 * the upload's display through `onEnd`, whatever its outcome (an upload that failed part way would leave its bar
 * and a hidden cursor otherwise); the same progress serves the next submit (doctor --apply redeploys twice at most).
 */
export function stderrSubmitProgress(): SubmitProgress {
  const upload = uploadProgress();
  return { onStep: printStep, onNote: printNote, onUpload: upload.onUpload, onEnd: upload.close };
}

function uploadProgress(): { onUpload: (sent: number, total: number) => void; close: () => void } {
  const mib = (n: number) => (n / 1048576).toFixed(1);
  let bar: cliProgress.SingleBar | undefined;
  let reported = 0;
  const close = () => {
    bar?.stop();
    bar = undefined;
    reported = 0;
  };
  const onUpload = (sent: number, total: number) => {
    if (process.stderr.isTTY) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: 'squall: uploading [{bar}] {percentage}% {sent}/{size} MiB', hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { sent: mib(0), size: mib(total) });
      }
      bar.update(sent, { sent: mib(sent), size: mib(total) });
      // The last chunk ends the upload: the bar gives its line back to the lines that follow.
      if (sent === total) close();
    } else if (sent === total || sent - reported >= total / 4) {
      reported = sent;
      process.stderr.write(`squall: uploaded ${mib(sent)}/${mib(total)} MiB\n`);
    }
  };
  return { onUpload, close };
}
