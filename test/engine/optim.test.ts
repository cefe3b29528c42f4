import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optim, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, msg: string): void {
  assert.equal(a.length, b.length, msg);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    assert.ok(d <= tol * (1 + Math.abs(b[i]!)), `${msg}: [${i}] ${a[i]} vs ${b[i]} (diff ${d})`);
  }
}

function gradsSequence(rng: Rng, steps: number, n: number): number[][] {
  return Array.from({ length: steps }, () => Array.from({ length: n }, () => rng.normal()));
}

/** PyTorch's SGD, written out in float64 from the documented algorithm. */
function sgdRef(
  p0: number[],
  grads: number[][],
  o: { lr: number; momentum: number; dampening: number; wd: number; nesterov: boolean },
): number[] {
  const p = [...p0];
  let buf: number[] | null = null;
  for (const g0 of grads) {
    const g = g0.map((g, i) => g + o.wd * p[i]!);
    let d = g;
    if (o.momentum !== 0) {
      buf = buf === null ? [...g] : buf.map((b, i) => o.momentum * b + (1 - o.dampening) * g[i]!);
      d = o.nesterov ? g.map((gi, i) => gi + o.momentum * buf![i]!) : buf;
    }
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - o.lr * d[i]!;
  }
  return p;
}

function adamRef(
  p0: number[],
  grads: number[][],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean; amsgrad: boolean },
): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vmax = p.map(() => 0);
  grads.forEach((g0, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      let g = g0[i]!;
      if (o.wd) {
        if (o.decoupled) p[i] = p[i]! * (1 - o.lr * o.wd);
        else g += o.wd * p[i]!;
      }
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g * g;
      vmax[i] = Math.max(vmax[i]!, v[i]!);
      const vhat = (o.amsgrad ? vmax[i]! : v[i]!) / (1 - Math.pow(o.b2, t));
      p[i] = p[i]! - (o.lr / (1 - Math.pow(o.b1, t))) * (m[i]! / (Math.sqrt(vhat) + o.eps));
    }
  });
  return p;
}

function run(opt: optim.Optimizer<{ lr: number }>, p: Tensor, grads: number[][]): number[] {
  for (const g of grads) {
    tidy(() => {
      p.grad = tensor(g, { dtype: 'float64' });
      opt.step();
    });
  }
  return p.toArray();
}

test('SGD matches the reference update (momentum, dampening, nesterov, weight decay)', () => {
  const rng = new Rng(1);
  const cases = [
    { lr: 0.1, momentum: 0, dampening: 0, wd: 0, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0, wd: 1e-2, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0.1, wd: 0, nesterov: false },
    { lr: 0.02, momentum: 0.8, dampening: 0, wd: 1e-3, nesterov: true },
  ];
  for (const c of cases) {
    const p0 = Array.from({ length: 7 }, () => rng.normal());
    const grads = gradsSequence(rng, 6, 7);
    const p = tensor(p0, { dtype: 'float64', requiresGrad: true });
    const opt = new optim.SGD([p], {
      lr: c.lr,
      momentum: c.momentum,
      dampening: c.dampening,
      weightDecay: c.wd,
      nesterov: c.nesterov,
    });
    close(run(opt, p, grads), sgdRef(p0, grads, c), 1e-12, `SGD ${JSON.stringify(c)}`);
  }
});

test('SGD rejects nesterov without momentum', () => {
  const p = tensor([1], { requiresGrad: true });
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /Nesterov/);
});

test('Adam and AdamW match the reference update (bias correction, L2 vs decoupled decay, amsgrad)', () => {
  const rng = new Rng(2);
  for (const [Cls, decoupled] of [
    [optim.Adam, false],
    [optim.AdamW, true],
  ] as const) {
    for (const amsgrad of [false, true]) {
      const p0 = Array.from({ length: 5 }, () => rng.normal());
      const grads = gradsSequence(rng, 8, 5);
      const p = tensor(p0, { dtype: 'float64', requiresGrad: true });
      const opt = new Cls([p], { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.05, amsgrad });
      const ref = adamRef(p0, grads, { lr: 0.01, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.05, decoupled, amsgrad });
      close(run(opt, p, grads), ref, 1e-12, `${Cls.name} amsgrad=${amsgrad}`);
    }
  }
});

