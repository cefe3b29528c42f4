import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, noGrad, optim, randn, tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';

test('Linear computes x W^T + b (float64 loop reference) and initialises within 1/sqrt(fan_in)', () => {
  manualSeed(0);
  const lin = new nn.Linear(5, 3);
  const w = lin.weight.toArray();
  const b = lin.bias!.toArray();
  const bound = 1 / Math.sqrt(5);
  for (const v of [...w, ...b]) assert.ok(Math.abs(v) <= bound, `init ${v} outside ±${bound}`);
  const xs = Array.from({ length: 2 * 5 }, (_, i) => Math.sin(i));
  const y = lin.forward(tensor(xs, { shape: [2, 5] })).toArray();
  for (let n = 0; n < 2; n++)
    for (let o = 0; o < 3; o++) {
      let s = b[o]!;
      for (let i = 0; i < 5; i++) s += xs[n * 5 + i]! * w[o * 5 + i]!;
      assert.ok(Math.abs(y[n * 3 + o]! - s) < 1e-5);
    }
});

test('Conv2d default init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) like PyTorch', () => {
  manualSeed(1);
  const conv = new nn.Conv2d(16, 64, 3);
  const bound = 1 / Math.sqrt(16 * 9);
  const w = conv.weight.toArray();
  let sq = 0;
  for (const v of w) {
    assert.ok(Math.abs(v) <= bound);
    sq += v * v;
  }
  const variance = sq / w.length;
  assert.ok(Math.abs(variance - (bound * bound) / 3) < 0.05 * ((bound * bound) / 3), `variance ${variance}`);
  const ct = new nn.ConvTranspose2d(8, 4, 2, { stride: 2 });
  assert.deepEqual(ct.weight.shape, [8, 4, 2, 2]);
  const cb = 1 / Math.sqrt(4 * 4); // PyTorch computes fan_in from weight dim 1 for transposed convs
  for (const v of ct.weight.toArray()) assert.ok(Math.abs(v) <= cb);
});

class Small extends nn.Module {
  conv = this.registerModule('conv', new nn.Conv2d(1, 2, 3, { padding: 1 }));
  bn = this.registerModule('bn', new nn.BatchNorm2d(2));
  seq = this.registerModule(
    'seq',
    new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(3, 1)),
  );
  forward(x: Tensor): Tensor {
    return this.seq.forward(this.bn.forward(this.conv.forward(x)).mean([2, 3]));
  }
}

