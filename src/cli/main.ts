#!/usr/bin/env node
/**
 * The `medcl` command. Each sub-command lives in its own module under src/cli/ and exports
 * `register(program)`; this file only assembles them. Commands parse and validate, then call the library.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register as registerPhantoms } from './phantoms.js';
import { register as registerDataInspect } from './data-inspect.js';
import { register as registerPredict } from './predict.js';
import { register as registerExport } from './export.js';
import { register as registerEmbed } from './embed.js';
import { register as registerPretrain } from './pretrain.js';
import { register as registerExperiment } from './experiment.js';
import { register as registerDemo } from './demo.js';
import { register as registerPretrainDrasclr } from './pretrain-drasclr.js';
import { register as registerEvaluateDrasclr } from './evaluate-drasclr.js';
import { register as registerDataImport } from './data-import.js';
import { register as registerMethods } from './methods.js';
import { register as registerConfig } from './config.js';
import { register as registerInfo } from './info.js';
import { register as registerFinetune } from './finetune.js';
import { register as registerEvaluate } from './evaluate.js';
import { register as registerView } from './view.js';
import { medclVersion } from '../engine/system-info.js';
import { errorMessage } from '../util/error-message.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('medcl')
    .description('Label-efficient medical image segmentation: contrastive pre-training, fine-tuning, evaluation')
    .version(medclVersion());
  registerPhantoms(program);
  registerDataInspect(program);
  registerDataImport(program);
  registerMethods(program);
  registerConfig(program);
  registerInfo(program);
  registerPredict(program);
  registerExport(program);
  registerEmbed(program);
  registerPretrain(program);
  registerFinetune(program);
  registerEvaluate(program);
  registerExperiment(program);
  registerDemo(program);
  registerPretrainDrasclr(program);
  registerEvaluateDrasclr(program);
  registerView(program);
  return program;
}

function invokedDirectly(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const isMain = invokedDirectly();
if (isMain) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`medcl: ${errorMessage(err)}\n`);
      process.exit(1);
    });
}