test('parameter groups use their own hyper-parameters; parameters without grad are skipped', () => {
  const a = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const b = tensor([3], { dtype: 'float64', requiresGrad: true });
  const c = tensor([5], { dtype: 'float64', requiresGrad: true });
  const opt = new optim.SGD([{ params: [a] }, { params: [b, c], lr: 0.5 }], { lr: 0.1 });
  tidy(() => {
    a.grad = tensor([1, 1], { dtype: 'float64' });
    b.grad = tensor([1], { dtype: 'float64' });
    opt.step();
  });
  assert.deepEqual(a.toArray(), [0.9, 1.9]);
  assert.deepEqual(b.toArray(), [2.5]);
  assert.deepEqual(c.toArray(), [5]);
  assert.throws(() => new optim.SGD([a, a], { lr: 1 }), /more than one group/);
  assert.throws(() => new optim.SGD([], { lr: 1 }), /empty parameter list/);
});

test('optimizer state dict: resuming gives exactly the uninterrupted trajectory', () => {
  const rng = new Rng(3);
  const p0 = Array.from({ length: 4 }, () => rng.normal());
  const grads = gradsSequence(rng, 10, 4);
  const pa = tensor(p0, { dtype: 'float64', requiresGrad: true });
  const full = run(new optim.Adam([pa], { lr: 0.05 }), pa, grads);

  const pb = tensor(p0, { dtype: 'float64', requiresGrad: true });
  const optB = new optim.Adam([pb], { lr: 0.05 });
  run(optB, pb, grads.slice(0, 4));
  const sd = optB.stateDict();
  const pc = tensor(pb.toArray(), { dtype: 'float64', requiresGrad: true });
  const optC = new optim.Adam([pc], { lr: 999 });
  optC.loadStateDict({
    tensors: new Map([...sd.tensors].map(([k, t]) => [k, t.clone()])),
    json: JSON.parse(JSON.stringify(sd.json)),
  });
  assert.equal(optC.groups[0]!.lr, 0.05);
  assert.deepEqual(run(optC, pc, grads.slice(4)), full);
});

test('CosineWithWarmup follows linear warm-up then the cosine formula', () => {
  const p = tensor([0], { requiresGrad: true });
  const opt = new optim.SGD([{ params: [p] }], { lr: 0.1 });
  const s = new optim.CosineWithWarmup(opt, { warmupSteps: 10, totalSteps: 110, minLr: 0.001 });
  const expected = (t: number): number =>
    t < 10 ? (0.1 * (t + 1)) / 10 : t >= 110 ? 0.001 : 0.001 + (0.099 * (1 + Math.cos((Math.PI * (t - 10)) / 100))) / 2;
  for (let t = 0; t < 120; t++) {
    assert.ok(Math.abs(opt.groups[0]!.lr - expected(t)) < 1e-15, `t=${t}: ${opt.groups[0]!.lr} vs ${expected(t)}`);
    s.step();
  }
  assert.equal(s.lrAt(10, 0.1), 0.1);
  assert.ok(Math.abs(s.lrAt(60, 0.1) - (0.001 + 0.099 / 2)) < 1e-15);
});

test('CosineWarmRestarts restarts at the period boundaries (PolyCL: every 10 epochs)', () => {
  const p = tensor([0], { requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 1e-3 });
  const s = new optim.CosineWarmRestarts(opt, { period0: 10 });
  assert.equal(s.lrAt(0, 1e-3), 1e-3);
  assert.equal(s.lrAt(10, 1e-3), 1e-3);
  assert.equal(s.lrAt(20, 1e-3), 1e-3);
  assert.ok(Math.abs(s.lrAt(5, 1e-3) - 5e-4) < 1e-15);
  assert.ok(Math.abs(s.lrAt(15, 1e-3) - 5e-4) < 1e-15);
  const s2 = new optim.CosineWarmRestarts(opt, { period0: 2, periodMult: 2 });
  // periods 2, 4, 8: restarts at t = 0, 2, 6, 14
  for (const t of [0, 2, 6, 14]) assert.equal(s2.lrAt(t, 1), 1, `restart at ${t}`);
  assert.ok(Math.abs(s2.lrAt(4, 1) - 0.5) < 1e-15);
  assert.throws(() => new optim.CosineWarmRestarts(opt, { period0: 0 }), /period0/);
});

test('scheduler state dict restores the step', () => {
  const p = tensor([0], { requiresGrad: true });
  const opt = new optim.SGD([p], { lr: 0.2 });
  const s = new optim.CosineWithWarmup(opt, { warmupSteps: 2, totalSteps: 20 });
  for (let i = 0; i < 7; i++) s.step();
  const saved = s.stateDict();
  const opt2 = new optim.SGD([p], { lr: 0.2 });
  const s2 = new optim.CosineWithWarmup(opt2, { warmupSteps: 2, totalSteps: 20 });
  s2.loadStateDict(saved);
  assert.equal(opt2.groups[0]!.lr, opt.groups[0]!.lr);
});
