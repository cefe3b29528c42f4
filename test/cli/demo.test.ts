/** `medcl demo`'s options come from demoSettingsSchema: defaults in --help, bad values named by option. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { program } from './fixtures.js';
import { register } from '../../src/cli/demo.js';

const medcl = (...args: string[]) => program(register).parseAsync(['node', 'medcl', 'demo', ...args]);

test('demo: bad values are errors naming the option', async () => {
  await assert.rejects(
    medcl('--datasets', 'xray,pet'),
    /--datasets \[1\]: expected xray, ct and\/or lungct, got "pet"/,
  );
  await assert.rejects(medcl('--datasets', ','), /--datasets: expected xray, ct and\/or lungct/);
  await assert.rejects(medcl('--seed', '-1'), /demo: invalid options:\n {2}--seed: /);
  await assert.rejects(medcl('--seed', 'x'), /expected an integer, got "x"/);
});

test('demo --help: the flags with their defaults', () => {
  const help = program(register)
    .commands.find((c) => c.name() === 'demo')!
    .helpInformation()
    .replace(/\s+/g, ' ');
  assert.match(help, /--out <dir>\s+output folder \(default: medcl-demo\)/);
  assert.match(help, /--seed <n>\s+random seed \(default: 0\)/);
  assert.match(help, /--tiny\s+seconds-long version/);
  assert.match(help, /--datasets <list>.*\(default: xray,ct\)/);
});
