/**
 * Finished cells are reused only with the settings that made them: a rerun with another fine-tuning lr is refused
 * naming the field; adding a budget reuses the finished cell; --restart recomputes with the old outputs moved aside.
 * Loading in other threads (loaderWorkers) changes no Dice and reuses the finished cell; the pre-training config's
 * loading settings are no part of a cell's identity (nor of a shared run's key), and a hash of an earlier version
 * that counted them still matches. A diverged cell (lr 1e6) is recorded in failed.jsonl, never in results.jsonl; a
 * folder held by another process is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExperiment, type CellRecord } from '../../src/experiment/experiment.js';
import { cellIdentity, checkCellConfigs } from '../../src/experiment/cell-config.js';
import { sharedRunKey } from '../../src/experiment/pretrain-cache.js';
import { planExperiment } from '../../src/experiment/plan.js';
import { configIdentity } from '../../src/train/run-config.js';
import type { ExperimentInput } from '../../src/experiment/config.js';
import { smallPhantoms, tempDir } from '../methods/fixtures.js';
import { readJsonl } from './helpers.js';

async function input(out: string, finetune: Record<string, unknown> = {}): Promise<ExperimentInput> {
  const { xray } = await smallPhantoms();
  return {
    data: xray,
    out,
    size: 32,
    methods: ['random'],
    budgets: [1],
    folds: 2,
    runFolds: 1,
    tsne: false,
    overlays: 0,
    finetune: { epochs: 1, batchSize: 8, ...finetune },
    cacheDir: join(out, '.cache'),
  };
}

test('cells are reused only with the same settings; --restart recomputes; adding a budget reuses', async () => {
  const out = tempDir('medcl-exp-hash-');
  const quiet = { log: () => {}, progress: 'quiet' as const };
  await runExperiment(await input(out), quiet);
  const first = readJsonl(join(out, 'results.jsonl'));
  assert.equal(first.length, 1);
  assert.match(String(first[0]!.configHash), /^[0-9a-f]{64}$/);

  await assert.rejects(
    runExperiment(await input(out, { lr: 1e-3 }), quiet),
    /1 finished cell\(s\) of random in results\.jsonl were computed with other settings .*different finetune\.lr \(0\.00005 vs 0\.001\).*--restart/,
  );
  // adding a budget does not change the finished cell: it is reused, only M=all is computed
  const lines: string[] = [];
  await runExperiment({ ...(await input(out)), budgets: [1, 'all'] }, { ...quiet, log: (l) => lines.push(l) });
  assert.deepEqual(
    lines.filter((l) => /fine-tuning random/.test(l)).map((l) => /M=(\w+)/.exec(l)![1]),
    ['all'],
  );
  assert.equal(readJsonl(join(out, 'results.jsonl')).length, 2);

  // --restart: the old outputs move to previous/<time>/, every cell is recomputed with the new settings
  await runExperiment(await input(out, { lr: 1e-3 }), { ...quiet, restart: true });
  const prev = readdirSync(join(out, 'previous'));
  assert.equal(prev.length, 1);
  assert.equal(readJsonl(join(out, 'previous', prev[0]!, 'results.jsonl')).length, 2);
  const now = readJsonl(join(out, 'results.jsonl'));
  assert.equal(now.length, 1);
  assert.notEqual(now[0]!.configHash, first[0]!.configHash);
});

test('loaderWorkers changes no number and no cell: 0 and 2 threads give the same Dice per case; a resume with another count reuses the cells', async () => {
  const run = async (out: string, loaderWorkers: number) => {
    const lines: string[] = [];
    await runExperiment({ ...(await input(out)), loaderWorkers }, { log: (l) => lines.push(l), progress: 'quiet' });
    return lines;
  };
  const [a, b] = [tempDir('medcl-exp-lw0-'), tempDir('medcl-exp-lw2-')];
  assert.ok((await run(a, 0)).some((l) => /reading .* \(in the main thread\)$/.test(l)));
  assert.ok((await run(b, 2)).some((l) => /reading .* \(in 2 loader threads\)$/.test(l)));
  const ra = readJsonl(join(a, 'results.jsonl'));
  const rb = readJsonl(join(b, 'results.jsonl'));
  assert.equal(ra.length, 1);
  assert.ok(ra[0]!.cases.length > 0);
  assert.deepEqual(rb[0]!.cases, ra[0]!.cases, 'Dice per case');
  assert.deepEqual(rb[0]!.values, ra[0]!.values);
  assert.equal(rb[0]!.configHash, ra[0]!.configHash, 'loaderWorkers is no part of the cell identity');
  // the experiment in `a` resumed with 2 threads: its cell is reused, nothing is fine-tuned again
  const text = readFileSync(join(a, 'results.jsonl'), 'utf8');
  const again = await run(a, 2);
  assert.deepEqual(
    again.filter((l) => /fine-tuning/.test(l)),
    [],
  );
  assert.equal(readFileSync(join(a, 'results.jsonl'), 'utf8'), text);
});

test("the pre-training config's loading settings are no part of a cell's identity or a shared run's key", async () => {
  const { xray } = await smallPhantoms();
  const out = tempDir('medcl-exp-loading-');
  const plan = (pretrain: Record<string, unknown>) =>
    planExperiment({ data: xray, out, size: 32, methods: ['simclr'], folds: 2, pretrain: { epochs: 1, ...pretrain } });
  const plain = plan({});
  const loading = [plan({ loaderWorkers: 1, loaderCacheMiB: 64 }), plan({ loaderWorkers: 3 })];
  const id = cellIdentity(plain, 'simclr');
  const key = sharedRunKey(plain.pretrain.get('simclr')!, 'manifest');
  for (const p of loading) {
    assert.equal(cellIdentity(p, 'simclr').hash, id.hash);
    assert.equal(sharedRunKey(p.pretrain.get('simclr')!, 'manifest'), key);
  }
  assert.notEqual(cellIdentity(plan({ epochs: 2 }), 'simclr').hash, id.hash, 'a setting that counts');

  // a cell hashed by an earlier version, which counted pretrain.loaderWorkers, is still the same cell
  const pretrain = id.fields['pretrain'] as Record<string, unknown>;
  const earlier = { ...id.fields, pretrain: { ...pretrain, loaderWorkers: 1 } };
  const other = { ...id.fields, pretrain: { ...pretrain, loaderWorkers: 1, epochs: 2 } };
  const [hEarlier, hOther] = [earlier, other].map((f) => configIdentity(f, { mayChange: [] }).hash);
  assert.notEqual(hEarlier, id.hash);
  writeFileSync(join(out, 'cell-configs.json'), JSON.stringify({ [hEarlier!]: earlier, [hOther!]: other }));
  const record = (configHash: string) => ({ method: 'simclr', M: 1, fold: 0, configHash }) as CellRecord;
  assert.doesNotThrow(() => checkCellConfigs(plain, out, [record(hEarlier!)]));
  assert.throws(() => checkCellConfigs(plain, out, [record(hOther!)]), /different pretrain\.epochs \(2 vs 1\)/);
});

test('a diverged cell (fine-tuning lr 1e6) is recorded as failed and never as a result', async () => {
  const out = tempDir('medcl-exp-fail-');
  await assert.rejects(
    runExperiment(await input(out, { lr: 1e6 }), { log: () => {}, progress: 'quiet' }),
    /experiment: cell random M=1 fold 0 failed and has no result \(recorded in .*failed\.jsonl\): finetune diverged|loss became/,
  );
  assert.equal(existsSync(join(out, 'results.jsonl')) ? readJsonl(join(out, 'results.jsonl')).length : 0, 0);
  const failed = readFileSync(join(out, 'failed.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(failed.length, 1);
  assert.equal(failed[0].method, 'random');
  assert.match(failed[0].reason, /diverged|loss became/);
  assert.ok(!existsSync(join(out, 'table.md')), 'no table from a failed experiment');
});

test('an experiment folder held by another process is refused, naming the folder and the holder', async () => {
  const out = tempDir('medcl-exp-lock-');
  const mod = fileURLToPath(new URL('../../src/train/run-lock.js', import.meta.url));
  const code = `const { lockRunFolder } = await import(${JSON.stringify(mod)}); lockRunFolder(${JSON.stringify(out)}); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
  try {
    await assert.rejects(
      runExperiment(await input(out), { log: () => {}, progress: 'quiet' }),
      new RegExp(`${out} is in use by run pid ${child.pid} on `),
    );
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
});
