/**
 * One rank of finetune-ddp.test.ts (run through the launcher, never by the test runner): fine-tunes the config in
 * argv[3] on the X-ray manifest argv[2] (first 4 patients train, next 2 validate, the rest test) on the group the
 * environment describes, and prints {rank, losses, bestEpoch, meanDice, testCases} as one JSON line.
 */
import { loadManifest } from '../../../src/io/manifest.js';
import { buildSliceDataset } from '../../../src/data/slice-dataset.js';
import { finetune, type FinetuneInput } from '../../../src/train/finetune.js';
import { joinFromEnvironment } from '../../../src/train/distributed/context.js';

const ds = await buildSliceDataset(await loadManifest(process.argv[2]!), { preset: 'xray', size: 32 });
const input = JSON.parse(process.argv[3]!) as FinetuneInput;
const out = process.argv[4];
const parallel = joinFromEnvironment(60000);
const patients = [...new Set(ds.samples.map((s) => s.patient))];
const ids = (ps: string[]) => ds.idsOfPatients(new Set(ps));
const split = { train: ids(patients.slice(0, 4)), val: ids(patients.slice(4, 6)), test: ids(patients.slice(6)) };
const r = await finetune(input, ds, split, { parallel, ...(out ? { out } : {}) });
process.stdout.write(
  JSON.stringify({
    rank: parallel?.rank ?? 0,
    losses: r.losses,
    bestEpoch: r.bestEpoch,
    valCurve: r.valCurve,
    meanDice: r.meanDice,
    testCases: r.test.length,
  }) + '\n',
);
process.exit(0);
