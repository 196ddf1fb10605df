import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import ndjson from 'ndjson';
import { ReliableSpout } from 'squall';
import type { Conf, MessageId, TopologyContext } from 'squall';

/** The fields each record is emitted with, in order; the topology declares the same list. */
export const RECORD_FIELDS = ['id', 'customer', 'amount', 'paid', 'coupon', 'tags'] as const;

type Flat = string | number | boolean | null;

/**
 * Replays the records of an NDJSON file into the topology, once each, reliably (the record's id is the message
 * id; a failed record is re-emitted by ReliableSpout).
 */
export class RecordSpout extends ReliableSpout {
  private records: Flat[][] = [];
  private next = 0;
  private acked = 0;

  /** Reads the whole file before the first nextTuple: the SDK waits for an async initialize. */
  override async initialize(conf: Conf, context: TopologyContext): Promise<void> {
    await super.initialize(conf, context);
    const file = String(conf['ndjson.file'] ?? 'data/orders.ndjson');
    // Relative to the working directory: the topology's folder under `squall run`, resources/ on a cluster. Both
    // hold the file because the topology lists it with topology.resource().
    const path = resolve(file);
    const parser = createReadStream(path).pipe(ndjson.parse());
    for await (const record of parser as AsyncIterable<Record<string, unknown>>) this.records.push(flatten(record));
    this.logger.info(`read ${this.records.length} records from ${file}`);
  }

  override nextTuple(): void {
    const values = this.records[this.next++];
    if (values === undefined) return;
    this.emitReliable(values, { id: String(values[0]) });
  }

  override onAck(): void {
    if (++this.acked === this.records.length) this.logger.info(`all ${this.acked} records acked`);
  }

  override onGiveUp(id: MessageId, _values: unknown[], retries: number): void {
    this.logger.warn(`record ${String(id)} dropped after ${retries} replays`);
  }
}

/**
 * One value per declared field, each flat: Storm's default serialization cannot carry nested objects or arrays,
 * so those travel as JSON text, and a missing field becomes null.
 */
function flatten(record: Record<string, unknown>): Flat[] {
  return RECORD_FIELDS.map((field) => {
    const value = record[field];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    return JSON.stringify(value);
  });
}
