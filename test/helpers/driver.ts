import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporaryFolder } from '../../src/process/cleanup.js';
import type { LaunchSpec } from '../../src/runtime/shell-process.js';
import { driveBolt, driveSpout } from '../../src/testing/index.js';
import type { DriveOptions } from '../../src/testing/index.js';

export { contextFor as makeContext, Recorder } from '../../src/testing/index.js';

/** Compiled fixtures live next to this file's compiled form: dist/test/fixtures. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
/** Fixtures that are not TypeScript (other languages' components) stay in the source tree. */
export const SOURCE_FIXTURES = join(FIXTURES, '..', '..', '..', 'test', 'fixtures');

/** A compiled fixture started with node, in the fixtures folder. */
export function fixture(name: string, env?: Record<string, string>): LaunchSpec {
  return { executionCommand: process.execPath, script: join(FIXTURES, name), cwd: FIXTURES, env };
}

/** A pid folder for one component, removed when the test process exits. */
export function pidDir(): string {
  return temporaryFolder('squall-pids-').path;
}

/** The public driver (squall/testing's entry, src/testing/index.ts) on a compiled fixture, so these tests exercise what users get. */
export function startBolt(script: string, options: DriveOptions & { env?: Record<string, string> }) {
  return driveBolt(fixture(script, options.env), options);
}

export function startSpout(script: string, options: DriveOptions) {
  return driveSpout(fixture(script), options);
}
