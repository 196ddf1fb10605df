/**
 * Each component process names itself after its topology, component and task, so `ps` tells the tasks apart: read
 * back from /proc/<pid>/cmdline (what `ps` shows) of a running process.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { temporaryFolder } from '../src/process/cleanup.js';
import { driveBolt } from '../src/testing/component-driver.js';
import { FIXTURES } from './helpers/driver.js';

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replaceAll('\0', ' ');

describe('component process title', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('fits a cluster worker\'s short command line, `node squall-topology.mjs`, with the component and task', async () => {
    // Started as a worker starts it: [node, squall-topology.mjs] in the resources folder. The title may only take
    // the room of that command line (24 characters), so the topology's name is left out.
    const resources = temporaryFolder('squall-title-');
    try {
      writeFileSync(join(resources.path, 'squall-topology.mjs'), `import ${JSON.stringify(pathToFileURL(join(FIXTURES, 'components.js')).href)};\n`);
      const bolt = await driveBolt(
        { executionCommand: 'node', script: 'squall-topology.mjs', cwd: resources.path },
        { context: { componentId: 'scripted', taskId: 3 }, conf: { 'topology.name': 'wordcount' } },
      );
      try {
        assert.equal(cmdline(bolt.pid), 'squall scripted task 3');
      } finally {
        await bolt.stop();
      }
    } finally {
      resources.remove();
    }
  });
});
