/**
 * The `device` of the run configs (src/engine/device.ts) through pre-training and fine-tuning on the CPU: an explicit
 * `device: 'cpu'` trains bit for bit as the default (a MoCo run: encoder, key encoder and queue), config.json records
 * the device used, a run's checkpoint resumes under another device setting (the folder's config said 'cuda:0': the
 * device is not part of a run's identity, checkpoints hold CPU tensors), bad forms fail validation naming `device`,
 * and a CUDA request on a machine whose libtorch sees no GPU fails before any work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cudaDeviceCount, loadCheckpoint, loadSafetensors } from '../../src/engine/index.js';
import { pretrain } from '../../src/train/pretrain.js';
import { parsePretrainConfig, type PretrainInput } from '../../src/methods/config.js';
import { parseFinetuneConfig } from '../../src/train/finetune-config.js';
import { parseDrasclrConfig } from '../../src/methods/drasclr-config.js';
import { parseExperimentConfig } from '../../src/experiment/config.js';
import { planExperiment } from '../../src/experiment/plan.js';
import { finetune } from '../../src/train/finetune.js';
import { phantomDataset, tempDir, tinyPretrainInput } from '../methods/fixtures.js';

/** a MoCo run (a key encoder and a queue) on the small X-ray phantoms */
function tinyInput(out: string, extra: Partial<PretrainInput> = {}): Promise<PretrainInput> {
  return tinyPretrainInput('cltci-moco', out, extra);
}

function valuesOf(file: string): Map<string, number[]> {
  const { tensors } = loadSafetensors(file);
  return new Map([...tensors].map(([k, t]) => [k, Array.from(t.toFloat64Array())]));
}

test("pretrain: device 'cpu' said = the default, bit for bit (losses, checkpoint with key encoder and queue)", async () => {
  const ds = await phantomDataset('xray');
  const a = tempDir();
  const b = tempDir();
  const dflt = await pretrain(await tinyInput(a), { dataset: ds, progress: 'quiet' });
  const cpu = await pretrain(await tinyInput(b, { device: 'cpu' }), { dataset: ds, progress: 'quiet' });
  assert.deepEqual(cpu.losses, dflt.losses);
  const ca = valuesOf(dflt.checkpoint);
  const cb = valuesOf(cpu.checkpoint);
  assert.ok(
    [...ca.keys()].some((k) => k.includes('queue')),
    'the checkpoint holds the MoCo queue',
  );
  assert.deepEqual([...cb.keys()], [...ca.keys()]);
  for (const [k, v] of ca) assert.deepEqual(cb.get(k), v, k);
  for (const dir of [a, b]) {
    const written = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { device: string };
    assert.equal(written.device, 'cpu');
  }
});

test("pretrain: a checkpoint resumes whatever device the folder's run used (config said cuda:0)", async () => {
  const ds = await phantomDataset('xray');
  const full = await pretrain(await tinyInput(tempDir()), { dataset: ds, progress: 'quiet' });
  const out = tempDir();
  await pretrain(await tinyInput(out), { dataset: ds, progress: 'quiet', stopAfterEpochs: 1 });
  // every tensor of the checkpoint is a CPU tensor: it loads on any device
  const ck = loadCheckpoint(join(out, 'checkpoint.safetensors'));
  for (const [k, t] of ck.model) assert.equal(t.device, 'cpu', k);
  // as if the first epoch had run on a GPU machine
  const file = join(out, 'config.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...cfg, device: 'cuda:0' }));
  const rest = await pretrain(await tinyInput(out, { device: 'cpu' }), { dataset: ds, progress: 'quiet' });
  assert.equal(rest.resumedFrom, 1);
  // the CPU resume continues the run exactly (the uninterrupted run's second epoch)
  assert.deepEqual(rest.losses, full.losses.slice(full.losses.length / 2));
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { device: string }).device, 'cpu');
});

