/**
 * `--device` on the commands (src/cli/device-option.ts): a bad form is refused by the option's validation naming
 * --device, and a CUDA device this libtorch does not see is refused before any work (no output written), naming
 * --device; pretrain's --help shows the option with its default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cudaDeviceCount } from '../../src/engine/index.js';
import { register as registerPredict } from '../../src/cli/predict.js';
import { register as registerEmbed } from '../../src/cli/embed.js';
import { register as registerPretrain } from '../../src/cli/pretrain.js';
import { program, smallPhantoms } from './fixtures.js';

const medcl = () => program(registerPredict, registerEmbed, registerPretrain);

test('predict and embed: --device gpu | cuda:-1 | cuda:x fail validation naming --device', async () => {
  for (const bad of ['gpu', 'cuda:-1', 'cuda:x']) {
    await assert.rejects(
      medcl().parseAsync([
        'node',
        'medcl',
        'predict',
        '--model',
        'm',
        '--input',
        'i.png',
        '--out',
        'o.png',
        '--device',
        bad,
      ]),
      /predict: invalid options:\n {2}--device: must be 'cpu', 'cuda' or 'cuda:N'/,
    );
    await assert.rejects(
      medcl().parseAsync(['node', 'medcl', 'embed', '--run', 'r', '--out', 'o.csv', '--device', bad]),
      /embed: invalid options:\n {2}--device: must be/,
    );
  }
});

test('predict and embed: --device cuda without a CUDA device is refused before any work', async (t) => {
  if (cudaDeviceCount() > 0) {
    t.skip('this machine has CUDA: the request is served');
    return;
  }
  const data = await smallPhantoms('medcl-device-cli-');
  const out = join(data.dir, 'never.png');
  await assert.rejects(
    medcl().parseAsync([
      'node',
      'medcl',
      'predict',
      '--model',
      'missing',
      '--input',
      'i.png',
      '--out',
      out,
      '--device',
      'cuda',
    ]),
    /^Error: --device cuda requested but this libtorch sees 0 CUDA devices \(built without CUDA\?\)/,
  );
  await assert.rejects(
    medcl().parseAsync(['node', 'medcl', 'embed', '--run', 'missing', '--out', out, '--device', 'cuda:1']),
    /^Error: --device cuda:1 requested but this libtorch sees 0 CUDA devices/,
  );
  const run = join(data.dir, 'run');
  await assert.rejects(
    medcl().parseAsync([
      'node',
      'medcl',
      'pretrain',
      '--method',
      'simclr',
      '--data',
      data.xray,
      '--out',
      run,
      '--device',
      'cuda',
    ]),
    /^Error: device cuda requested but this libtorch sees 0 CUDA devices/,
  );
  assert.ok(!existsSync(out) && !existsSync(run), 'nothing written');
});

test('pretrain --help lists --device with its default', () => {
  const p = medcl();
  const help = p.commands.find((c) => c.name() === 'pretrain')!.helpInformation();
  assert.match(help, /--device <device>\s+where to compute: cpu \| cuda \| cuda:N[^]*\(default: cpu\)/);
});
