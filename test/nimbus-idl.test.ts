/**
 * nimbus/schema.ts against Storm's own IDL: test/fixtures/storm-thrift/storm.thrift is a copy of the field lists of
 * storm-client/src/storm.thrift (v2.8.8) for what squall speaks. It is parsed here, independently of schema.ts, and
 * every field and method squall encodes or decodes must have the IDL's id, type and requiredness; every struct
 * squall writes must carry each field the IDL requires (Java refuses a message without one).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as schema from '../src/nimbus/schema.js';
import type { Field, StructType, ThriftType } from '../src/nimbus/schema.js';
import { SOURCE_FIXTURES } from './helpers/driver.js';

interface IdlField {
  id: number;
  requiredness: 'required' | 'optional' | 'default';
  type: string;
  name: string;
}
interface IdlStruct {
  kind: 'struct' | 'union' | 'exception';
  fields: IdlField[];
}
interface IdlMethod {
  returns: string;
  args: IdlField[];
  throws: IdlField[];
}
interface Idl {
  structs: Map<string, IdlStruct>;
  enums: Set<string>;
  methods: Map<string, IdlMethod>;
}

/** `1: required map<string, i32> num_executors = …` (the separator after the name is optional). */
function parseField(text: string): IdlField {
  const match = /^(\d+)\s*:\s*(?:(required|optional)\s+)?(.+?)\s+(\w+)\s*(?:=.*)?$/.exec(text.trim().replace(/[;,]$/, '').trim());
  assert.ok(match, `not an IDL field: ${text}`);
  return { id: Number(match[1]), requiredness: (match[2] as 'required' | 'optional' | undefined) ?? 'default', type: match[3]!.replace(/\s+/g, ''), name: match[4]! };
}

/** Split a parameter list at top-level commas (types such as map<string, i32> hold commas of their own). */
function splitParams(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '<') depth++;
    if (ch === '>') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current);
  return out.map((p) => p.trim()).filter(Boolean);
}

function parseIdl(source: string): Idl {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(\/\/|#).*$/gm, '');
  const structs = new Map<string, IdlStruct>();
  for (const m of text.matchAll(/\b(struct|union|exception)\s+(\w+)\s*\{([^}]*)\}/g)) {
    const fields = m[3]!.split('\n').map((l) => l.trim()).filter(Boolean).map(parseField);
    structs.set(m[2]!, { kind: m[1] as IdlStruct['kind'], fields });
  }
  const enums = new Set([...text.matchAll(/\benum\s+(\w+)\s*\{/g)].map((m) => m[1]!));
  const methods = new Map<string, IdlMethod>();
  const service = /\bservice\s+Nimbus\s*\{([\s\S]*)\}/.exec(text);
  assert.ok(service, 'service Nimbus');
  for (const m of service[1]!.matchAll(/([\w<>, ]+?)\s+(\w+)\s*\(([^)]*)\)\s*(?:throws\s*\(([^)]*)\))?\s*;/g)) {
    methods.set(m[2]!, { returns: m[1]!.trim().replace(/\s+/g, ''), args: splitParams(m[3]!).map(parseField), throws: splitParams(m[4] ?? '').map(parseField) });
  }
  return { structs, enums, methods };
}

const IDL = parseIdl(readFileSync(join(SOURCE_FIXTURES, 'storm-thrift', 'storm.thrift'), 'utf8'));

/** The IDL type as schema.ts spells it: an enum travels as i32; whitespace does not count. */
function idlType(type: string): string {
  return type.replace(/\w+/g, (word) => (IDL.enums.has(word) ? 'i32' : word)).replace(/\s+/g, '');
}

/** A schema type's IDL spelling, without whitespace. */
const ours = (type: ThriftType<unknown, unknown>) => type.idl.replace(/\s+/g, '');

/** IDL names are snake_case or camelCase; squall's are camelCase. Where squall renamed a field, it says so here. */
const RENAMED: Record<string, string> = { 'SupervisorSummary.id': 'supervisor_id' };
const comparable = (name: string) => name.replace(/_/g, '').toLowerCase();

type AnyStruct = StructType<Record<string, Field<unknown, unknown, boolean>>>;
const structs = Object.values(schema).filter((v): v is AnyStruct => typeof v === 'object' && v !== null && 'fields' in v && 'idl' in v);

