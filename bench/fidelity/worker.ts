/** One shard of the fidelity bench in its own process: `node worker.js <experiment input as JSON>`. */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { runExperiment } from '../../src/experiment/experiment.js';
import type { ExperimentInput } from '../../src/experiment/config.js';

const input = JSON.parse(process.argv[2] ?? '{}') as ExperimentInput & { out: string };
const logFile = path.join(input.out, 'worker.log');
await runExperiment(input, {
  progress: 'quiet',
  log: (line) => {
    appendFileSync(logFile, line + '\n');
    if (/fine-tuning|pre-training|test Dice/.test(line))
      process.stderr.write(`[${path.basename(input.out)}] ${line}\n`);
  },
});
