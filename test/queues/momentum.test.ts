import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, noGrad, optim, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { MomentumEncoder } from '../../src/queues/momentum.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, randomArray } from '../engine/helpers.js';

/** A small encoder with a BatchNorm, so it has buffers (running statistics and a batch counter). */
class Net extends nn.Module {
  fc1 = this.registerModule('fc1', new nn.Linear(3, 4));
  bn = this.registerModule('bn', new nn.BatchNorm1d(4));
  fc2 = this.registerModule('fc2', new nn.Linear(4, 2));
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.bn.forward(this.fc1.forward(x)).relu());
  }
}

/** No normalisation: every parameter gets a gradient at every step (a bias before BatchNorm gets none). */
class Mlp extends nn.Module {
  fc1 = this.registerModule('fc1', new nn.Linear(3, 4));
  fc2 = this.registerModule('fc2', new nn.Linear(4, 2));
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).tanh());
  }
}

/** Another architecture, for the mismatch error. */
class Other extends nn.Module {
  fc1 = this.registerModule('fc1', new nn.Linear(3, 5));
  forward(x: Tensor): Tensor {
    return this.fc1.forward(x);
  }
}

function snapshot(m: nn.Module): Map<string, number[]> {
  return new Map(m.namedParameters().map(([n, p]) => [n, p.toArray()]));
}

function buffersOf(m: nn.Module): Map<string, number[]> {
  return new Map(m.namedBuffers().map(([n, b]) => [n, b.toArray()]));
}

