/**
 * What the fidelity bench's pre-trained encoders encode, before any fine-tuning (src/eval/embedding-probes.ts):
 *
 *   node .build/bench/fidelity/probe.js --data TARGET_MANIFEST --out DIR [--random NAME=RUN_DIR] NAME=RUN_DIR ...
 *
 * Each RUN_DIR is a pre-training run (config.json, encoder.safetensors, e.g. a sweep's
 * work/<row>/pretrain/<method>/shared-*); every slice of the manifest's volumes is embedded with it (the run's
 * preset and size; all runs must share them) and probed: the cross-validated R² of a linear readout of relative
 * position (folds of whole patients), the position error of each slice's nearest neighbour among other patients'
 * slices against a random one's, and the share of its 10 nearest neighbours from its own volume against chance.
 * `--random NAME=RUN_DIR`: the same architecture as that run with freshly initialised weights (seed 0), as
 * fine-tuning from random initialisation starts. Writes DIR/probe.md and DIR/probe.json.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../src/io/manifest.js';
import { buildSliceDataset, type SliceDataset } from '../../src/data/slice-dataset.js';
import { loadRunEncoder } from '../../src/train/run-encoder.js';
import { embedSamples } from '../../src/eval/embed.js';
import { neighbourPosition, positionProbe, samePatientRate } from '../../src/eval/embedding-probes.js';
import { methodEncoder } from '../../src/methods/common.js';
import { getSliceMethod } from '../../src/methods/registry.js';
import { manualSeed } from '../../src/engine/random.js';
import { slicePosition } from '../../src/relations/position.js';
import type { BackboneEncoder } from '../../src/models/backbones.js';
import type { PretrainConfig } from '../../src/methods/config.js';

interface Args {
  data: string;
  out: string;
  runs: { name: string; dir: string; random: boolean }[];
}

function parseArgs(argv: string[]): Args {
  const runs: Args['runs'] = [];
  let data: string | undefined;
  let out: string | undefined;
  const named = (k: string, v: string | undefined, random: boolean) => {
    const m = /^([^=]+)=(.+)$/.exec(v ?? '');
    if (!m) throw new Error(`fidelity probe: ${k} takes NAME=RUN_DIR, got ${v}`);
    runs.push({ name: m[1]!, dir: m[2]!, random });
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--data') data = argv[++i];
    else if (k === '--out') out = argv[++i];
    else if (k === '--random') named(k, argv[++i], true);
    else if (k.startsWith('--')) throw new Error(`fidelity probe: unknown option ${k}`);
    else named('a run', k, false);
  }
  if (!data || !out || runs.length === 0)
    throw new Error('fidelity probe: usage: --data MANIFEST --out DIR [--random NAME=RUN_DIR] NAME=RUN_DIR ...');
  return { data, out, runs };
}

/** a run's encoder, or (random) its architecture with fresh weights */
function encoderOf(r: Args['runs'][number]): { encoder: BackboneEncoder; config: PretrainConfig } {
  const { encoder, config } = loadRunEncoder(r.dir);
  if (!r.random) return { encoder, config };
  manualSeed(0);
  const fresh = methodEncoder(getSliceMethod(config.method), config);
  fresh.eval();
  return { encoder: fresh, config };
}

function probe(ds: SliceDataset, encoder: BackboneEncoder) {
  const e = embedSamples(encoder, ds);
  const samples = e.ids.map((id) => ds.samples[id]!);
  const s = {
    position: samples.map((x) => slicePosition(x.sliceIndex, x.slicesInVolume)),
    patient: samples.map((x) => x.patient),
    sliceIndex: samples.map((x) => x.sliceIndex),
  };
  return {
    slices: e.n,
    dim: e.dim,
    position: positionProbe(e, s),
    neighbour: neighbourPosition(e, s),
    samePatient: samePatientRate(e, s),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(args.out, { recursive: true });
  const manifest = await loadManifest(args.data);
  let ds: SliceDataset | null = null;
  let shape = '';
  const rows: ({ name: string; dir: string; random: boolean } & ReturnType<typeof probe>)[] = [];
  for (const r of args.runs) {
    const { encoder, config } = encoderOf(r);
    const key = `${config.preset} ${config.size}`;
    if (ds && key !== shape) throw new Error(`fidelity probe: ${r.dir} uses ${key}, the first run ${shape}`);
    ds ??= await buildSliceDataset(manifest, {
      preset: config.preset,
      size: config.size,
      cacheDir: path.join(os.tmpdir(), 'medcl-cache'),
    });
    shape = key;
    const t0 = Date.now();
    rows.push({ ...r, ...probe(ds, encoder) });
    const x = rows.at(-1)!;
    process.stdout.write(
      `${r.name}: position R² ${x.position.r2.toFixed(3)}, neighbour |Δz| ${x.neighbour.error.toFixed(3)} ` +
        `(random ${x.neighbour.chance.toFixed(3)}), own volume ${x.samePatient.rate.toFixed(3)} ` +
        `(chance ${x.samePatient.chance.toFixed(3)}); ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
    );
  }
  const md = [
    `Probes of ${rows[0]!.slices} slices of ${args.data} (${shape}): no fine-tuning.`,
    '',
    '| encoder | position R² (6 patient folds) | neighbour abs(Δz) | random neighbour | own-volume share of 10-NN | chance |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (x) =>
        `| ${x.name} | ${x.position.r2.toFixed(3)} | ${x.neighbour.error.toFixed(3)} | ${x.neighbour.chance.toFixed(3)} ` +
        `| ${x.samePatient.rate.toFixed(3)} | ${x.samePatient.chance.toFixed(3)} |`,
    ),
  ].join('\n');
  writeFileSync(path.join(args.out, 'probe.md'), md + '\n');
  writeFileSync(path.join(args.out, 'probe.json'), JSON.stringify({ data: args.data, shape, rows }, null, 2) + '\n');
  process.stdout.write(`fidelity probe: ${path.join(args.out, 'probe.md')}\n`);
}

await main();