test('Module: names, state dict, train/eval propagation, strict loading errors', () => {
  const m = new Small();
  assert.deepEqual(
    m.namedParameters().map(([n]) => n),
    ['conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'seq.0.weight', 'seq.0.bias', 'seq.3.weight', 'seq.3.bias'],
  );
  assert.deepEqual(
    m.namedBuffers().map(([n]) => n),
    ['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'],
  );
  assert.equal(m.stateDict().size, 11);
  assert.equal(m.numParameters(), 2 * 9 + 2 + 2 + 2 + 6 + 3 + 3 + 1);
  m.eval();
  assert.ok(m.namedModules().every(([, x]) => !x.training));
  m.train();
  assert.ok(m.namedModules().every(([, x]) => x.training));

  const other = new Small();
  const sd = new Map(m.stateDict());
  const r = other.loadStateDict(sd);
  assert.equal(r.loaded.length, 11);
  for (const [k, t] of m.stateDict()) assert.deepEqual(other.stateDict().get(k)!.toArray(), t.toArray());
  const missing = new Map(sd);
  missing.delete('conv.bias');
  assert.throws(() => other.loadStateDict(missing), /missing keys: conv\.bias/);
  const extra = new Map(sd);
  extra.set('head.weight', zeros([1]));
  assert.throws(() => other.loadStateDict(extra), /unexpected keys: head\.weight/);
  assert.deepEqual(other.loadStateDict(extra, { strict: false }).unexpected, ['head.weight']);
  const wrong = new Map(sd);
  wrong.set('seq.0.weight', zeros([4, 2]));
  assert.throws(() => other.loadStateDict(wrong), /seq\.0\.weight: shape \[4, 2\].*\[3, 2\]/);
});

test('BatchNorm2d: training normalises with batch stats and updates running stats; eval uses them', () => {
  const bn = new nn.BatchNorm2d(2, { momentum: 0.1 });
  const rng = new Rng(3);
  const xs = Array.from({ length: 3 * 2 * 2 * 2 }, () => rng.normal(2, 3));
  const x = tensor(xs, { shape: [3, 2, 2, 2], dtype: 'float64' });
  bn.to({ dtype: 'float64' });
  const y = bn.forward(x).toArray();
  for (let c = 0; c < 2; c++) {
    const vals: number[] = [];
    const idx: number[] = [];
    for (let n = 0; n < 3; n++)
      for (let k = 0; k < 4; k++) {
        idx.push(n * 8 + c * 4 + k);
        vals.push(xs[n * 8 + c * 4 + k]!);
      }
    const mean = vals.reduce((a, b) => a + b) / vals.length;
    const varB = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length;
    idx.forEach((i, j) => assert.ok(Math.abs(y[i]! - (vals[j]! - mean) / Math.sqrt(varB + 1e-5)) < 1e-9));
    const varU = (varB * vals.length) / (vals.length - 1);
    assert.ok(Math.abs(bn.runningMean!.toArray()[c]! - 0.1 * mean) < 1e-12);
    assert.ok(Math.abs(bn.runningVar!.toArray()[c]! - (0.9 + 0.1 * varU)) < 1e-12);
  }
  assert.equal(bn.numBatchesTracked!.item(), 1);
  bn.eval();
  const rm = bn.runningMean!.toArray();
  const rv = bn.runningVar!.toArray();
  const ye = bn.forward(x).toArray();
  for (let i = 0; i < xs.length; i++) {
    const c = Math.floor(i / 4) % 2;
    assert.ok(Math.abs(ye[i]! - (xs[i]! - rm[c]!) / Math.sqrt(rv[c]! + 1e-5)) < 1e-9);
  }
  assert.equal(bn.numBatchesTracked!.item(), 1);
  assert.throws(() => bn.forward(tensor([1, 2], { dtype: 'float64' })), /BatchNorm2d: expected a 4-D input/);
});

test('Module.to keeps parameter identity (the optimiser still updates them)', () => {
  const lin = new nn.Linear(2, 1);
  const p = lin.weight;
  lin.to({ dtype: 'float64' });
  assert.equal(lin.weight, p);
  assert.equal(p.dtype, 'float64');
  assert.ok(p.requiresGrad);
  const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
  const before = p.toArray();
  tidy(() => {
    lin
      .forward(tensor([[1, 1]], { dtype: 'float64' }))
      .sum()
      .backward();
    opt.step();
  });
  assert.deepEqual(
    p.toArray(),
    before.map((v) => v - 0.1),
  );
});

test('Module.to channels-last gives a one-input-channel conv weight channels-last strides, so its output is channels-last', () => {
  // a [16, 1, 3, 3] weight with NCHW strides (9, 9, 3, 1) is "channels-last contiguous" too (size-1 dims are
  // skipped), yet convolutions read its strides as NCHW; the channels-last layout is (9, 1, 3, 1)
  const conv = new nn.Conv2d(1, 16, 3, { padding: 1 });
  const values = conv.weight.toArray();
  assert.deepEqual(conv.weight.strides, [9, 9, 3, 1]);
  conv.to({ memoryFormat: 'channelsLast' });
  assert.deepEqual(conv.weight.strides, [9, 1, 3, 1]);
  assert.deepEqual(conv.weight.toArray(), values, 'same values');
  // the input as images come (NCHW, one channel): the first convolution's output is laid out channels-last
  const [n, h, w] = [2, 5, 6];
  const y = tidy(() => conv.forward(randn([n, 1, h, w])).detach());
  assert.deepEqual(y.strides, [16 * h * w, 1, 16 * w, 16]);
  // already in the format: Tensor.to returns the same data; contiguous() keeps the ambiguous strides as they were
  const again = conv.weight.to({ memoryFormat: 'channelsLast' });
  assert.ok(again.sameData(conv.weight));
  const nchw = randn([16, 1, 3, 3]);
  assert.deepEqual(nchw.contiguous('channelsLast').strides, [9, 9, 3, 1]);
  assert.deepEqual(nchw.to({ memoryFormat: 'channelsLast' }).strides, [9, 1, 3, 1]);
  assert.throws(() => nchw.to({ memoryFormat: 'nhwc' as never }), /memory format must be/);
  for (const t of [y, again, nchw]) t.dispose();
});

test('Dropout is the identity in eval mode and drops in training', () => {
  const d = new nn.Dropout(0.5);
  const x = randn([1000]);
  d.eval();
  assert.deepEqual(d.forward(x).toArray(), x.toArray());
  d.train();
  const y = d.forward(x).toArray();
  const zeros_ = y.filter((v) => v === 0).length;
  assert.ok(zeros_ > 400 && zeros_ < 600, `${zeros_} zeros`);
});

test('a small network learns a toy task (two interleaved spirals, > 95% accuracy)', () => {
  manualSeed(7);
  const rng = new Rng(7);
  const pts: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c = i % 2;
    const r = (i / 200) * 3 + 0.2;
    const a = r * 2.2 + c * Math.PI;
    pts.push(r * Math.cos(a) + rng.normal(0, 0.05), r * Math.sin(a) + rng.normal(0, 0.05));
    labels.push(c);
  }
  const X = tensor(pts, { shape: [200, 2] });
  const Y = tensor(labels, { dtype: 'int64' });
  const net = new nn.Sequential(
    new nn.Linear(2, 64),
    new nn.ReLU(),
    new nn.Linear(64, 64),
    new nn.ReLU(),
    new nn.Linear(64, 2),
  );
  const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
  for (let s = 0; s < 600; s++) {
    tidy(() => {
      const loss = F.crossEntropy(net.forward(X), Y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
  const acc = noGrad(() => tidy(() => net.forward(X).argmax(1).eq(Y).float().mean().item()));
  assert.ok(acc > 0.95, `accuracy ${acc}`);
});