/** One SGD step of the query on a random regression batch. */
function trainStep(enc: MomentumEncoder<Net | Mlp>, opt: optim.SGD, rng: Rng): void {
  tidy(() => {
    const x = tensor(randomArray(rng, 8 * 3), { shape: [8, 3] });
    const y = tensor(randomArray(rng, 8 * 2), { shape: [8, 2] });
    const loss = F.mseLoss(enc.forwardQuery(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  });
}

test('MomentumEncoder starts as an exact, separate, frozen copy of the query', () => {
  manualSeed(0);
  const query = new Net();
  const enc = new MomentumEncoder(query, () => new Net());
  assert.equal(enc.momentum, 0.999, "MoCo's m by default");
  assert.deepEqual(snapshot(enc.key), snapshot(query));
  for (const p of enc.key.parameters()) assert.equal(p.requiresGrad, false);
  for (const p of enc.query.parameters()) assert.equal(p.requiresGrad, true);
  // separate memory: changing the query leaves the key alone
  const before = snapshot(enc.key);
  noGrad(() => query.fc1.weight.add_(1));
  assert.deepEqual(snapshot(enc.key), before);
  assert.deepEqual(
    [...enc.stateDict().keys()].filter((k) => !k.startsWith('query.') && !k.startsWith('key.')),
    ['num_updates'],
  );
});

test('the key weights change after EVERY update while the query trains (m = 0.999)', () => {
  manualSeed(1);
  const rng = new Rng(1);
  const enc = new MomentumEncoder<Net | Mlp>(new Mlp(), () => new Mlp());
  const opt = new optim.SGD(enc.query.parameters(), { lr: 0.5 });
  let prev = snapshot(enc.key);
  for (let step = 0; step < 6; step++) {
    trainStep(enc, opt, rng);
    assert.deepEqual(snapshot(enc.key), prev, 'the optimiser step alone does not touch the key');
    assert.equal(enc.update(), 0.999);
    const now = snapshot(enc.key);
    for (const [name, values] of now) {
      const old = prev.get(name)!;
      assert.ok(
        values.some((v, i) => v !== old[i]),
        `step ${step}: key parameter ${name} did not change`,
      );
    }
    prev = now;
  }
  assert.equal(enc.updates, 6);
});

test('m = 0 makes the key exactly the query; m = 1 leaves it exactly unchanged', () => {
  manualSeed(2);
  const rng = new Rng(2);
  const zero = new MomentumEncoder(new Net(), () => new Net(), { momentum: 0 });
  const one = new MomentumEncoder(new Net(), () => new Net(), { momentum: 1 });
  const initialKey = snapshot(one.key);
  const optZ = new optim.SGD(zero.query.parameters(), { lr: 0.3 });
  const optO = new optim.SGD(one.query.parameters(), { lr: 0.3 });
  for (let step = 0; step < 3; step++) {
    trainStep(zero, optZ, rng);
    trainStep(one, optO, rng);
    zero.update();
    one.update();
    assert.deepEqual(snapshot(zero.key), snapshot(zero.query));
    assert.deepEqual(snapshot(one.key), initialKey);
    assert.notDeepEqual(snapshot(one.query), initialKey);
  }
});

test('key weights follow the EMA θk = m θk + (1 − m) θq computed in float64, constant and scheduled m', () => {
  for (const momentum of [0.9, 0.999, (t: number) => 0.5 + 0.1 * t]) {
    manualSeed(3);
    const rng = new Rng(3);
    const enc = new MomentumEncoder(new Net(), () => new Net(), { momentum });
    const opt = new optim.SGD(enc.query.parameters(), { lr: 0.2, momentum: 0.9 });
    const ref = new Map([...snapshot(enc.key)].map(([n, v]) => [n, Float64Array.from(v)]));
    for (let t = 0; t < 5; t++) {
      trainStep(enc, opt, rng);
      const m = typeof momentum === 'number' ? momentum : 0.5 + 0.1 * t;
      assert.equal(enc.momentum, m);
      assert.equal(enc.update(), m);
      for (const [name, q] of snapshot(enc.query)) {
        const r = ref.get(name)!;
        for (let i = 0; i < r.length; i++) r[i] = m * r[i]! + (1 - m) * q[i]!;
      }
      for (const [name, k] of snapshot(enc.key)) {
        assertClose(k, ref.get(name)!, { rtol: 1e-6, atol: 1e-7, msg: `m ${m}, step ${t}, ${name}` });
      }
    }
  }
});

test('the key encoder never requires or receives gradients; forwardKey runs without a graph', () => {
  manualSeed(4);
  const enc = new MomentumEncoder(new Net(), () => new Net(), { momentum: 0.5 });
  tidy(() => {
    const x = tensor(randomArray(new Rng(4), 6 * 3), { shape: [6, 3] });
    const qOut = enc.forwardQuery(x);
    const kOut = enc.forwardKey(x);
    assert.equal(qOut.requiresGrad, true);
    assert.equal(kOut.requiresGrad, false);
    assert.equal(kOut.gradFn, null);
    // a loss that uses both: gradients reach the query only
    qOut.mul(kOut).sum().backward();
    for (const p of enc.query.parameters()) assert.notEqual(p.grad, null);
    for (const p of enc.key.parameters()) assert.equal(p.grad, null);
    assert.deepEqual(enc.forward(x).toArray(), qOut.toArray(), 'forward is the query path');
  });
  enc.update();
  for (const p of enc.key.parameters()) assert.equal(p.requiresGrad, false);
  // and after loading a state dict (loading copies values; the flag must stay off)
  enc.loadStateDict(enc.stateDict());
  for (const p of enc.key.parameters()) assert.equal(p.requiresGrad, false);
});

test('buffers (BatchNorm running statistics) are copied from the query at each update', () => {
  manualSeed(5);
  const rng = new Rng(5);
  const enc = new MomentumEncoder(new Net(), () => new Net());
  const frozen = new MomentumEncoder(new Net(), () => new Net(), { copyBuffers: false });
  for (const e of [enc, frozen]) {
    tidy(() => {
      e.train();
      e.forwardQuery(tensor(randomArray(rng, 8 * 3, 0, 4), { shape: [8, 3] }));
    });
  }
  const keyBefore = buffersOf(frozen.key);
  assert.notDeepEqual(buffersOf(enc.query), buffersOf(enc.key), 'the query forward moved its running stats');
  enc.update();
  frozen.update();
  assert.deepEqual(buffersOf(enc.key), buffersOf(enc.query));
  assert.deepEqual(buffersOf(enc.key).get('bn.num_batches_tracked'), [1]);
  assert.deepEqual(buffersOf(frozen.key), keyBefore, 'copyBuffers: false leaves them');
});

test('state dict: a fresh wrapper restores the key weights (not re-copied from the query) and the update count', () => {
  manualSeed(6);
  const rng = new Rng(6);
  const a = new MomentumEncoder(new Net(), () => new Net(), { momentum: (t) => (t < 2 ? 0.5 : 0.9) });
  const opt = new optim.SGD(a.query.parameters(), { lr: 0.5 });
  for (let t = 0; t < 3; t++) {
    trainStep(a, opt, rng);
    a.update();
  }
  const b = new MomentumEncoder(new Net(), () => new Net(), { momentum: (t) => (t < 2 ? 0.5 : 0.9) });
  b.loadStateDict(a.stateDict());
  assert.deepEqual(snapshot(b.key), snapshot(a.key));
  assert.deepEqual(snapshot(b.query), snapshot(a.query));
  assert.notDeepEqual(snapshot(b.key), snapshot(b.query));
  assert.equal(b.updates, 3);
  assert.equal(b.momentum, 0.9, 'the schedule resumes at update 3');
});

test('bad construction and bad momentum values are named', () => {
  const q = new Net();
  assert.throws(() => new MomentumEncoder(q, () => q), /returned the query itself/);
  assert.throws(() => new MomentumEncoder(q, () => new Other() as unknown as Net), /loadStateDict|MomentumEncoder/);
  assert.throws(
    () => new MomentumEncoder(q, () => new Net(), { momentum: 1.5 }),
    /momentum must be in \[0, 1\], got 1.5/,
  );
  const enc = new MomentumEncoder(q, () => new Net(), { momentum: () => NaN });
  assert.throws(() => enc.update(), /momentum must be in \[0, 1\], got NaN at update 0/);
  enc.setMomentum(0.25);
  assert.equal(enc.update(), 0.25);
  assert.throws(() => enc.setMomentum(-0.1), /got -0.1/);
});
