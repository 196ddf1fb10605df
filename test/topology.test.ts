import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bolt, Spout } from '../src/index.js';
import { java, shell, Topology } from '../src/topology/builder.js';
import { validateTopology } from '../src/topology/validate.js';
import { assignTasks, handshakeContext } from '../src/runtime/assignment.js';

class S extends Spout {
  override nextTuple(): void {}
}
class B extends Bolt {
  override process(): void {}
}

function wordcount(name = 'wordcount') {
  const t = new Topology(name);
  const sentences = t.spout('sentences', S, { outputs: { default: ['sentence'] } });
  const split = t.bolt('split', B, { outputs: { default: ['word'] }, parallelism: 2, tasks: 4 }).shuffle(sentences);
  t.bolt('count', B, { outputs: { default: ['word', 'count'] } }).fields(split, ['word']);
  return { t, sentences, split };
}

describe('topology model', () => {
  it('accepts a valid topology', () => {
    assert.deepEqual(validateTopology(wordcount().t.toSpec()), []);
  });

  it('checks fields groupings at compile time', () => {
    const { t, split } = wordcount();
    // @ts-expect-error "sentence" is not a field of split's default stream
    t.bolt('bad', B).fields(split, ['sentence']);
    // @ts-expect-error split declares no "other" stream
    t.bolt('bad2', B).shuffle(split, 'other');
    // And at run time, where TypeScript cannot see (e.g. a JavaScript topology):
    assert.deepEqual(validateTopology(t.toSpec()), [
      'bolt "bad" groups "split"/"default" by field "sentence", which that stream does not declare (its fields: word)',
      'bolt "bad2" subscribes to stream "other" of "split", which declares only "default": declare it in "split" outputs or subscribe to another stream',
    ]);
  });

  it('refuses what Nimbus refuses, naming the component and the fix', () => {
    const t = new Topology('bad.name', { 'topology.workers': 'two', 'topology.debug': 'yes' });
    t.spout('__system2', S, { outputs: { __hidden: ['x'] } });
    t.bolt('dup', B, { parallelism: 0 });
    t.bolt('dup', B, { config: { 'topology.workers': 3 } });
    const orphan = { id: 'ghost', outputs: { default: ['x'] } } as const;
    t.bolt('lonely', B).shuffle(orphan);
    const direct = t.bolt('direct-src', B, { outputs: { d: { fields: ['x'], direct: true }, plain: ['x'] } });
    t.bolt('wrong-direct', B).shuffle(direct, 'd').direct(direct, 'plain');
    const problems = validateTopology(t.toSpec()).join('\n');
    for (const expected of [
      /topology name "bad.name" contains one of/,
      /"topology.workers" must be a whole number, got "two"/,
      /"topology.debug" must be true or false/,
      /spout "__system2": ids starting with "__" are reserved/,
      /stream "__hidden" starts with "__"/,
      /bolt "dup": parallelism must be a whole number of at least 1, got 0/,
      /bolt "dup": the id is used twice/,
      /bolt "dup" config: Storm ignores "topology.workers" in a component's config .* set it in the topology config instead/,
      /bolt "lonely" subscribes to "ghost", which is not a component/,
      /subscribes to direct stream "direct-src"\/"d" with a shuffle grouping: use direct\(\)/,
      /direct grouping on "direct-src"\/"plain", which is not declared direct/,
    ]) {
      assert.match(problems, expected);
    }
  });

  it('accepts per-component keys Storm keeps, refuses Storm keys it drops, passes user keys', () => {
    const t = new Topology('conf');
    t.spout('s', S, {
      config: { 'topology.max.spout.pending': 10, 'topology.tick.tuple.freq.secs': 5, 'topology.debug': true, 'squall.log.level': 'DEBUG', 'my.key': 1 },
    });
    t.bolt('b', B, { config: { 'topology.shellbolt.max.pending': 500, 'topology.subprocess.timeout.secs': 60 } });
    const problems = validateTopology(t.toSpec());
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /^bolt "b" config: Storm ignores "topology\.shellbolt\.max\.pending" in a component's config/);
    assert.match(problems[1]!, /^bolt "b" config: Storm ignores "topology\.subprocess\.timeout\.secs"/);
  });

  it('takes squall.encode.nested only as a boolean, and only for the whole topology', () => {
    const t = new Topology('nested-conf', { 'squall.encode.nested': 'no' });
    t.spout('s', S, { config: { 'squall.encode.nested': false } });
    assert.deepEqual(validateTopology(t.toSpec()), [
      'topology config: "squall.encode.nested" must be true or false, got "no"',
      'spout "s" config: "squall.encode.nested" must be the same for every component (a receiver reads its senders\' values by it); set it in the topology config instead',
    ]);
  });

  it('refuses a bolt subscribed twice to one stream of one component, and only that', () => {
    const { t, sentences, split } = wordcount();
    // Storm's inputs map holds one grouping per (component, stream): the second would replace the first.
    t.bolt('twice', B).shuffle(split).fields(split, ['word']);
    // Two streams of one component, or one stream name of two components, are two subscriptions Storm keeps.
    const streams = t.bolt('streams', B, { outputs: { default: ['word'], other: ['word'] } }).shuffle(sentences);
    t.bolt('apart', B).shuffle(streams).shuffle(streams, 'other').shuffle(split);
    assert.deepEqual(validateTopology(t.toSpec()), [
      'bolt "twice" subscribes twice to stream "default" of "split": Storm keeps one grouping per stream (the second would replace the first), so keep one subscription',
    ]);
  });

  it('needs a spout', () => {
    const t = new Topology('empty');
    t.bolt('b', B);
    assert.deepEqual(validateTopology(t.toSpec()), ['the topology has no spout: add one with t.spout(...)']);
  });

  it('declares shell and Java components as first-class', () => {
    const t = new Topology('mixed');
    const s = t.spout('kafka', java('org.apache.storm.kafka.spout.KafkaSpout', 'topic', 3), { outputs: { default: ['msg'] } });
    t.bolt('py', shell('python3', 'split.py'), { outputs: { default: ['word'] } }).shuffle(s);
    const spec = t.toSpec();
    assert.deepEqual(spec.components[0]!.impl, { type: 'java', className: 'org.apache.storm.kafka.spout.KafkaSpout', args: ['topic', 3] });
    assert.deepEqual(spec.components[1]!.impl, { type: 'shell', command: 'python3', script: 'split.py' });
    assert.deepEqual(spec.resources, ['split.py']);
  });

  it('builds the handshake context a worker would send', () => {
    const spec = wordcount().t.toSpec();
    const tasks = assignTasks(spec);
    // Components in id order: count 1, sentences 2, split 3-6 (4 tasks).
    assert.deepEqual([...tasks].map(([task, c]) => [task, c.id]), [
      [1, 'count'],
      [2, 'sentences'],
      [3, 'split'],
      [4, 'split'],
      [5, 'split'],
      [6, 'split'],
    ]);
    const context = handshakeContext(spec, tasks, 4);
    assert.equal(context.taskid, 4);
    assert.equal(context.componentid, 'split');
    assert.equal(context['task->component']['1'], 'count');
    assert.deepEqual(context['stream->outputfields'], { default: ['word'] });
    assert.deepEqual(context['stream->target->grouping'], { default: { count: { type: 'FIELDS', fields: ['word'] } } });
    assert.deepEqual(context['source->stream->grouping'], { sentences: { default: { type: 'SHUFFLE' } } });
    assert.deepEqual(context['source->stream->fields'], { sentences: { default: ['sentence'] } });
  });
});
