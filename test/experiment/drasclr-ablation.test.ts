/**
 * The DrasCLR ablation experiment on tiny lung CT phantoms (10 subjects, 4 mm, 8³ patches, a 3-layer encoder, one
 * epoch): the variants of paper Tables 6 and 8 (+ the random floor) are trained once each into their own folders,
 * share one preparation cache, produce the two markdown tables and the JSON; a second call trains nothing; bad
 * configs name the field. The readout statistics themselves are tested in test/eval/outcomes.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ablationVariants,
  parseDrasclrAblationConfig,
  runDrasclrAblation,
  type DrasclrAblationInput,
} from '../../src/experiment/drasclr-ablation.js';
import { tinyLungCtPretrain, writeTinyLungCt } from '../train/tiny-drasclr.js';

test('ablationVariants: Table 6 rows at the reference ℓ, Table 8 rows with the reference conditioning, the reference once', () => {
  const cfg = parseDrasclrAblationConfig({ kind: 'drasclr-ablation', data: 'm.json', out: 'o' });
  const v = ablationVariants(cfg);
  assert.deepEqual(
    v.map((x) => x.name),
    [
      'random-init',
      'none-l2',
      'concat-features-l2',
      'loc-condconv-l2',
      'loc-condconv-l0',
      'loc-condconv-l1',
      'loc-condconv-l3',
    ],
  );
  assert.deepEqual(v.find((x) => x.name === 'loc-condconv-l2')!.tables, ['conditioning', 'neighbours']);
  assert.equal(v[0]!.pretrained, false);
  assert.throws(
    () => parseDrasclrAblationConfig({ kind: 'drasclr-ablation', data: 'm.json', out: 'o', conditionings: ['cond'] }),
    /conditionings\.0/,
  );
  assert.throws(
    () =>
      parseDrasclrAblationConfig({ kind: 'drasclr-ablation', data: 'm.json', out: 'o', pretrain: { neighbours: 1 } }),
    /pretrain\.neighbours is set by the ablation/,
  );
  assert.throws(() => parseDrasclrAblationConfig({ kind: 'drasclr-ablation', out: 'o' }), /data/);
});

test('runDrasclrAblation on tiny lung CT phantoms: tables, per-variant runs, one shared cache, resumable', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-ablation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input: DrasclrAblationInput = {
    kind: 'drasclr-ablation',
    data: await writeTinyLungCt(dir, 1, 10),
    out: path.join(dir, 'out'),
    conditionings: ['none', 'loc-condconv'],
    neighbours: [0, 2],
    folds: 2,
    pretrain: tinyLungCtPretrain(4),
  };
  const lines: string[] = [];
  const r = await runDrasclrAblation(input, { log: (l) => lines.push(l) });
  assert.deepEqual(
    r.rows.map((x) => x.name),
    ['random-init', 'none-l2', 'loc-condconv-l2', 'loc-condconv-l0'],
  );
  for (const name of ['none-l2', 'loc-condconv-l2', 'loc-condconv-l0']) {
    const cfg = JSON.parse(readFileSync(path.join(r.out, 'variants', name, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(cfg['conditioning'], name.split('-l')[0]);
    assert.equal(cfg['neighbours'], Number(name.split('-l')[1]));
    assert.ok(existsSync(path.join(r.out, 'variants', name, 'encoder.safetensors')));
    assert.ok(existsSync(path.join(r.out, 'variants', name, 'outcomes.md')));
    // no variant has a cache of its own: they share OUT/cache
    assert.ok(!existsSync(path.join(r.out, 'variants', name, 'cache')));
  }
  assert.ok(readdirSync(path.join(r.out, 'cache')).length > 0);
  const md = readFileSync(path.join(r.out, 'ablation.md'), 'utf8');
  assert.match(md, /## Anatomical location \(paper Table 6; ℓ = 2\)/);
  assert.match(md, /## Neighbouring landmarks ℓ \(paper Table 8; loc-condconv\)/);
  assert.match(md, /\| log\(score\) R²/);
  assert.match(md, /\| ℓ = 0 \|/);
  assert.match(md, /\| random init \(no pre-training\) \|/);
  const json = JSON.parse(readFileSync(path.join(r.out, 'ablation.json'), 'utf8')) as {
    rows: { name: string; outcomes: { metrics: { mean: number | null; std: number | null; count: number }[] }[] }[];
  };
  assert.equal(json.rows.length, 4);
  for (const row of json.rows)
    for (const o of row.outcomes)
      for (const m of o.metrics)
        assert.ok(m.mean === null ? m.count === 0 && m.std === null : Number.isFinite(m.mean) && m.std! >= 0);
  // the first metric (R² of log score) exists for every variant: 10 subjects, 2 folds
  for (const row of json.rows) assert.ok(row.outcomes[0]!.metrics[0]!.mean !== null, row.name);

  // a second call trains nothing and gives the same table
  const again = await runDrasclrAblation(input, { log: () => {} });
  assert.ok(again.rows.every((x) => x.seconds === 0));
  assert.equal(again.markdown, r.markdown);
});

test('a second ablation into the same folder while the first runs is refused, naming the holder; then released', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-ablation-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input: DrasclrAblationInput = {
    kind: 'drasclr-ablation',
    data: path.join(dir, 'missing', 'manifest.json'),
    out: path.join(dir, 'out'),
    conditionings: ['none'],
    neighbours: [0],
    randomBaseline: false,
  };
  // the first ablation locks OUT before its first await, and fails later (its manifest does not exist)
  const first = runDrasclrAblation(input, { log: () => {} });
  await assert.rejects(
    runDrasclrAblation(input, { log: () => {} }),
    new RegExp(
      `${path.join(dir, 'out')} is in use by run pid ${process.pid} on .*: two runs must not write into one folder`,
    ),
  );
  await assert.rejects(first, /manifest\.json/);
  // released when the first ended: a third run gets past the lock (and fails on the manifest too)
  await assert.rejects(runDrasclrAblation(input, { log: () => {} }), (e: Error) => !/is in use/.test(e.message));
});

test('an ablation folder held by another process is refused, naming the folder and the holder', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-ablation-held-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'out');
  const mod = fileURLToPath(new URL('../../src/train/run-lock.js', import.meta.url));
  const code =
    `import { mkdirSync } from 'node:fs'; mkdirSync(${JSON.stringify(out)}, { recursive: true }); ` +
    `const { lockRunFolder } = await import(${JSON.stringify(mod)}); lockRunFolder(${JSON.stringify(out)}); ` +
    `process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
  try {
    await assert.rejects(
      runDrasclrAblation({ kind: 'drasclr-ablation', data: path.join(dir, 'm.json'), out }, { log: () => {} }),
      new RegExp(`${out} is in use by run pid ${child.pid} on `),
    );
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
});
