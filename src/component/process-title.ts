import type { Handshake } from '../wire/messages.js';

/**
 * Name this component process after its topology, component and task (`squall wordcount split task 3`), so `ps`
 * tells the tasks apart and a user can kill the right one: otherwise every task shows the same
 * `node …/squall-topology.mjs`. Storm's own worker logs name the task the same way.
 *
 * Set here, in the component process, so it holds wherever the process runs (`squall run` or a Storm worker).
 * On Linux, Node writes the title over the process's original arguments, so it gets only as many characters as
 * the command line it was started with (a worker's `node squall-topology.mjs` leaves 24): the first form that fits
 * whole is used, down to `split:3`, the `[component:task]` of squall's log lines.
 */
export function nameProcess(handshake: Handshake): void {
  const { componentid: component, taskid: task } = handshake.context;
  if (typeof component !== 'string' || typeof task !== 'number') return;
  const topology = handshake.conf?.['topology.name'];
  const forms = [
    ...(typeof topology === 'string' && topology.length > 0 ? [`squall ${topology} ${component} task ${task}`] : []),
    `squall ${component} task ${task}`,
    `${component}:${task}`,
  ];
  for (const title of forms) {
    process.title = title;
    // Node keeps what fit: reading it back says whether the whole form did.
    if (process.title === title) return;
  }
}
