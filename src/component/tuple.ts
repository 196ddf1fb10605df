import { HEARTBEAT_STREAM, SYSTEM_COMPONENT, TICK_STREAM } from '../wire/messages.js';

/** The values of a tuple by field name. Declare it on your bolt (`Bolt<{ word: string }>`) to type `get`. */
export type Fields = Record<string, unknown>;

/**
 * A tuple received by a bolt. `id` is Storm's id string, used verbatim for acks and anchors.
 */
export class Tuple<F extends Fields = Fields> {
  constructor(
    /** Storm's id for this tuple. Anchors and acks must use exactly this string. */
    readonly id: string,
    /** The component that emitted it (`__system` for ticks). */
    readonly component: string,
    readonly stream: string,
    /** The task that emitted it (-1 for ticks). */
    readonly task: number,
    readonly values: unknown[],
    /** Field name → position, from the handshake's `source->stream->fields`. */
    private readonly index: ReadonlyMap<string, number> | undefined,
  ) {}

  /** A value by field name, as the source declared its output fields. */
  get<K extends keyof F & string>(field: K): F[K] {
    const at = this.index?.get(field);
    if (at === undefined) {
      const known = this.index ? [...this.index.keys()].join(', ') : 'none declared';
      throw new Error(
        `tuple from ${this.component}/${this.stream} has no field "${field}" (its fields: ${known}); ` +
          'use a field the source declares, or read tuple.values by position',
      );
    }
    return this.values[at] as F[K];
  }

  /** Field names, in order, when the source declared them. */
  get fields(): string[] {
    return this.index ? [...this.index.keys()] : [];
  }

  /** The values as an object keyed by field name. */
  toObject(): F {
    const out: Record<string, unknown> = {};
    if (this.index) for (const [field, at] of this.index) out[field] = this.values[at];
    return out as F;
  }

  /** True for Storm's tick tuples (`__system`/`__tick`). */
  get isTick(): boolean {
    return isTick(this.component, this.stream);
  }
}

export function isTick(component: string | null, stream: string): boolean {
  return stream === TICK_STREAM && component === SYSTEM_COMPONENT;
}

export function isHeartbeat(stream: string, task: number): boolean {
  return task === -1 && stream === HEARTBEAT_STREAM;
}
