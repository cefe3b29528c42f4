/**
 * The papers' pre-training numbers as resolved configs: PolyCL's tau = 1 / batch size of the run (kept when set),
 * its warm restarts every 10 epochs, lr 1e-4, batch 20; PCL and GCL: 200 epochs, SGD 0.1, cosine, batch 32, tau 0.1,
 * no warm-up; CL-TCI keeps its 10 warm-up epochs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePretrainConfig } from '../../src/methods/resolve-config.js';

const base = { data: 'unused', out: 'unused' };

test('PolyCL: tau = 1 / batch size of the run, unless the config sets tau', () => {
  for (const method of ['polycl-s', 'polycl-o']) {
    const d = resolvePretrainConfig({ ...base, method });
    assert.deepEqual(
      [d.batchSize, d.tau, d.optimizer, d.lr, d.schedule, d.restartEpochs, d.epochs],
      [20, 1 / 20, 'adam', 1e-4, 'cosine-restarts', 10, 100],
    );
    assert.equal(resolvePretrainConfig({ ...base, method, batchSize: 8 }).tau, 1 / 8);
    assert.equal(resolvePretrainConfig({ ...base, method, batchSize: 8, tau: 0.3 }).tau, 0.3);
    assert.equal(resolvePretrainConfig({ ...base, method, tau: 0.1 }).tau, 0.1, 'an explicit 0.1 is kept');
  }
});

test('PCL and GCL: 200 epochs, SGD 0.1, cosine without warm-up, batch 32, tau 0.1; CL-TCI keeps 10 warm-up epochs', () => {
  for (const method of ['pcl', 'gcl']) {
    const c = resolvePretrainConfig({ ...base, method });
    assert.deepEqual(
      [c.epochs, c.optimizer, c.lr, c.schedule, c.warmupEpochs, c.batchSize, c.tau, c.preset, c.augment],
      [200, 'sgd', 0.1, 'cosine-warmup', 0, 32, 0.1, 'ct-pcl', 'pcl'],
      method,
    );
  }
  const t = resolvePretrainConfig({ ...base, method: 'cltci-simclr' });
  assert.deepEqual([t.warmupEpochs, t.epochs, t.lr, t.tau, t.batchSize], [10, 500, 0.1, 0.1, 32]);
  // a method without derived defaults keeps the global tau
  assert.equal(resolvePretrainConfig({ ...base, method: 'simclr', batchSize: 8 }).tau, 0.1);
});
