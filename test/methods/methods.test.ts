/**
 * Every registered pre-training method on the small phantoms: a step gives a finite loss and a gradient on every
 * encoder parameter; the multi-positive methods' loss equals a float64 SupCon computed here with the relation written
 * by hand (identity, patient, PCL position, GCL partition); PolyCL's triplets follow its rule and its loss matches a
 * float64 reference; MoCo's key encoder is the EMA of the query after EVERY step and its queue fills; bad data gives
 * clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cat, manualSeed, noGrad, optim, tidy, type Tensor } from '../../src/engine/index.js';
import { METHODS, SLICE_METHODS, getMethod, getSliceMethod } from '../../src/methods/registry.js';
import { batchIds } from '../../src/methods/multi-positive.js';
import type { MethodRun } from '../../src/methods/method.js';
import type { Batch } from '../../src/samplers/sampler.js';
import type { Triplet } from '../../src/samplers/polycl-triplets.js';
import type { SliceDataset } from '../../src/data/slice-dataset.js';
import type { PretrainConfig } from '../../src/methods/config.js';
import { ModuleBundle } from '../../src/train/run-state.js';
import { buildSliceDataset } from '../../src/data/slice-dataset.js';
import { loadManifest } from '../../src/io/manifest.js';
import { Rng } from '../../src/util/rng.js';
import { phantomDataset, presetOf, smallPhantoms, tempDir, tinyConfig } from './fixtures.js';

interface StepRecord {
  loss: number;
  /** encoder parameter name -> gradient (float64 copy) */
  grads: Map<string, Float64Array>;
}

/** The pre-training loop's step, by hand: forward + loss in a scope, backward, optimiser step, afterStep. */
function trainStep(run: MethodRun, opt: optim.Optimizer<{ lr: number }>, batch: Batch<unknown>, seed: number) {
  manualSeed(seed);
  const rec = tidy((): StepRecord => {
    const o = run.step(batch, new Rng(seed));
    const loss = o.loss.item();
    opt.zeroGrad();
    o.loss.backward();
    const grads = new Map<string, Float64Array>();
    for (const [name, p] of run.modules['encoder']!.namedParameters()) {
      const g = p.grad;
      grads.set(name, g ? g.toFloat64Array() : new Float64Array(0));
    }
    return { loss, grads };
  });
  opt.step();
  run.afterStep?.();
  return rec;
}

