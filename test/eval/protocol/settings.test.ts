import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeSetting,
  evaluationDataset,
  parseSetting,
  pretrainDataset,
  pretrainPatientFilter,
  pretrainSharedAcrossFolds,
} from '../../../src/eval/protocol/settings.js';

const fold = { index: 0, train: ['a', 'b', 'c'], test: ['d', 'e'] };

test('semi-supervised: default keeps the test fold out of pre-training', () => {
  const s = parseSetting({ kind: 'semi-supervised', dataset: 'chd.json' });
  assert.equal(s.kind, 'semi-supervised');
  assert.equal(s.kind === 'semi-supervised' && s.pretrainImages, 'training-folds');
  const allow = pretrainPatientFilter(s, fold)!;
  for (const p of fold.train) assert.equal(allow(p), true);
  for (const p of fold.test) assert.equal(allow(p), false);
  assert.equal(allow('unlabelled-only'), true, 'patients in no fold (extra unlabelled data) are allowed');
  assert.equal(pretrainSharedAcrossFolds(s), false);
  assert.equal(evaluationDataset(s), 'chd.json');
  assert.equal(pretrainDataset(s), 'chd.json');
  assert.match(describeSetting(s), /test folds unseen/);
});

test("semi-supervised 'all-images' (the papers' protocol) lets pre-training see test-fold images", () => {
  const s = parseSetting({
    kind: 'semi-supervised',
    dataset: 'bch-subset.json',
    unlabelledDataset: 'bch-all.json',
    pretrainImages: 'all-images',
  });
  const allow = pretrainPatientFilter(s, fold)!;
  for (const p of [...fold.train, ...fold.test]) assert.equal(allow(p), true);
  assert.equal(pretrainSharedAcrossFolds(s), true);
  assert.equal(pretrainDataset(s), 'bch-all.json');
  assert.equal(evaluationDataset(s), 'bch-subset.json');
  assert.match(describeSetting(s), /including the unlabelled images of the test folds/);
});

test('transfer: pre-training on A, not tied to the folds of B', () => {
  const s = parseSetting({ kind: 'transfer', pretrainDataset: 'bch.json', finetuneDataset: 'jsrt.json' });
  assert.equal(pretrainPatientFilter(s, fold), null);
  assert.equal(pretrainSharedAcrossFolds(s), true);
  assert.equal(pretrainDataset(s), 'bch.json');
  assert.equal(evaluationDataset(s), 'jsrt.json');
  assert.match(describeSetting(s), /bch\.json.*jsrt\.json/);
});

test('parseSetting: errors name the field', () => {
  assert.throws(() => parseSetting({ kind: 'semi-supervised' }, 'cfg.json'), /cfg\.json: dataset: required/);
  assert.throws(
    () => parseSetting({ kind: 'semi-supervised', dataset: 'x', pretrainImages: 'everything' }),
    /pretrainImages: expected "training-folds" \| "all-images", got "everything"/,
  );
  assert.throws(() => parseSetting({ kind: 'transfer', pretrainDataset: 'a' }), /finetuneDataset: required/);
  assert.throws(() => parseSetting({ kind: 'self' }), /kind/);
  assert.throws(
    () => parseSetting({ kind: 'transfer', pretrainDataset: 'a', finetuneDataset: 'b', pretrainImages: 'all-images' }),
    /pretrainImages: unknown field/,
  );
});
