import { withTopology } from '../packaging/load.js';
import type { TopologySpec } from '../topology/spec.js';

/**
 * The topology a command is about: the NAME given, or else the name of the project's topology (as streamparse takes
 * the only one in topologies/). A topology's name is set in its code, so without NAME this bundles and loads the
 * whole project (as `squall run` does) just to read it, and returns the spec it built too.
 */
/** The project's topology: its graph says where tuples go, which a Storm UI does not (doctor and ui read it). */
export async function projectTopology(target: string, command: string): Promise<TopologySpec> {
  try {
    return await withTopology(target, {}, ({ spec }) => spec);
  } catch (err) {
    throw needsProject(command, (err as Error).message);
  }
}

/** Why `squall COMMAND` stops without the project, and how to give it one. */
export function needsProject(command: string, why: string): Error {
  return new Error(`squall ${command} needs the topology's project for its groupings: run it in the project folder or pass --topology PATH (${why})`);
}

export async function targetTopology(name: string | undefined): Promise<{ name: string; spec?: TopologySpec }> {
  if (name) return { name };
  try {
    return await withTopology('.', {}, ({ spec }) => ({ name: spec.name, spec }));
  } catch (err) {
    throw new Error(`give the topology NAME, or run this in a project with one topology (${(err as Error).message})`);
  }
}
