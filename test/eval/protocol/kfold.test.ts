import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  allFolds,
  getFold,
  hashPatients,
  kFold,
  loadOrCreateSplits,
  readSplits,
  writeSplits,
} from '../../../src/eval/protocol/kfold.js';

const ids = (n: number, prefix = 'P') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

test('kFold: every patient in exactly one fold, sizes differ by at most one', () => {
  for (const [n, k] of [
    [23, 5],
    [10, 5],
    [7, 3],
    [68, 5],
    [5, 5],
  ] as const) {
    const patients = ids(n);
    const s = kFold(patients, { seed: 7, k });
    assert.equal(s.folds.length, k);
    const count = new Map<string, number>();
    for (const f of s.folds) for (const p of f) count.set(p, (count.get(p) ?? 0) + 1);
    assert.equal(count.size, n, 'every patient appears');
    for (const [p, c] of count) assert.equal(c, 1, `${p} appears ${c} times`);
    const sizes = s.folds.map((f) => f.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      n,
    );
    assert.equal(s.numPatients, n);
  }
});

test('kFold: slices of one patient never in two folds; train/test of each fold partition the patients', () => {
  // 12 patients with 1..6 slices each: item -> patient; the test maps items to folds through their patient
  const items: { id: string; patient: string }[] = [];
  const patients = ids(12);
  patients.forEach((p, i) => {
    for (let s = 0; s <= i % 6; s++) items.push({ id: `${p}-slice${s}`, patient: p });
  });
  const splits = kFold(patients, { seed: 3 });
  const foldOfPatient = new Map<string, number>();
  splits.folds.forEach((f, i) => f.forEach((p) => foldOfPatient.set(p, i)));
  for (const a of items) {
    for (const b of items) {
      if (a.patient === b.patient) assert.equal(foldOfPatient.get(a.patient), foldOfPatient.get(b.patient));
    }
  }
  for (const fold of allFolds(splits)) {
    const test = new Set(fold.test);
    for (const p of fold.train) assert.ok(!test.has(p), `${p} in train and test of fold ${fold.index}`);
    assert.deepEqual([...fold.train, ...fold.test].sort(), patients.slice().sort());
    assert.deepEqual(fold.test, splits.folds[fold.index]);
  }
  // each patient is in the test part of exactly one fold
  const tested = allFolds(splits).flatMap((f) => f.test);
  assert.equal(new Set(tested).size, patients.length);
  assert.equal(tested.length, patients.length);
});

test('kFold: determined by the seed and the set of ids, not their order', () => {
  const patients = ids(30);
  const a = kFold(patients, { seed: 11 });
  const b = kFold(patients.slice().reverse(), { seed: 11 });
  assert.deepEqual(a, b);
  const c = kFold(patients, { seed: 12 });
  assert.notDeepEqual(a.folds, c.folds);
  // the draw is random, not the sorted order dealt out: over several seeds, fold 0 is not always the same
  const firsts = new Set([1, 2, 3, 4, 5, 6].map((seed) => kFold(patients, { seed }).folds[0]!.join(',')));
  assert.ok(firsts.size >= 5);
});

test('kFold: each patient is in each fold about 1/k of the time over seeds', () => {
  const patients = ids(10);
  const hits = new Array(10).fill(0);
  const runs = 2000;
  for (let seed = 0; seed < runs; seed++) {
    for (const p of kFold(patients, { seed, k: 5 }).folds[0]!) hits[Number(p.slice(1))]++;
  }
  // expected 2000 * 2/10 = 400 each; binomial sd ~ 18
  for (const h of hits) assert.ok(Math.abs(h - 400) < 80, `hits ${hits}`);
});

