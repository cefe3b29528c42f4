/**
 * Paired comparison of finished fidelity cells against any row (not only Random): PCL's second claim is that it
 * beats SimCLR and GCL, so the sweep's rows are compared with `pcl-32ep` on the same test volumes.
 *
 *   node .build/bench/fidelity/compare.js --results DIR/results.jsonl --baseline pcl-32ep \
 *        --methods simclr-32ep,gcl-32ep [--budgets 1,2] [--seed 0] [--out FILE.md]
 *   node .build/bench/fidelity/compare.js --results ... --pairs pcl-transfer:pcl,gcl-transfer:gcl [...]
 *
 * `--pairs row:baseline,...` compares each row with its own baseline (Holm over all pairs × M) instead of every
 * row with one baseline.
 *
 * The same statistics as every medcl table (docs/statistics.md): per-case paired differences method − baseline,
 * fold-stratified percentile bootstrap, Holm-corrected across the rows compared here. Writes FILE.md (table and
 * sentence) and FILE.json beside it; prints the table.
 */
import { comparePaired, comparePairs } from './summary.js';

interface Args {
  results: string;
  baseline: string;
  methods: string[];
  pairs: { row: string; baseline: string }[];
  budgets: string[] | null;
  seed: number;
  out: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { results: '', baseline: '', methods: [], pairs: [], budgets: null, seed: 0, out: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`fidelity compare: ${k} needs a value`);
    if (k === '--results') a.results = v;
    else if (k === '--baseline') a.baseline = v;
    else if (k === '--methods') a.methods = v.split(',');
    else if (k === '--pairs')
      a.pairs = v.split(',').map((p) => {
        const [row, baseline] = p.split(':');
        if (!row || !baseline) throw new Error(`fidelity compare: --pairs takes row:baseline,..., got ${p}`);
        return { row, baseline };
      });
    else if (k === '--budgets') a.budgets = v.split(',');
    else if (k === '--seed') a.seed = Number(v);
    else if (k === '--out') a.out = v;
    else throw new Error(`fidelity compare: unknown option ${k}`);
  }
  if (!a.results || (a.pairs.length === 0 && (!a.baseline || a.methods.length === 0)))
    throw new Error('fidelity compare: --results and either --pairs or --baseline and --methods are required');
  return a;
}

function main(): void {
  const a = parseArgs(process.argv.slice(2));
  process.stdout.write(
    a.pairs.length > 0 ? comparePairs(a.results, a.pairs, a) : comparePaired(a.results, a.baseline, a.methods, a),
  );
}

main();
