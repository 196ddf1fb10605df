import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterSummary, Grouping, RebalanceOptions, StreamInfo } from '../src/nimbus/schema.js';
import { ThriftReader, ThriftWriter, TType } from '../src/nimbus/thrift.js';

describe('nimbus schema table', () => {
  it('refuses to write a struct without a required field, naming it (Java would refuse the message)', () => {
    const w = new ThriftWriter();
    assert.throws(
      () => StreamInfo.write(w, { outputFields: ['word'] } as unknown as Parameters<typeof StreamInfo.write>[1]),
      /StreamInfo\.direct \(field 2\) is required by storm\.thrift but was not set/,
    );
  });

  it('writes only the optional fields that are set, under their IDL ids', () => {
    const w = new ThriftWriter();
    RebalanceOptions.write(w, { numExecutors: [['count', 3]] });
    const r = new ThriftReader(Buffer.from(w.finish()));
    const seen: number[] = [];
    r.readStruct((id, type) => {
      seen.push(id);
      assert.equal(type, TType.MAP);
      return false;
    });
    assert.deepEqual(seen, [3]);
  });

  it('reads back what it writes, a union by its one field', () => {
    const w = new ThriftWriter();
    Grouping.write(w, { fields: ['word'] });
    assert.deepEqual(Grouping.read(new ThriftReader(Buffer.from(w.finish()))).fields, ['word']);
  });

  it('skips fields it does not know or whose wire type differs, and reads absent ones as empty', () => {
    const w = new ThriftWriter();
    w.fieldBegin(TType.STRING, 2).string('deprecated nimbus_uptime_secs as a string'); // id known to Storm, not read
    w.fieldBegin(TType.I32, 3).i32(7); // topologies with the wrong wire type
    w.fieldBegin(TType.STRING, 99).string('a field from a newer Storm');
    w.fieldStop();
    assert.deepEqual(ClusterSummary.read(new ThriftReader(Buffer.from(w.finish()))), { supervisors: [], topologies: [], nimbuses: [] });
  });
});
