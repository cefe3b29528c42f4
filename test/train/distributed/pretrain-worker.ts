/**
 * One rank of pretrain-ddp.test.ts (run through the launcher, never by the test runner): pre-trains the config given
 * as JSON in argv[2] on the group the environment describes (one process when WORLD_SIZE is 1) and prints
 * {rank, losses} or {rank, error, at} as one JSON line. With KILL_RANK and KILL_AT set, that rank SIGKILLs itself when it
 * loads its KILL_AT-th batch (a crash in the middle of a run).
 */
import { writeFileSync } from 'node:fs';
import { loadManifest } from '../../../src/io/manifest.js';
import { buildSliceDataset } from '../../../src/data/slice-dataset.js';
import { pretrain } from '../../../src/train/pretrain.js';
import { joinFromEnvironment } from '../../../src/train/distributed/context.js';
import type { PretrainInput } from '../../../src/methods/config.js';

const input = JSON.parse(process.argv[2]!) as PretrainInput & { data: string; size: number };
const parallel = joinFromEnvironment(Number(process.env['TEST_TIMEOUT_MS'] ?? 60000));
const rank = parallel?.rank ?? 0;
const dataset = await buildSliceDataset(await loadManifest(input.data), {
  preset: input.preset ?? 'xray',
  size: input.size,
});
const killAt = Number(process.env['KILL_AT'] ?? 0);
if (killAt > 0 && Number(process.env['KILL_RANK']) === rank) {
  let calls = 0;
  const load = dataset.imageBatch.bind(dataset);
  dataset.imageBatch = (ids) => {
    if (++calls === killAt) {
      writeFileSync(process.env['KILL_STAMP']!, String(Date.now()));
      process.kill(process.pid, 'SIGKILL');
    }
    return load(ids);
  };
}
try {
  const r = await pretrain(input, { dataset, parallel, progress: 'quiet' });
  process.stdout.write(JSON.stringify({ rank, losses: r.losses, resumedFrom: r.resumedFrom }) + '\n');
  process.exit(0);
} catch (e) {
  process.stdout.write(JSON.stringify({ rank, error: (e as Error).message, at: Date.now() }) + '\n');
  process.exit(1);
}