describe('nimbus/schema.ts against storm.thrift', () => {
  it('parses the IDL copy (a guard for the parser itself)', () => {
    assert.deepEqual(
      IDL.structs.get('RebalanceOptions')!.fields.map((f) => [f.id, f.requiredness, f.type, f.name]),
      [
        [1, 'optional', 'i32', 'wait_secs'],
        [2, 'optional', 'i32', 'num_workers'],
        [3, 'optional', 'map<string,i32>', 'num_executors'],
        [4, 'optional', 'map<string,map<string,double>>', 'topology_resources_overrides'],
        [5, 'optional', 'string', 'topology_conf_overrides'],
        [6, 'optional', 'string', 'principal'],
      ],
    );
    assert.equal(IDL.structs.get('SupervisorSummary')!.fields.find((f) => f.id === 6)!.name, 'version');
    assert.deepEqual(IDL.methods.get('rebalance')!.throws.map((f) => [f.id, f.type]), [
      [1, 'NotAliveException'],
      [2, 'InvalidTopologyException'],
      [3, 'AuthorizationException'],
    ]);
    assert.ok(structs.length >= 20, `schema structs found: ${structs.length}`);
  });

  it('every struct field: the IDL id, type and requiredness', () => {
    const problems: string[] = [];
    for (const struct of structs) {
      if (struct.name === 'TApplicationException') continue; // Thrift's own, not storm.thrift's
      const idlNames = struct.name === 'NimbusException' ? ['AlreadyAliveException', 'InvalidTopologyException', 'NotAliveException', 'AuthorizationException'] : [struct.name];
      for (const idlName of idlNames) {
        const idl = IDL.structs.get(idlName);
        if (!idl) {
          problems.push(`${struct.name}: not in storm.thrift`);
          continue;
        }
        for (const [key, field] of Object.entries(struct.fields)) {
          const declared = idl.fields.find((f) => f.id === field.id);
          const where = `${idlName}.${key} (field ${field.id})`;
          if (!declared) {
            problems.push(`${where}: storm.thrift has no field ${field.id}`);
            continue;
          }
          if (comparable(RENAMED[`${struct.name}.${key}`] ?? key) !== comparable(declared.name)) problems.push(`${where}: storm.thrift calls field ${field.id} ${declared.name}`);
          if (idlType(declared.type) !== ours(field.type)) problems.push(`${where}: ${field.type.idl} where storm.thrift has ${declared.type}`);
          // A union's fields are all optional; Java's reader refuses a message only without a `required` field.
          if (field.required !== (declared.requiredness === 'required')) problems.push(`${where}: required=${field.required} where storm.thrift says ${declared.requiredness}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('every struct squall writes carries each field the IDL requires', () => {
    const byName = new Map(structs.map((s) => [s.name, s]));
    // What squall writes: the arguments of the methods it calls, and everything inside them.
    const written = new Set<string>();
    const visit = (type: string) => {
      for (const word of type.match(/\w+/g) ?? []) {
        const struct = byName.get(word);
        if (!struct || written.has(word)) continue;
        written.add(word);
        for (const field of Object.values(struct.fields)) visit(field.type.idl);
      }
    };
    for (const method of Object.values(schema.Nimbus)) for (const field of Object.values(method.args.fields)) visit((field as Field<unknown, unknown, boolean>).type.idl);
    assert.ok(written.has('StormTopology') && written.has('GlobalStreamId') && written.has('RebalanceOptions'), [...written].join(', '));
    const missing = [...written].flatMap((name) =>
      IDL.structs
        .get(name)!
        .fields.filter((f) => f.requiredness === 'required' && !Object.values(byName.get(name)!.fields).some((x) => x.id === f.id))
        .map((f) => `${name}.${f.name} (field ${f.id})`),
    );
    assert.deepEqual(missing, []);
  });

  it('every Nimbus method: its arguments, return type and declared exceptions', () => {
    const problems: string[] = [];
    for (const method of Object.values(schema.Nimbus)) {
      const idl = IDL.methods.get(method.name);
      if (!idl) {
        problems.push(`${method.name}: not a method of service Nimbus`);
        continue;
      }
      const args = Object.entries(method.args.fields as Record<string, Field<unknown, unknown, boolean>>);
      if (args.length !== idl.args.length) problems.push(`${method.name}: ${args.length} arguments where storm.thrift has ${idl.args.length}`);
      for (const [key, field] of args) {
        const declared = idl.args.find((a) => a.id === field.id);
        if (!declared) problems.push(`${method.name}(${key}): storm.thrift has no argument ${field.id}`);
        else if (idlType(declared.type) !== ours(field.type) || comparable(key) !== comparable(declared.name)) {
          problems.push(`${method.name}: argument ${field.id} is ${field.type.idl} ${key} where storm.thrift has ${declared.type} ${declared.name}`);
        }
      }
      const returns = method.returns === undefined ? 'void' : ours(method.returns);
      if (returns !== idlType(idl.returns)) problems.push(`${method.name}: returns ${returns} where storm.thrift has ${idl.returns}`);
      const throws = Object.fromEntries(idl.throws.map((t) => [t.id, t.type]));
      const declared = Object.fromEntries(Object.entries(method.throws).map(([id, name]) => [Number(id), `${name}Exception`]));
      if (JSON.stringify(declared) !== JSON.stringify(throws)) problems.push(`${method.name}: throws ${JSON.stringify(declared)} where storm.thrift has ${JSON.stringify(throws)}`);
    }
    assert.deepEqual(problems, []);
  });
});
