/**
 * Set by the bundle's launcher (LAUNCHER_SOURCE in ../packaging/bundle.ts) when Storm started it as a script, before
 * the bundle loads: a global, since the launcher is not bundled and shares no module with the bundle.
 */
const COMPONENT_PROCESS = Symbol.for('squall.componentProcess');

/** True in a component process (a worker's `[node, squall-topology.mjs]`), false where the bundle is only imported. */
export function isComponentProcess(): boolean {
  return (globalThis as Record<symbol, unknown>)[COMPONENT_PROCESS] === true;
}
