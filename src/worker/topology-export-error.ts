/**
 * The error a topology bundle throws when the user's module exports no Topology. It crosses a bundle boundary:
 * the bundle carries its own copy of this module, so its class is not the loader's and `instanceof` fails, and a
 * name string would match any error that happens to share it. The brand is a registered symbol (`Symbol.for`),
 * the same in every copy, so `isTopologyExportError` recognises the bundle's error and only it (as execa's
 * `isExecaError` does).
 */
const BRAND = Symbol.for('squall.TopologyExportError');

export class TopologyExportError extends Error {
  override readonly name = 'TopologyExportError';
  readonly [BRAND] = true;
}

/** Whether `err` is a TopologyExportError from any copy of squall (this process's or a bundle's). */
export function isTopologyExportError(err: unknown): err is TopologyExportError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}
