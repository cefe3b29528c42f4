/**
 * The layer rule of docs/architecture.md, checked on src/'s import graph: no import from a lower layer to a higher
 * one, no file outside the layers, no cycle between layers (methods/ and train/ in particular: train/ may import
 * methods/, never the reverse). The checker itself is tested first, on small synthetic graphs with known arrows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LAYERS,
  describeViolations,
  importGraph,
  layerCycles,
  layerOf,
  layerViolations,
  type ImportEdge,
} from './import-graph.js';

/** src/ of this checkout (the compiled test runs from .build/test/architecture) */
function srcDir(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src', 'index.ts')))
      return path.join(dir, 'src');
  }
  throw new Error('no src/ above the test');
}

test('layerOf: the folder, the nested eval/metrics layer, the root index; unknown folders have none', () => {
  assert.equal(layerOf('engine/nn/linear.ts'), 'engine');
  assert.equal(layerOf('eval/metrics/dice.ts'), 'eval/metrics');
  assert.equal(layerOf('eval/protocol/kfold.ts'), 'eval');
  assert.equal(layerOf('index.ts'), 'index');
  assert.equal(layerOf('drasclr/prepare.ts'), null);
  assert.ok(LAYERS.indexOf('methods') < LAYERS.indexOf('train'));
  assert.ok(LAYERS.indexOf('eval/metrics') < LAYERS.indexOf('methods'));
});

test('the checker catches a back-arrow, a file outside the layers and a cycle on a synthetic graph', () => {
  const layers = ['a', 'b', 'c'];
  const edges: ImportEdge[] = [
    { from: 'b/x.ts', to: 'a/y.ts' }, // down: allowed
    { from: 'c/z.ts', to: 'c/w.ts' }, // within a layer: allowed
    { from: 'a/y.ts', to: 'c/z.ts' }, // up: a back-arrow
    { from: 'b/x.ts', to: 'd/q.ts' }, // d is no layer
  ];
  const v = layerViolations(edges, layers);
  assert.deepEqual(
    v.map((e) => [e.from, e.to, e.why]),
    [
      ['a/y.ts', 'c/z.ts', 'upward'],
      ['b/x.ts', 'd/q.ts', 'outside-layers'],
    ],
  );
  assert.match(describeViolations(v), /a\/y\.ts \(a\) imports c\/z\.ts \(c\), a layer above it/);
  // a -> c -> b -> a is one cycle of three layers; the downward edges alone make none
  assert.deepEqual(layerCycles([...edges, { from: 'c/z.ts', to: 'b/x.ts' }], layers), [['a', 'b', 'c']]);
  assert.deepEqual(layerCycles(edges.slice(0, 2), layers), []);
  // two layers importing each other, as methods/ and train/ once did
  const mutual = [
    { from: 'methods/m.ts', to: 'train/t.ts' },
    { from: 'train/t.ts', to: 'methods/m.ts' },
  ];
  assert.deepEqual(layerCycles(mutual), [['methods', 'train']]);
  assert.equal(layerViolations(mutual).length, 1);
});

test('importGraph reads value, type, re-export and dynamic imports, resolved to files', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-layers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'a'));
  mkdirSync(path.join(dir, 'b', 'deep'), { recursive: true });
  writeFileSync(
    path.join(dir, 'a', 'x.ts'),
    [
      "import { v } from '../b/v.js';",
      "import type { T } from '../b/deep/t.js';",
      "export * from './y.js';",
      "export async function f() { return import('../b/dyn.js'); }",
      "import 'node:fs';",
      'export const w: T = v;',
    ].join('\n'),
  );
  const edges = importGraph(dir);
  assert.deepEqual(edges.map((e) => `${e.from} -> ${e.to}`).sort(), [
    'a/x.ts -> a/y.ts',
    'a/x.ts -> b/deep/t.ts',
    'a/x.ts -> b/dyn.ts',
    'a/x.ts -> b/v.ts',
  ]);
  assert.ok(importGraph(srcDir()).length > 500);
});

test('src/: no import goes up a layer, every file is in a layer, no layers import each other', () => {
  const edges = importGraph(srcDir());
  const v = layerViolations(edges);
  assert.equal(v.length, 0, `imports against the layers (docs/architecture.md):\n${describeViolations(v)}`);
  assert.deepEqual(layerCycles(edges), [], 'layers that import each other');
});