function setup(method: string, ds: SliceDataset, cfg: PretrainConfig) {
  manualSeed(cfg.seed);
  const run = getSliceMethod(method).create({ dataset: ds, config: cfg });
  const trained = new ModuleBundle(run.modules);
  trained.train();
  const opt = new optim.SGD(trained.parameters(), { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
  return { run, opt };
}

/** PolyCL-O's organ on the CT phantoms: the right kidney (the liver is in every central slice, see fixtures.ts) */
const ORGAN = 4;

const ALL = ['simclr', 'moco', 'cltci-simclr', 'cltci-moco', 'pcl', 'gcl', 'polycl-s', 'polycl-o', 'rotation'];

test('the registry holds every method of docs/methods.md, with its paper and defaults', () => {
  const names = METHODS.map((m) => m.name);
  for (const m of ALL) assert.ok(names.includes(m), `${m} is not registered`);
  assert.equal(new Set(names).size, names.length, 'duplicate method names');
  for (const m of METHODS) {
    assert.ok(m.summary.length > 0 && m.paper.length > 0, m.name);
    assert.equal(getMethod(m.name), m);
  }
  assert.throws(() => getMethod('byol'), /unknown method "byol"; available: simclr, moco/);
  assert.equal(presetOf('pcl'), 'ct-pcl');
  assert.equal(presetOf('polycl-o'), 'ct-polycl');
  assert.equal(presetOf('cltci-simclr'), 'xray');
});

// every registered 2D method (also those added after this test was written; DrasCLR's step: drasclr.test.ts)
for (const method of SLICE_METHODS.map((m) => m.name)) {
  test(`${method}: finite losses and a finite, non-zero gradient on every encoder parameter`, async () => {
    const ds = await phantomDataset(presetOf(method), 32, method === 'polycl-o' ? ORGAN : undefined);
    const cfg = tinyConfig(method);
    const { run, opt } = setup(method, ds, cfg);
    const batches = run.sampler.epoch(0);
    assert.ok(batches.length >= 2, `${method}: ${batches.length} batches`);
    // two steps: MoCo's first step has an empty queue (no negatives yet, loss 0), the second has B queued keys
    const first = trainStep(run, opt, batches[0]!, 1);
    const second = trainStep(run, opt, batches[1]!, 2);
    for (const r of [first, second]) assert.ok(Number.isFinite(r.loss), `${method}: loss ${r.loss}`);
    assert.ok(second.loss > 0, `${method}: second loss ${second.loss}`);
    const names = run.modules['encoder']!.namedParameters().map(([n]) => n);
    assert.ok(names.length >= 4);
    for (const name of names) {
      const g = second.grads.get(name)!;
      assert.ok(g.length > 0, `${method}: ${name} has no gradient`);
      let norm = 0;
      for (const v of g) {
        assert.ok(Number.isFinite(v), `${method}: ${name} gradient ${v}`);
        norm += v * v;
      }
      assert.ok(norm > 0, `${method}: ${name} gradient is zero`);
    }
    // the embedding used for retrieval / t-SNE: unit rows
    const z = run.embed(ds.imageBatch([0, 1, 2]));
    const zz = z.toFloat64Array();
    const dim = zz.length / 3;
    for (let i = 0; i < 3; i++) {
      let n = 0;
      for (let k = 0; k < dim; k++) n += zz[i * dim + k]! ** 2;
      assert.ok(Math.abs(n - 1) < 1e-5, `${method}: |z| = ${Math.sqrt(n)}`);
    }
    z.dispose();
  });
}

// ---------- the relation each multi-positive method uses ----------

/** docs/methods.md §1's multi-positive loss in float64 for 2N unit rows z (stacked views) and a sample relation. */
function supConReference(z: Float64Array, n2: number, related: (a: number, b: number) => boolean, tau: number) {
  const dim = z.length / n2;
  const n = n2 / 2;
  const sim = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += z[i * dim + k]! * z[j * dim + k]!;
    return s;
  };
  let total = 0;
  let anchors = 0;
  for (let i = 0; i < n2; i++) {
    const others: number[] = [];
    for (let k = 0; k < n2; k++) if (k !== i) others.push(sim(i, k) / tau);
    const mx = Math.max(...others);
    const lse = mx + Math.log(others.reduce((a, v) => a + Math.exp(v - mx), 0));
    let sum = 0;
    let count = 0;
    for (let p = 0; p < n2; p++) {
      if (p === i) continue;
      if (p % n === i % n || related(i % n, p % n)) {
        sum += sim(i, p) / tau - lse;
        count++;
      }
    }
    if (count > 0) {
      total += -sum / count;
      anchors++;
    }
  }
  return total / anchors;
}

const RELATIONS: [string, Partial<PretrainConfig>, (ds: SliceDataset, a: number, b: number) => boolean][] = [
  ['simclr', {}, (_ds, a, b) => a === b],
  ['cltci-simclr', {}, (ds, a, b) => ds.samples[a]!.patient === ds.samples[b]!.patient],
  [
    'pcl',
    {},
    (ds, a, b) => {
      const pos = (id: number) => (ds.samples[id]!.sliceIndex + 1) / ds.samples[id]!.slicesInVolume;
      return Math.abs(pos(a) - pos(b)) < 0.1;
    },
  ],
  [
    'pcl',
    { positionThreshold: 0.35 },
    (ds, a, b) => {
      const pos = (id: number) => (ds.samples[id]!.sliceIndex + 1) / ds.samples[id]!.slicesInVolume;
      return Math.abs(pos(a) - pos(b)) < 0.35;
    },
  ],
  [
    'gcl',
    {},
    (ds, a, b) => {
      // 4 equal z-partitions per volume
      const part = (id: number) => Math.floor((ds.samples[id]!.sliceIndex * 4) / ds.samples[id]!.slicesInVolume);
      return part(a) === part(b);
    },
  ],
];

for (const [method, extra, relFn] of RELATIONS) {
  test(`${method} ${JSON.stringify(extra)}: the loss is SupCon with its relation (float64 reference)`, async () => {
    const ds = await phantomDataset(presetOf(method));
    // no augmentation: both views are the image itself, so z can be recomputed from the same batch
    const cfg = tinyConfig(method, { augment: 'none', batchSize: 16, ...extra });
    const { run } = setup(method, ds, cfg);
    const batch = run.sampler.epoch(0)[0]!;
    const ids = batchIds(batch);
    assert.equal(ids.length, 16);
    const related = (i: number, j: number) => relFn(ds, ids[i]!, ids[j]!);
    const out = tidy(() => {
      const o = run.step(batch, new Rng(3));
      return { loss: o.loss.item(), anchors: o.anchors, skipped: o.skipped };
    });
    // the same 2N rows, in train mode (BatchNorm uses the batch statistics of exactly these rows)
    const x = ds.imageBatch(ids);
    const z = run.embed(cat([x, x], 0));
    const expected = supConReference(z.toFloat64Array(), 2 * ids.length, related, cfg.tau);
    z.dispose();
    x.dispose();
    assert.ok(
      Math.abs(out.loss - expected) < 1e-4 * Math.max(1, Math.abs(expected)),
      `${method}: loss ${out.loss}, reference ${expected}`,
    );
    assert.equal(out.anchors, 32);
    assert.equal(out.skipped, 0);
    // the relation matters: the batch holds non-trivial positive pairs beyond the other view (except SimCLR)
    let pairs = 0;
    for (let i = 0; i < ids.length; i++) for (let j = 0; j < ids.length; j++) if (i !== j && related(i, j)) pairs++;
    if (method === 'simclr') assert.equal(pairs, 0);
    else assert.ok(pairs > 0 && pairs < ids.length * (ids.length - 1), `${method}: ${pairs} related pairs`);
    if (method === 'cltci-simclr') {
      // the patient-grouped sampler: 8 patients × 2 images in a batch of 16
      const perPatient = new Map<string, number>();
      for (const id of ids) perPatient.set(ds.samples[id]!.patient, (perPatient.get(ds.samples[id]!.patient) ?? 0) + 1);
      assert.deepEqual([...perPatient.values()].sort(), Array(8).fill(2));
    }
  });
}

// ---------- PolyCL triplets ----------

for (const method of ['polycl-s', 'polycl-o']) {
  test(`${method}: triplets follow the rule and the loss is PolyCL's triplet loss (float64 reference)`, async () => {
    const ds = await phantomDataset('ct-polycl', 32, ORGAN);
    assert.ok(ds.samples.some((s) => s.organFlag) && ds.samples.some((s) => !s.organFlag));
    const cfg = tinyConfig(method, { augment: 'none', encoder: { dropout: 0 } });
    const { run } = setup(method, ds, cfg);
    const batches = run.sampler.epoch(0) as Batch<Triplet>[];
    for (const b of batches)
      for (const t of b.items) {
        const [a, p, n] = [t.anchor.id, t.positive.id, t.negative.id].map((id) => ds.samples[id]!);
        assert.notEqual(t.anchor.id, t.positive.id);
        if (method === 'polycl-s') {
          assert.equal(a!.volume, p!.volume);
          assert.notEqual(a!.volume, n!.volume);
        } else {
          assert.equal(a!.organFlag, p!.organFlag);
          assert.notEqual(a!.organFlag, n!.organFlag);
        }
      }
    // the triplets are re-drawn every epoch (seeded): epoch 1 differs from epoch 0, a second call repeats epoch 0
    const key = (bs: Batch<Triplet>[]) =>
      JSON.stringify(bs.map((b) => b.items.map((t) => [t.anchor.id, t.positive.id, t.negative.id])));
    assert.notEqual(key(batches), key(run.sampler.epoch(1) as Batch<Triplet>[]));
    assert.equal(key(batches), key(run.sampler.epoch(0) as Batch<Triplet>[]));

    const batch = batches[0]!;
    const loss = tidy(() => run.step(batch, new Rng(4)).loss.item());
    const m = batch.items.length;
    const ids = [...batch.items.map((t) => t.anchor.id), ...batch.items.map((t) => t.positive.id)];
    const zt = run.embed(ds.imageBatch([...ids, ...batch.items.map((t) => t.negative.id)]));
    const z = zt.toFloat64Array();
    zt.dispose();
    const dim = z.length / (3 * m);
    let expected = 0;
    for (let i = 0; i < m; i++) {
      let sp = 0;
      let sn = 0;
      for (let k = 0; k < dim; k++) {
        sp += z[i * dim + k]! * z[(m + i) * dim + k]!;
        sn += z[i * dim + k]! * z[(2 * m + i) * dim + k]!;
      }
      // -log(e^{s+/τ} / (e^{s+/τ} + e^{s-/τ}))
      const a = sp / cfg.tau;
      const b = sn / cfg.tau;
      const mx = Math.max(a, b);
      expected += -(a - (mx + Math.log(Math.exp(a - mx) + Math.exp(b - mx))));
    }
    expected /= m;
    assert.ok(Math.abs(loss - expected) < 1e-4 * Math.max(1, expected), `loss ${loss}, reference ${expected}`);
    assert.equal(cfg.tau, 1 / cfg.batchSize); // PolyCL: tau = 1 / batch size of the run (8 here; the paper's 20)
  });
}

// ---------- MoCo ----------

function paramsOf(mod: { namedParameters(): [string, Tensor][] }): Map<string, Float64Array> {
  return new Map(mod.namedParameters().map(([n, p]) => [n, p.toFloat64Array()]));
}

for (const method of ['moco', 'cltci-moco']) {
  test(`${method}: the key encoder is the EMA of the query after every step; the queue fills`, async () => {
    const ds = await phantomDataset('xray');
    // m = 0.99 (instead of 0.999) makes each step's change large against float32 rounding
    const cfg = tinyConfig(method, { batchSize: 4, queueSize: 12, ema: 0.99 });
    const { run, opt } = setup(method, ds, cfg);
    const key = run.frozen!['key']!;
    // the query = the trained encoder + head, named as in the key copy (a Projector: "encoder.*", "head.*")
    const query = new ModuleBundle({ encoder: run.modules['encoder']!, head: run.modules['head']! });
    // at the start the key encoder is a copy of the query
    const k0 = paramsOf(key);
    const q0 = paramsOf(query);
    assert.deepEqual([...k0.keys()].sort(), [...q0.keys()].sort());
    for (const [n, v] of k0) assert.deepEqual(v, q0.get(n), n);
    for (const [, p] of key.namedParameters()) assert.equal(p.requiresGrad, false);

    const patientIndex = new Map<string, number>();
    for (const s of ds.samples) if (!patientIndex.has(s.patient)) patientIndex.set(s.patient, patientIndex.size);
    const batches = run.sampler.epoch(0);
    const labelsSeen: number[] = [];
    let kPrev = k0;
    for (let step = 0; step < 4; step++) {
      const batch = batches[step]!;
      const r = trainStep(run, opt, batch, 10 + step);
      assert.ok(Number.isFinite(r.loss));
      // empty queue at step 0: the own key is the only candidate, the loss is 0 and the query moves only by weight
      // decay, too little for the key to move visibly in float32; from step 1 on every key parameter must change
      if (step === 0) assert.ok(r.loss === 0, `first loss ${r.loss}`);
      const kNow = paramsOf(key);
      const qNow = paramsOf(query);
      for (const [n, k] of kNow) {
        const before = kPrev.get(n)!;
        const q = qNow.get(n)!;
        let changed = 0;
        for (let i = 0; i < k.length; i++) {
          const want = 0.99 * before[i]! + 0.01 * q[i]!;
          assert.ok(
            Math.abs(k[i]! - want) <= 1e-6 + 1e-5 * Math.abs(want),
            `${n}[${i}] step ${step}: ${k[i]} vs ${want}`,
          );
          changed = Math.max(changed, Math.abs(k[i]! - before[i]!));
        }
        if (step > 0) assert.ok(changed > 0, `${method}: key parameter ${n} did not change at step ${step}`);
      }
      kPrev = kNow;
      // queue: slots filled so far = min(steps × B, K), labels = patients (cltci-moco) or sample ids (moco)
      const ids = batchIds(batch);
      labelsSeen.push(...ids.map((id) => (method === 'cltci-moco' ? patientIndex.get(ds.samples[id]!.patient)! : id)));
      const state = run.stateTensors!();
      const valid = Array.from(state.get('queue.valid')!.toFloat64Array());
      const labels = Array.from(state.get('queue.labels')!.toFloat64Array());
      const filled = Math.min((step + 1) * 4, 12);
      assert.equal(
        valid.reduce((a, b) => a + b, 0),
        filled,
        `step ${step}`,
      );
      // FIFO: the newest K labels, slot = position mod K
      for (let t = Math.max(0, labelsSeen.length - 12); t < labelsSeen.length; t++) {
        assert.equal(labels[t % 12], labelsSeen[t], `slot ${t % 12} at step ${step}`);
      }
      for (const t of state.values()) t.dispose();
    }
  });
}

for (const method of ['moco', 'cltci-moco']) {
  test(`${method}: the loss of step 2 against the queued keys of step 1 (float64 reference, no augmentation)`, async () => {
    const ds = await phantomDataset('xray');
    const cfg = tinyConfig(method, { batchSize: 4, queueSize: 8, augment: 'none' });
    const { run, opt } = setup(method, ds, cfg);
    const patientIndex = new Map<string, number>();
    for (const s of ds.samples) if (!patientIndex.has(s.patient)) patientIndex.set(s.patient, patientIndex.size);
    const patientOf = (id: number) => patientIndex.get(ds.samples[id]!.patient)!;
    // batches whose patients overlap, so that CL-TCI-MoCo has queued positives
    const batches = run.sampler.epoch(0);
    let pair: [Batch<unknown>, Batch<unknown>] | null = null;
    for (let a = 0; a < batches.length && !pair; a++)
      for (let b = a + 1; b < batches.length && !pair; b++) {
        const pa = new Set(batchIds(batches[a]!).map(patientOf));
        if (batchIds(batches[b]!).some((id) => pa.has(patientOf(id)))) pair = [batches[a]!, batches[b]!];
      }
    assert.ok(pair, 'two batches sharing a patient');
    const [b0, b1] = pair;
    trainStep(run, opt, b0, 1);
    const state = run.stateTensors!();
    const queued = state.get('queue.keys')!.toFloat64Array();
    const valid = Array.from(state.get('queue.valid')!.toFloat64Array());
    const qLabels = Array.from(state.get('queue.labels')!.toFloat64Array());
    for (const t of state.values()) t.dispose();
    const ids = batchIds(b1);
    const x = ds.imageBatch(ids);
    // query and key of the same (un-augmented) images, computed before the step changes the weights
    const q = run.embed(x);
    const kT = noGrad(() => tidy(() => (run.frozen!['key']! as unknown as { forward(t: Tensor): Tensor }).forward(x)));
    const qa = q.toFloat64Array();
    const ka = kT.toFloat64Array();
    for (const t of [q, kT, x]) t.dispose();
    const loss = trainStep(run, opt, b1, 2).loss;
    const dim = cfg.projectionDim;
    const dot = (a: Float64Array, ai: number, b: Float64Array, bi: number) => {
      let s = 0;
      for (let k = 0; k < dim; k++) s += a[ai * dim + k]! * b[bi * dim + k]!;
      return s;
    };
    let expected = 0;
    let queuedPositives = 0;
    for (let i = 0; i < ids.length; i++) {
      // candidates: the own key, then every written queue slot; positives: the own key (+ same patient, CL-TCI-MoCo)
      const logits = [dot(qa, i, ka, i) / cfg.tau];
      const positive = [true];
      for (let j = 0; j < valid.length; j++) {
        if (!valid[j]) continue;
        logits.push(dot(qa, i, queued, j) / cfg.tau);
        const same = method === 'cltci-moco' && qLabels[j] === patientOf(ids[i]!);
        positive.push(same);
        if (same) queuedPositives++;
      }
      const mx = Math.max(...logits);
      const lse = mx + Math.log(logits.reduce((a, v) => a + Math.exp(v - mx), 0));
      const pos = logits.filter((_, k) => positive[k]);
      expected += -pos.reduce((a, l) => a + l - lse, 0) / pos.length;
    }
    expected /= ids.length;
    assert.equal(valid.filter(Boolean).length, 4);
    if (method === 'cltci-moco') assert.ok(queuedPositives > 0);
    assert.ok(Math.abs(loss - expected) < 1e-4 * Math.max(1, expected), `loss ${loss}, reference ${expected}`);
  });
}

// ---------- errors ----------

test('polycl-o without label maps is refused with a clear message; polycl-s does not need them', async () => {
  const { ct } = await smallPhantoms();
  const raw = JSON.parse(readFileSync(ct, 'utf8')) as { items: { label?: string }[] };
  for (const it of raw.items) delete it.label;
  const file = join(tempDir(), 'nolabels.json');
  // image paths are relative to the phantom folder
  writeFileSync(file, JSON.stringify({ ...raw, items: raw.items }));
  const m = await loadManifest(file, { dir: join(ct, '..') });
  const ds = await buildSliceDataset(m, { preset: 'ct-polycl', size: 32 });
  assert.ok(ds.samples.every((s) => s.organFlag === undefined));
  assert.throws(
    () => getSliceMethod('polycl-o').create({ dataset: ds, config: tinyConfig('polycl-o') }),
    /polycl-o: every scan needs a label map \(per-slice organ flags\)/,
  );
  const run = getSliceMethod('polycl-s').create({ dataset: ds, config: tinyConfig('polycl-s') });
  assert.ok(run.sampler.epoch(0).length > 0);
});

test('cltci-simclr on a manifest of ONE patient is refused: the sampler says why', async () => {
  const { xray } = await smallPhantoms();
  const raw = JSON.parse(readFileSync(xray, 'utf8')) as { items: { patient: string }[] };
  const first = raw.items[0]!.patient;
  const file = join(tempDir(), 'one-patient.json');
  writeFileSync(file, JSON.stringify({ ...raw, items: raw.items.filter((i) => i.patient === first) }));
  const m = await loadManifest(file, { dir: join(xray, '..') });
  const ds = await buildSliceDataset(m, { preset: 'xray', size: 32 });
  assert.equal(new Set(ds.samples.map((s) => s.patient)).size, 1);
  assert.throws(
    () => getSliceMethod('cltci-simclr').create({ dataset: ds, config: tinyConfig('cltci-simclr') }),
    (e: Error) =>
      // single-image patients are kept ('keep'), so only the number of patients can be short
      /needs at least n=4 patients; data has 1 patient/.test(e.message) &&
      e.message.includes('1 patient') &&
      e.message.includes(first),
  );
  // a batch that is not a multiple of the images per patient
  const full = await phantomDataset('xray');
  assert.throws(
    () =>
      getSliceMethod('cltci-simclr').create({ dataset: full, config: tinyConfig('cltci-simclr', { batchSize: 7 }) }),
    /batchSize 7 is not a multiple of imagesPerPatient 2/,
  );
});