test('configs: device forms other than cpu | cuda | cuda:N fail validation naming the field', () => {
  const base = { method: 'simclr', data: 'm.json', out: 'o' };
  for (const bad of ['gpu', 'cuda:-1', 'cuda:x']) {
    assert.throws(
      () => parsePretrainConfig({ ...base, device: bad }),
      /device: must be 'cpu', 'cuda' or 'cuda:N'/,
      bad,
    );
    assert.throws(() => parseFinetuneConfig({ device: bad }), /device: must be 'cpu', 'cuda' or 'cuda:N'/, bad);
    assert.throws(() => parseDrasclrConfig({ data: 'm', out: 'o', device: bad }), /device: must be/, bad);
    assert.throws(() => parseExperimentConfig({ data: 'm', out: 'o', device: bad }), /device: must be/, bad);
  }
  assert.equal(parsePretrainConfig(base).device, 'cpu');
  assert.equal(parsePretrainConfig({ ...base, device: 'cuda:1' }).device, 'cuda:1');
});

test('pretrain and finetune: cuda on a machine without CUDA fails before any work, naming device', async (t) => {
  if (cudaDeviceCount() > 0) {
    t.skip('this machine has CUDA: the request is served');
    return;
  }
  const ds = await phantomDataset('xray');
  const out = join(tempDir(), 'run');
  await assert.rejects(
    pretrain(await tinyInput(out, { device: 'cuda' }), { dataset: ds, progress: 'quiet' }),
    /^Error: device cuda requested but this libtorch sees 0 CUDA devices \(built without CUDA\?\)/,
  );
  assert.ok(!existsSync(out), 'no run folder made');
  const ids = ds.samples.map((s) => s.id);
  await assert.rejects(
    finetune({ device: 'cuda:1', epochs: 1 }, ds, { train: ids, val: [], test: [] }),
    /^Error: device cuda:1 requested but this libtorch sees 0 CUDA devices \(built without CUDA\?\)/,
  );
  assert.throws(
    () => planExperiment({ data: 'm.json', out: 'o', device: 'cuda' }),
    /^Error: experiment: device cuda requested but this libtorch sees 0 CUDA devices/,
  );
});

test('experiment: the device resolved once, given to both stages; a stage that disagrees is refused', () => {
  const { xray } = { xray: 'unused.json' };
  const plan = planExperiment({ data: xray, out: 'o', methods: ['random', 'simclr'], device: 'cpu' });
  assert.equal(plan.cfg.device, 'cpu');
  assert.equal(plan.finetune.device, 'cpu');
  assert.equal(plan.pretrain.get('simclr')!.device, 'cpu');
  assert.throws(
    () => planExperiment({ data: xray, out: 'o', finetune: { device: 'cuda:0' }, device: 'cpu' }),
    /experiment: (finetune.device cuda:0 requested|finetune.device "cuda:0" disagrees)/,
  );
});

test(
  'pretrain on cuda:0: a MoCo run trains, its losses within 1e-3 of the CPU run, config.json says cuda:0',
  { skip: cudaDeviceCount() > 0 ? false : 'no CUDA device: skipped' },
  async () => {
    const ds = await phantomDataset('xray');
    // no augmentation: the random draws of the GPU differ from the CPU's; the steps must not
    const extra: Partial<PretrainInput> = { epochs: 1, augment: 'none' };
    const cpu = await pretrain(await tinyInput(tempDir(), extra), { dataset: ds, progress: 'quiet' });
    const out = tempDir();
    const gpu = await pretrain(await tinyInput(out, { ...extra, device: 'cuda' }), { dataset: ds, progress: 'quiet' });
    assert.equal(gpu.config.device, 'cuda:0');
    assert.equal((JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { device: string }).device, 'cuda:0');
    assert.equal(gpu.losses.length, cpu.losses.length);
    gpu.losses.forEach((l, i) => assert.ok(Math.abs(l - cpu.losses[i]!) < 1e-3, `step ${i}: ${l} vs ${cpu.losses[i]}`));
    // its checkpoint is CPU tensors, resumable here on the CPU
    for (const [k, t] of loadCheckpoint(gpu.checkpoint).model) assert.equal(t.device, 'cpu', k);
  },
);
