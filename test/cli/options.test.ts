/** The CLI's shared pieces: whole-config validation naming options and file fields, text tables, CSV quoting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Command } from 'commander';
import { addSchemaOptions, flagNames, flagOf, parseOptions, pickOptions } from '../../src/cli/options.js';
import { parseIntArg, parseListArg, parseNumberArg } from '../../src/cli/parse.js';
import { intOption, numberOption } from '../../src/util/number-fields.js';
import { register as registerPredict } from '../../src/cli/predict.js';
import { register as registerFinetune } from '../../src/cli/finetune.js';
import { program } from './fixtures.js';
import { textTable, wrapText } from '../../src/cli/text-table.js';

const schema = z.strictObject({
  trainPatients: z.array(z.string()).min(1),
  encoder: z.strictObject({ widths: z.array(z.number().int().positive()) }),
  lr: z.number().positive(),
});

test('parseOptions: every problem, named by flag, by file field, or by path', () => {
  assert.equal(flagOf('trainPatients'), '--train-patients');
  const names = { ...flagNames(['trainPatients']), lr: 'ft.json: lr' };
  assert.throws(
    () => parseOptions(schema, { trainPatients: [], encoder: { widths: [4, -1] }, lr: 0, extra: 1 }, 'finetune', names),
    (e: Error) => {
      const lines = e.message.split('\n');
      assert.equal(lines[0], 'finetune: invalid options:');
      assert.ok(
        lines.some((l) => /^ {2}--train-patients: /.test(l)),
        e.message,
      );
      assert.ok(
        lines.some((l) => /^ {2}encoder\.widths\[1\]: /.test(l)),
        e.message,
      );
      assert.ok(
        lines.some((l) => /^ {2}ft\.json: lr: /.test(l)),
        e.message,
      );
      assert.ok(lines.includes('  extra: unknown field'), e.message);
      return true;
    },
  );
  assert.throws(
    () => parseOptions(schema, { encoder: { widths: [] }, lr: 1 }, 'x', flagNames(['trainPatients'])),
    /--train-patients: required/,
  );
  assert.deepEqual(parseOptions(schema, { trainPatients: ['a'], encoder: { widths: [4] }, lr: 1 }, 'x').trainPatients, [
    'a',
  ]);
});

const cliSchema = z
  .strictObject({
    data: z.string().min(1),
    epochs: z.number().int().positive().default(200),
    lr: z.number().positive().default(5e-5),
    trainPatients: z.array(z.string().min(1)).optional(),
    widths: z.array(z.number().int()).default([16, 32]),
    preset: z.enum(['xray', 'ct']).default('xray'),
    cache: z.boolean().default(true),
    json: z.boolean().default(false),
  })
  .transform((c) => c);

function cli(args: string[]): Record<string, unknown> {
  let seen: Record<string, unknown> = {};
  const p = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const c = p.command('x');
  const fields = addSchemaOptions(c, cliSchema, {
    data: { description: 'manifest', value: '<manifest>', required: true },
    epochs: 'epochs',
    lr: 'learning rate',
    trainPatients: { description: 'patients', value: '<ids>', default: 'all' },
    widths: 'widths',
    preset: 'preset',
    cache: { description: 'no cache', negate: true },
    json: 'as JSON',
  });
  c.action((raw: Record<string, unknown>) => {
    seen = parseOptions(cliSchema, pickOptions(raw, fields), 'x', flagNames(fields));
  });
  p.parse(['node', 'medcl', 'x', ...args]);
  return seen;
}

test('addSchemaOptions: flags, value types and --help defaults come from the schema fields', () => {
  assert.deepEqual(cli(['--data', 'm.json']), {
    data: 'm.json',
    epochs: 200,
    lr: 5e-5,
    widths: [16, 32],
    preset: 'xray',
    cache: true,
    json: false,
  });
  const all = cli(['--data=m', '--epochs', '3', '--lr', '1e-3', '--train-patients', 'a, b,,c', '--widths', '4,-8']);
  assert.deepEqual(
    [all['epochs'], all['lr'], all['trainPatients'], all['widths']],
    [3, 1e-3, ['a', 'b', 'c'], [4, -8]],
  );
  assert.deepEqual(
    [cli(['--data', 'm', '--no-cache', '--json'])['cache'], cli(['--data', 'm', '--json'])['json']],
    [false, true],
  );
  assert.throws(() => cli(['--data', 'm', '--epochs', '1.5']), /expected an integer, got "1.5"/);
  assert.throws(() => cli(['--data', 'm', '--lr', 'fast']), /expected a number, got "fast"/);
  assert.throws(() => cli(['--epochs', '3']), /--data/);
  // ranges and choices are the schema's: every problem at once, named by flag
  assert.throws(
    () => cli(['--data', 'm', '--epochs', '0', '--preset', 'mri']),
    (e: Error) => /--epochs: /.test(e.message) && /--preset: /.test(e.message),
  );
  const help = new Command();
  addSchemaOptions(help, cliSchema, {
    epochs: 'epochs',
    widths: 'w',
    trainPatients: { description: 'p', default: 'all' },
  });
  const text = help.helpInformation();
  assert.match(text, /--epochs <n>\s+epochs \(default: 200\)/);
  assert.match(text, /--widths <list>\s+w \(default: 16,32\)/);
  assert.match(text, /--train-patients <list>\s+p \(default: all\)/);
  assert.throws(() => addSchemaOptions(new Command(), cliSchema, { nope: 'x' }), /no field "nope"/);
});

test("the commands' --help lists the schemas' defaults", () => {
  const predict = program(registerPredict).commands.find((c) => c.name() === 'predict')!;
  assert.match(predict.helpInformation(), /--batch-size <n>\s+slices per forward pass \(default: 8\)/);
  const finetune = program(registerFinetune).commands.find((c) => c.name() === 'finetune')!;
  const text = finetune.helpInformation();
  assert.match(text, /--epochs <n>\s+epochs \(default: 200\)/);
  assert.match(text, /--lr <x>\s+learning rate \(Adam\) \(default: 0\.00005\)/);
  assert.match(text, /--train-patients <ids>/);
});

test('parse: one set of value parsers; intOption/numberOption name what they expected and got', () => {
  assert.equal(parseIntArg(' -3 '), -3);
  assert.throws(() => parseIntArg('2.0'), /expected an integer, got "2.0"/);
  assert.throws(() => parseIntArg('9007199254740993'), /expected an integer/);
  assert.equal(parseNumberArg('1e-3'), 1e-3);
  assert.throws(() => parseNumberArg(' '), /expected a number/);
  assert.throws(() => parseNumberArg('Infinity'), /expected a number/);
  assert.deepEqual(parseListArg('1, 2,,3', parseIntArg), [1, 2, 3]);
  const msg = (s: z.ZodType, v: unknown) => {
    const r = s.safeParse(v);
    return r.success ? 'ok' : r.error.issues[0]!.message;
  };
  assert.equal(msg(intOption(1), 0), 'expected a positive integer, got 0');
  assert.equal(msg(intOption(0), -1), 'expected a non-negative integer, got -1');
  assert.equal(msg(intOption(3), 2.5), 'expected an integer >= 3, got 2.5');
  assert.equal(msg(intOption(), 2), 'ok');
  assert.equal(msg(numberOption(true), 0), 'expected a positive number, got 0');
  assert.equal(msg(numberOption(), 'x'), 'expected a number, got x');
});

test('textTable: aligned columns, wrapped cells; wrapText keeps words whole', () => {
  assert.deepEqual(wrapText('aa bb cc dddddd e', 5), ['aa bb', 'cc', 'dddddd', 'e']);
  const t = textTable(
    ['a', 'bb', 'c'],
    [
      ['x', 'one two three', 'end'],
      ['yyyy', 'z', 'last'],
    ],
    { maxWidths: [undefined, 7] },
  );
  assert.equal(
    t,
    ['a     bb       c', '----  -------  ---', 'x     one two  end', '      three', 'yyyy  z        last', ''].join(
      '\n',
    ),
  );
});

test('addSchemaOptions: a flag of its own (`--queue` for queueSize) and nested fields (`--epochs` for finetune.epochs)', () => {
  const schema = z.strictObject({
    queueSize: z.number().int().positive().default(4096),
    finetune: z
      .strictObject({ epochs: z.number().int().positive().optional(), lr: z.number().positive().optional() })
      .default({}),
    random: z.boolean().default(true),
  });
  const specs = {
    queueSize: { description: 'keys per queue', flag: 'queue' },
    'finetune.epochs': { description: 'epochs', flag: 'epochs' },
    'finetune.lr': { description: 'lr', flag: 'lr' },
    random: { description: 'no baseline', negate: true, flag: 'baseline' },
  };
  const run = (args: string[]) => {
    let seen: unknown;
    const p = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    const c = p.command('x');
    const fields = addSchemaOptions(c, schema, specs);
    c.action((raw: Record<string, unknown>) => {
      seen = parseOptions(schema, pickOptions(raw, fields), 'x', flagNames(fields, specs));
    });
    p.parse(['node', 'medcl', 'x', ...args]);
    return seen;
  };
  assert.deepEqual(run([]), { queueSize: 4096, finetune: {}, random: true });
  assert.deepEqual(run(['--queue', '8', '--epochs', '3', '--lr', '0.5', '--no-baseline']), {
    queueSize: 8,
    finetune: { epochs: 3, lr: 0.5 },
    random: false,
  });
  assert.throws(
    () => run(['--queue', '0', '--epochs', '-1']),
    (e: Error) => /^ {2}--queue: /m.test(e.message) && /^ {2}--epochs: /m.test(e.message),
  );
  assert.throws(() => run(['--queue-size', '8']), /unknown option '--queue-size'/);
  const help = new Command();
  addSchemaOptions(help, schema, specs);
  assert.match(help.helpInformation(), /--queue <n>\s+keys per queue \(default: 4096\)/);
  assert.match(help.helpInformation(), /--no-baseline\s+no baseline/);
  assert.deepEqual(flagNames(['queueSize', 'finetune.epochs', 'random'], specs), {
    queueSize: '--queue',
    'finetune.epochs': '--epochs',
    random: '--no-baseline',
  });
  assert.throws(() => addSchemaOptions(new Command(), schema, { 'finetune.epochs': 'e' }), /needs a flag/);
  assert.throws(
    () => addSchemaOptions(new Command(), schema, { 'finetune.nope': { description: 'x', flag: 'x' } }),
    /no field "finetune\.nope"/,
  );
});
