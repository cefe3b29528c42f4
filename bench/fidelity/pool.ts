/**
 * Pools fidelity sweeps run with different seeds (`sweep.js --seed S`: new phantoms, folds, initialisations and
 * augmentation draws) into one table and one paired verdict, so the CIs cover seed-to-seed variation as well as
 * test volumes. Each sweep's fold k becomes its own stratum (sweep i, fold k -> fold 100·i + k): a case is still
 * paired only with the baseline's cell on the same phantoms and fold, and the bootstrap resamples cases within
 * those strata. Only the rows (method × M) present in every sweep are pooled, unless `--methods` names them.
 *
 *   node .build/bench/fidelity/pool.js --out DIR [--methods random,pcl-32ep,gcl-32ep] [--seed N] [--same-draw]
 *                                      [--rename I:old=new ...] SWEEP_DIR...
 *
 * `--same-draw` merges instead of pooling: sweeps run on the same seed, size and steps (the same phantoms and folds)
 * but with different rows, e.g. GCL added later with `sweep.js --random-budgets none`. Folds are kept, each row must
 * come from one sweep, every fold must test the same patients in every sweep, and a case is named by its path under
 * the sweep's work/data, so the same volume matches across out folders.
 *
 * `--rename I:old=new` renames row `old` of the I-th sweep (0-based) before anything else, e.g. to pair two runs of
 * the same row that differ in one setting: `--rename 0:random-4000steps=random --rename 1:random-4000steps=random-aug`.
 *
 * Writes DIR: results.jsonl, table.md (mean (std) over all pooled folds), ci.md, verdict.json, summary.json.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readRecords, type CellRecord } from '../../src/experiment/records.js';
import { summarizeSetting } from './summary.js';

interface Args {
  out: string;
  methods?: string[];
  seed: number;
  sameDraw: boolean;
  sweeps: string[];
  /** per sweep index: row renames */
  renames: Map<number, Map<string, string>>;
}

function parseArgs(argv: string[]): Args {
  const a: Partial<Args> & Omit<Args, 'out' | 'methods'> = {
    seed: 0,
    sweeps: [],
    sameDraw: false,
    renames: new Map(),
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--same-draw') a.sameDraw = true;
    else if (k === '--rename') {
      const m = /^(\d+):([^=]+)=(.+)$/.exec(argv[++i] ?? '');
      if (!m) throw new Error(`fidelity pool: --rename takes I:old=new, got ${argv[i]}`);
      const at = a.renames.get(Number(m[1])) ?? new Map<string, string>();
      a.renames.set(Number(m[1]), at.set(m[2]!, m[3]!));
    } else if (k === '--out' || k === '--methods' || k === '--seed') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`fidelity pool: ${k} needs a value`);
      if (k === '--out') a.out = v;
      else if (k === '--methods') a.methods = v.split(',');
      else a.seed = Number(v);
    } else if (k.startsWith('--')) throw new Error(`fidelity pool: unknown option ${k}`);
    else a.sweeps.push(k);
  }
  if (!a.out || a.sweeps.length === 0) throw new Error('fidelity pool: usage: --out DIR [--methods a,b] SWEEP_DIR...');
  return { ...a, out: a.out };
}

const rowKey = (r: CellRecord): string => `${r.method} M=${r.M}`;

/**
 * `.../work/data/target/ct/img/s05.nii.gz` -> `target/ct/img/s05.nii.gz`; a relative path is a merged table's
 * (this tool's output), already named that way, so a merged table can be merged with more rows of its draw
 */
const underData = (file: string): string => {
  const i = file.lastIndexOf('/work/data/');
  if (i >= 0) return file.slice(i + '/work/data/'.length);
  if (!path.isAbsolute(file)) return file;
  throw new Error(`fidelity pool --same-draw: case ${file} is neither under a sweep's work/data nor a merged table's`);
};

/** --same-draw: one draw, rows from several out folders; throws where the draws visibly differ */
function mergeSameDraw(sweeps: CellRecord[][], names: string[]): CellRecord[] {
  const owner = new Map<string, string>();
  const tested = new Map<number, string>(); // fold -> its test patients
  for (const [i, recs] of sweeps.entries()) {
    for (const r of recs) {
      const prev = owner.get(rowKey(r));
      if (prev !== undefined && prev !== names[i])
        throw new Error(`fidelity pool --same-draw: ${rowKey(r)} is in both ${prev} and ${names[i]}`);
      owner.set(rowKey(r), names[i]!);
      const patients = [...new Set(r.cases.map((c) => c.patient))].sort().join(',');
      if ((tested.get(r.fold) ?? patients) !== patients)
        throw new Error(`fidelity pool --same-draw: fold ${r.fold} tests other patients in ${names[i]}`);
      tested.set(r.fold, patients);
    }
  }
  return sweeps.flat().map((r) => ({ ...r, cases: r.cases.map((c) => ({ ...c, case: underData(c.case) })) }));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sweeps = args.sweeps.map((d, i) =>
    readRecords(path.join(d, 'results.jsonl')).map((r) => ({
      ...r,
      method: args.renames.get(i)?.get(r.method) ?? r.method,
    })),
  );
  for (const i of args.renames.keys())
    if (i >= args.sweeps.length)
      throw new Error(`fidelity pool: --rename ${i}: there are ${args.sweeps.length} sweeps`);
  for (const [i, recs] of sweeps.entries()) {
    const folds = new Set(recs.map((r) => r.fold));
    if ([...folds].some((f) => f >= 100)) throw new Error(`fidelity pool: ${args.sweeps[i]} has a fold >= 100`);
  }
  if (args.sameDraw) {
    const merged = mergeSameDraw(sweeps, args.sweeps).filter((r) => !args.methods || args.methods.includes(r.method));
    return report(args, [...new Set(merged.map(rowKey))].sort(), merged);
  }
  const common = sweeps
    .map((recs) => new Set(recs.map(rowKey)))
    .reduce((a, b) => new Set([...a].filter((k) => b.has(k))));
  const keep = (r: CellRecord): boolean =>
    args.methods ? args.methods.includes(r.method) && common.has(rowKey(r)) : common.has(rowKey(r));
  const records = sweeps.flatMap((recs, i) => recs.filter(keep).map((r) => ({ ...r, fold: 100 * i + r.fold })));
  await report(args, [...common].sort(), records);
}

async function report(args: Args, rows: string[], records: CellRecord[]): Promise<void> {
  const summary = await summarizeSetting('pooled', [], args.out, args.seed, records);
  writeFileSync(
    path.join(args.out, 'summary.json'),
    JSON.stringify({ sweeps: args.sweeps, sameDraw: args.sameDraw, rows, summary }, null, 2) + '\n',
  );
  process.stdout.write(`fidelity pool: ${args.sweeps.length} sweeps, ${records.length} cells; tables in ${args.out}\n`);
  for (const v of summary.verdict)
    process.stdout.write(
      `${v.method} M=${v.M}: ${v.mean.toFixed(3)} [${v.lo.toFixed(3)}, ${v.hi.toFixed(3)}] n=${v.n}` +
        `${v.helped ? ' helped' : v.hurt ? ' hurt' : ''}\n`,
    );
}

await main();
