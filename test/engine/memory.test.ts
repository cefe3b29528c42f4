import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, liveTensors, manualSeed, nn, optim, randn, randint, tidy } from '../../src/engine/index.js';

// The long-run check of issue "Engine" item 4: 10,000 small training steps keep RSS flat and leak no tensor.
test('10,000 small training steps: RSS flat, no live tensors leaked', () => {
  manualSeed(0);
  const net = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU());
  const head = new nn.Linear(4, 3);
  const opt = new optim.Adam([...net.parameters(), ...head.parameters()], { lr: 1e-3 });
  const x = randn([4, 1, 8, 8]);
  const y = randint(0, 3, [4]);
  const step = (): void =>
    tidy(() => {
      const loss = F.crossEntropy(head.forward(net.forward(x).mean([2, 3])), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  for (let i = 0; i < 1000; i++) step();
  global.gc?.();
  const live0 = liveTensors();
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 9000; i++) step();
  global.gc?.();
  const growthMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
  assert.equal(liveTensors(), live0, 'tensors leaked across steps');
  assert.ok(growthMiB < 24, `RSS grew ${growthMiB.toFixed(1)} MiB over 9,000 steps`);
});