test('kFold: clear errors', () => {
  assert.throws(() => kFold(ids(3), { seed: 0, k: 5 }), /k = 5 folds need at least 5 patients, got 3/);
  assert.throws(() => kFold(ids(10), { seed: 0, k: 1 }), /k must be an integer >= 2/);
  assert.throws(() => kFold(['a', 'b', 'a', 'c', 'd'], { seed: 0, k: 2 }), /patients\[2\]: duplicate id "a"/);
  assert.throws(() => kFold(['a', ''], { seed: 0, k: 2 }), /patients\[1\]/);
  assert.throws(() => getFold(kFold(ids(10), { seed: 0 }), 5), /fold index/);
});

test('hashPatients: sha256 of the JSON of the sorted ids', () => {
  const expected = 'sha256:' + createHash('sha256').update('["a","b","c"]').digest('hex');
  assert.equal(hashPatients(['c', 'a', 'b']), expected);
  assert.notEqual(hashPatients(['a', 'b']), hashPatients(['a', 'b', 'c']));
});

test('splits file: round trip gives identical folds; another data set is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'medcl-splits-'));
  try {
    const patients = ids(17);
    const file = join(dir, 'sub', 'splits.json');
    const splits = kFold(patients, { seed: 5, k: 4 });
    await writeSplits(file, splits);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(doc.seed, 5);
    assert.equal(doc.k, 4);
    assert.equal(doc.patientsHash, hashPatients(patients));
    assert.deepEqual(doc.folds, splits.folds);
    const back = await readSplits(file, patients);
    assert.deepEqual(back, splits);
    for (let i = 0; i < 4; i++) assert.deepEqual(getFold(back, i), getFold(splits, i));

    // a different data set: one patient more, one patient renamed
    await assert.rejects(readSplits(file, [...patients, 'P999']), (e: Error) => {
      assert.match(e.message, /different data set/);
      assert.match(e.message, /17 patients/);
      assert.match(e.message, /"P999"/);
      return true;
    });
    const renamed = patients.slice();
    renamed[0] = 'Q000';
    await assert.rejects(readSplits(file, renamed), /different data set.*"Q000".*only in the file: "P000"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('splits file: corrupt or edited files are refused naming the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'medcl-splits-'));
  try {
    const file = join(dir, 'splits.json');
    const splits = kFold(ids(10), { seed: 1 });
    await writeSplits(file, splits);
    const doc = JSON.parse(await readFile(file, 'utf8'));

    const edited = structuredClone(doc);
    edited.folds[0][0] = 'X';
    await writeFile(file, JSON.stringify(edited));
    await assert.rejects(readSplits(file), /patientsHash: does not match/);

    const moved = structuredClone(doc);
    moved.folds[1].push(moved.folds[0][0]);
    await writeFile(file, JSON.stringify(moved));
    await assert.rejects(readSplits(file), /folds\[1\]: patient "P\d+" is also in fold 0/);

    const noK = structuredClone(doc);
    delete noK.k;
    await writeFile(file, JSON.stringify(noK));
    await assert.rejects(readSplits(file), new RegExp(`splits file .*splits.json: k: expected an integer`));

    await writeFile(file, '{not json');
    await assert.rejects(readSplits(file), /not valid JSON/);
    await assert.rejects(readSplits(join(dir, 'missing.json')), /missing.json: cannot read/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadOrCreateSplits: creates once, then reuses the identical folds; refuses other settings', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'medcl-splits-'));
  try {
    const file = join(dir, 'splits.json');
    const patients = ids(21);
    const first = await loadOrCreateSplits(file, patients, { seed: 9 });
    const text = await readFile(file, 'utf8');
    const second = await loadOrCreateSplits(file, patients.slice().reverse(), { seed: 9 });
    assert.deepEqual(second, first);
    assert.equal(await readFile(file, 'utf8'), text, 'the file is not rewritten');
    await assert.rejects(loadOrCreateSplits(file, patients, { seed: 10 }), /made with seed 9 and k 5.*seed 10/);
    await assert.rejects(loadOrCreateSplits(file, ids(20), { seed: 9 }), /different data set/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
