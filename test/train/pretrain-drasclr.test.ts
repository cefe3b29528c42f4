/**
 * A tiny DrasCLR pre-training end to end (4 synthetic scans, 32³ patches, 4 landmarks, K = 8, batch 2, ℓ = 2, a
 * light 3-layer Loc-CondConv encoder to keep the test short; the paper's network runs in test/methods/drasclr.test.ts):
 * it runs, its losses are finite and become positive once the queues hold other patients' keys, every landmark is
 * visited, the banks fill; a run stopped after epoch 1 and resumed gives the same per-step losses and the same
 * final encoder as an uninterrupted run; a resume with a different setting is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCheckpoint, loadSafetensors } from '../../src/engine/index.js';
import { pretrainDrasclr } from '../../src/train/pretrain-drasclr.js';
import { tinyDrasclrInput } from './tiny-drasclr.js';

function readLog(out: string): Record<string, number>[] {
  return readFileSync(path.join(out, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
}

test('pretrainDrasclr: a tiny run trains, checkpoints, and resumes exactly', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-pre-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = await tinyDrasclrInput(dir);
  const quiet = { progress: 'quiet' as const };
  const outA = path.join(dir, 'a');
  const outB = path.join(dir, 'b');

  const stopped = await pretrainDrasclr({ ...base, out: outA }, { ...quiet, stopAfterEpochs: 1 });
  assert.equal(stopped.epochsDone, 1);
  assert.equal(stopped.encoder, '');
  assert.equal(stopped.report.used, 4);
  assert.equal(stopped.report.landmarks, 4);
  // 4 landmarks × (4 scans / batch 2) batches per epoch
  assert.equal(stopped.steps, 8);
  assert.ok(existsSync(path.join(outA, 'checkpoint.safetensors')));
  const resumed = await pretrainDrasclr({ ...base, out: outA }, quiet);
  assert.equal(resumed.resumedFrom, 1);
  assert.equal(resumed.epochsDone, 2);
  assert.equal(resumed.steps, 16);
  const full = await pretrainDrasclr({ ...base, out: outB }, quiet);
  assert.equal(full.resumedFrom, null);

  const logA = readLog(outA);
  const logB = readLog(outB);
  assert.equal(logA.length, 16);
  assert.deepEqual(
    logA.map((r) => [r['step'], r['landmark'], r['loss']]),
    logB.map((r) => [r['step'], r['landmark'], r['loss']]),
  );
  for (const r of logB) assert.ok(Number.isFinite(r['loss']!) && r['loss']! >= 0);
  // each record holds the lr its step used: the cosine schedule (no warm-up, lr 0.01 by default) at t = step - 1
  for (const r of logB) {
    const want = (0.01 * (1 + Math.cos((Math.PI * (r['step']! - 1)) / 16))) / 2;
    assert.ok(Math.abs(r['lr']! - want) <= 1e-12, `step ${r['step']}: lr ${r['lr']} vs ${want}`);
  }
  assert.deepEqual(
    logA.map((r) => r['lr']),
    logB.map((r) => r['lr']),
  );
  // every landmark is visited each epoch, and the landmark changes across batches
  for (const e of [0, 1])
    assert.deepEqual([...new Set(logB.filter((r) => r['epoch'] === e).map((r) => r['landmark']))].sort(), [0, 1, 2, 3]);
  assert.ok(logB.some((r, i) => i > 0 && r['landmark'] !== logB[i - 1]!['landmark']));
  // first visits have empty queues; later ones have negatives and a positive loss (local + neighbour)
  assert.equal(logB[0]!['withoutNegatives'], 2);
  const withNegatives = logB.filter((r) => r['withoutNegatives']! < 2);
  assert.ok(withNegatives.length > 0);
  for (const r of withNegatives) {
    assert.ok(r['loss']! > 0 && r['local']! > 0, JSON.stringify(r));
    assert.ok(Math.abs(r['loss']! - r['local']! - (r['neighbour'] ?? 0)) < 1e-4, 'loss = L_l + L_n');
  }

  // the same final encoder
  const encA = loadSafetensors(resumed.encoder);
  const encB = loadSafetensors(full.encoder);
  assert.deepEqual([...encA.tensors.keys()].sort(), [...encB.tensors.keys()].sort());
  assert.ok(encA.tensors.has('block0.conv.weight') && encA.tensors.has('head.fc1.weight'));
  for (const [k, ta] of encA.tensors) {
    const a = ta.toFloat64Array();
    const b = encB.tensors.get(k)!.toFloat64Array();
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6, `${k}[${i}]: ${a[i]} vs ${b[i]}`);
  }
  assert.equal(encA.metadata['method'], 'drasclr');

  // the banks hold keys (2 per batch of each landmark, K = 8 slots)
  const ck = loadCheckpoint(path.join(outB, 'checkpoint.safetensors'));
  const valid = ck.tensors.get('banks.valid')!;
  assert.deepEqual(valid.shape, [4, 8]);
  assert.equal(valid.sum().item(), 4 * 8);
  assert.deepEqual(ck.extra, { epoch: 2, step: 16, method: 'drasclr', worldSize: 1 });

  const summary = JSON.parse(readFileSync(path.join(outB, 'summary.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(summary['scans'], { used: 4, skipped: 0 });
  const landmarks = JSON.parse(readFileSync(path.join(outB, 'landmarks.json'), 'utf8')) as { landmarks: unknown[] };
  assert.equal(landmarks.landmarks.length, 4);

  // resuming with another batch size is refused, naming the field
  await assert.rejects(
    pretrainDrasclr({ ...base, out: outB, batchSize: 4, queueSize: 8 }, quiet),
    /different batchSize/,
  );
});

test('pretrainDrasclr: patches from the disk-backed store (2 loader workers) = patches in memory, loss for loss', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'medcl-drasclr-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = { ...(await tinyDrasclrInput(dir)), epochs: 1 };
  const quiet = { progress: 'quiet' as const };
  const lines: string[] = [];
  const memory = await pretrainDrasclr({ ...base, out: path.join(dir, 'm'), loaderWorkers: 0 }, quiet);
  const outS = path.join(dir, 's');
  const stored = await pretrainDrasclr(
    { ...base, out: outS, loaderWorkers: 2 },
    { ...quiet, log: (l) => lines.push(l) },
  );
  assert.ok(
    lines.some((l) => /patches .* in .*patches\.rank0\.f32, read ahead/.test(l)),
    lines.join('\n'),
  );
  assert.equal(existsSync(path.join(outS, 'patches.rank0.f32')), false, 'the store file is deleted at the end');
  assert.equal(stored.steps, 8);
  assert.deepEqual(stored.losses, memory.losses);
  const ea = loadSafetensors(memory.encoder);
  const eb = loadSafetensors(stored.encoder);
  for (const [k, ta] of ea.tensors) assert.deepEqual(eb.tensors.get(k)!.toFloat64Array(), ta.toFloat64Array(), k);
});
