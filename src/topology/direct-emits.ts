import type { TopologySpec } from './spec.js';

/** A direct stream declared by a component whose emits go through Storm's multi-lang JSON reader. */
export interface MultilangDirectStream {
  component: string;
  stream: string;
}

/**
 * Direct streams of squall and shell components. Java components are left out: their emits never pass through
 * the multi-lang serializer, and direct emits from them work on every version.
 */
export function multilangDirectStreams(spec: TopologySpec): MultilangDirectStream[] {
  return spec.components
    .filter((component) => component.impl.type !== 'java')
    .flatMap((component) =>
      Object.entries(component.outputs)
        .filter(([, stream]) => stream.direct)
        .map(([stream]) => ({ component: component.id, stream })),
    );
}

/**
 * Whether a Storm release kills the worker on a multi-lang direct emit: from 2.6.0 on, Storm reads component JSON
 * with json-smart, which yields an Integer for a small `task`, and JsonSerializer.readShellMsg casts it to Long.
 * Undefined when the version text is not understood.
 */
export function directEmitsBreakOn(version: string): boolean | undefined {
  const match = /^(\d+)\.(\d+)\.\d+/.exec(version.trim());
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 2 || (major === 2 && minor >= 6);
}

/** What goes wrong, on which Storm, for which components, and what to do instead. */
export function directEmitProblem(streams: MultilangDirectStream[], version?: string): string {
  const which = streams.map((s) => `"${s.component}" (stream "${s.stream}")`).join(', ');
  const storm = version === undefined ? 'Storm 2.6.0 and later kill' : `Storm ${version} kills`;
  return (
    `${which} emit${streams.length === 1 ? 's' : ''} on a direct stream, and ${storm} the worker on a direct emit from a ` +
    'squall or shell component (JsonSerializer.readShellMsg casts the emit\'s "task" to Long, but its JSON parser ' +
    'gives an Integer: ClassCastException, then "Async loop died!"). Instead of a direct grouping, emit the target ' +
    'key as a field and subscribe with a fields grouping on it (as examples/streams does)'
  );
}
