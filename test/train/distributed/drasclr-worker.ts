/**
 * One rank of pretrain-drasclr-ddp.test.ts here (run through the launcher, never by the test runner): DrasCLR pre-training of
 * the config in argv[2] on the group the environment describes; prints {rank, losses, steps} as one JSON line.
 */
import { pretrainDrasclr } from '../../../src/train/pretrain-drasclr.js';
import { joinFromEnvironment } from '../../../src/train/distributed/context.js';

const parallel = joinFromEnvironment(120000);
const r = await pretrainDrasclr(JSON.parse(process.argv[2]!) as never, { parallel, progress: 'quiet' });
process.stdout.write(JSON.stringify({ rank: parallel?.rank ?? 0, losses: r.losses, steps: r.steps }) + '\n');
process.exit(0);
