/** parseConfig: the one validation of every config: every problem listed, each naming the source and the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { configTitle, fieldPath, issueLines, parseConfig } from '../../src/util/parse-config.js';

const schema = z
  .strictObject({
    name: z.string(),
    encoder: z.strictObject({ widths: z.array(z.number().int().positive()).min(1) }),
    lr: z.number().positive().default(0.1),
  })
  .superRefine((c, ctx) => {
    if (c.name === 'x') ctx.addIssue({ code: 'custom', path: [], message: 'name x is reserved' });
  })
  .meta({ title: 'toy configuration' });

test('fieldPath: dots between keys, brackets around indices (or dots), (root) for the empty path', () => {
  assert.equal(fieldPath(['encoder', 'widths', 1]), 'encoder.widths[1]');
  assert.equal(fieldPath(['encoder', 'widths', 1], 'dotted'), 'encoder.widths.1');
  assert.equal(fieldPath([0, 'a']), '[0].a');
  assert.equal(fieldPath([]), '(root)');
});

test('parseConfig: the parsed value (defaults applied) when valid', () => {
  assert.deepEqual(parseConfig(schema, { name: 'a', encoder: { widths: [4] } }, 'c.json'), {
    name: 'a',
    encoder: { widths: [4] },
    lr: 0.1,
  });
});

test('parseConfig: one error naming the schema title, the source and every field', () => {
  assert.throws(
    () => parseConfig(schema, { encoder: { widths: [4, -1], depth: 2 }, lr: 0 }, 'runs/a/config.json'),
    (e: Error) => {
      const lines = e.message.split('\n');
      assert.equal(lines[0], 'invalid toy configuration:');
      assert.ok(lines.includes('  runs/a/config.json: name: required'), e.message);
      assert.ok(lines.includes('  runs/a/config.json: encoder.depth: unknown field'), e.message);
      assert.ok(
        lines.some((l) => l.startsWith('  runs/a/config.json: encoder.widths.1: ')),
        e.message,
      );
      assert.ok(
        lines.some((l) => l.startsWith('  runs/a/config.json: lr: ')),
        e.message,
      );
      assert.equal(lines.length, 5);
      return true;
    },
  );
  // a check over the whole object has no field: its message alone
  assert.throws(
    () => parseConfig(schema, { name: 'x', encoder: { widths: [1] } }),
    (e: Error) => e.message === 'invalid toy configuration:\n  config: name x is reserved',
  );
});

test('parseConfig: a merged source names each top-level field by where it came from', () => {
  const fields = { name: '--name', lr: 'ft.json: lr' };
  assert.throws(
    () => parseConfig(schema, { encoder: { widths: [] }, lr: -1 }, { heading: 'cmd: invalid options', fields }),
    (e: Error) => {
      const lines = e.message.split('\n');
      assert.equal(lines[0], 'cmd: invalid options:');
      assert.ok(lines.includes('  --name: required'), e.message);
      assert.ok(
        lines.some((l) => l.startsWith('  ft.json: lr: ')),
        e.message,
      );
      assert.ok(
        lines.some((l) => l.startsWith('  encoder.widths: ')),
        e.message,
      );
      return true;
    },
  );
});

test('configTitle: the title metadata, else "configuration"; issueLines without a source', () => {
  assert.equal(configTitle(schema), 'toy configuration');
  assert.equal(configTitle(z.object({})), 'configuration');
  const r = z.object({ a: z.array(z.string()) }).safeParse({ a: ['x', 2] });
  assert.ok(!r.success);
  assert.deepEqual(issueLines(r.error.issues), ['a[1]: Invalid input: expected string, received number']);
  assert.deepEqual(issueLines(r.error.issues, { a: '--a' }), [
    '--a [1]: Invalid input: expected string, received number',
  ]);
});
