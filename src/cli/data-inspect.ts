/**
 * `medcl data inspect <manifest> [--json]`: validates a manifest (every problem listed with its item/line and field;
 * exit code 1), reads every image and label, and prints a summary (src/data/inspect.ts): patients, images per
 * patient, kinds, shapes, spacings, intensity ranges, label values with voxel counts per class, images without
 * labels, the readers' warnings, and the problems found per file (unreadable files, label maps of another shape,
 * label values that are not class ids). It exits with code 1 when it found problems, after printing the summary.
 */
import { Command } from 'commander';
import { loadManifest } from '../io/manifest.js';
import { inspectDataset, type DatasetSummary, type MinMedianMax } from '../data/inspect.js';

/** a number for people: integers as they are, others with 4 significant digits */
function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(4)));
}

function mmm(s: MinMedianMax): string {
  return `min ${fmt(s.min)}, median ${fmt(s.median)}, max ${fmt(s.max)}`;
}

const MAX_LISTED = 10;

function listed(lines: string[], indent = '  '): string[] {
  const shown = lines.slice(0, MAX_LISTED).map((l) => indent + l);
  if (lines.length > MAX_LISTED) shown.push(`${indent}... and ${lines.length - MAX_LISTED} more (--json lists all)`);
  return shown;
}

/** The summary as text, one fact per line. */
export function formatSummary(s: DatasetSummary): string {
  const out: string[] = [];
  out.push(`data set: ${s.name} (${s.manifest})`);
  const kinds = Object.entries(s.kinds)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
  out.push(`items: ${s.items} (${kinds})`);
  out.push(`patients: ${s.patients}; images per patient: ${mmm(s.imagesPerPatient)}`);
  out.push(`read: ${s.imagesRead} images, ${s.labelsRead} labels; problems: ${s.failed.length}`);
  out.push('shapes:');
  out.push(...listed(s.shapes.map((e) => `${e.shape.join(' x ')}: ${e.count}`)));
  out.push('spacings (mm):');
  out.push(...listed(s.spacings.map((e) => `${e.spacing.map(fmt).join(' x ')}: ${e.count}`)));
  out.push(
    `pixel types: ${
      Object.entries(s.dtypes)
        .map(([t, n]) => `${t}: ${n}`)
        .join(', ') || '-'
    }`,
  );
  if (s.intensity) {
    const i = s.intensity;
    out.push(`intensity: min ${fmt(i.min)}, max ${fmt(i.max)}`);
    out.push(`  1st percentile per image: ${mmm(i.p1)}`);
    out.push(`  99th percentile per image: ${mmm(i.p99)}`);
    if (i.nonFinite > 0) out.push(`  non-finite voxels (NaN/Inf, left out): ${i.nonFinite}`);
  } else out.push('intensity: - (no image could be read)');
  out.push(`labels (value name: voxels, label maps)${s.labels.classes ? '' : ' (the manifest names no classes)'}:`);
  if (s.labels.values.length === 0) out.push('  -');
  for (const v of s.labels.values) {
    const name = v.name ?? (s.labels.classes ? '(not a class of the manifest)' : '');
    out.push(`  ${fmt(v.value)}${name ? ` ${name}` : ''}: ${v.voxels} voxels, ${v.images} label maps`);
  }
  if (s.labels.absentClasses.length) out.push(`  classes never present: ${s.labels.absentClasses.join(', ')}`);
  out.push(`images without labels: ${s.withoutLabel.count}`);
  out.push(...listed(s.withoutLabel.images));
  if (s.warnings.length) {
    out.push(`warnings: ${s.warnings.length}`);
    out.push(...listed(s.warnings.map((w) => `items[${w.item}] ${w.warning}`)));
  }
  if (s.failed.length) {
    out.push(`problems: ${s.failed.length}`);
    out.push(...listed(s.failed.map((f) => `items[${f.item}] ${f.file}: ${f.error}`)));
  }
  return out.join('\n') + '\n';
}

/** Adds `data inspect` to `program` (re-using a `data` command another module may have added). */
export function register(program: Command): void {
  const data =
    program.commands.find((c) => c.name() === 'data') ??
    program.command('data').description('data sets: phantoms, manifests');
  data
    .command('inspect')
    .description('validate a manifest, read every image and summarise the data set')
    .argument('<manifest>', 'dataset manifest (JSON or CSV)')
    .option('--json', 'print the summary as JSON', false)
    .action(async (manifestPath: string, opts: { json: boolean }) => {
      const manifest = await loadManifest(manifestPath);
      const summary = await inspectDataset(manifest);
      process.stdout.write(opts.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
      if (summary.failed.length > 0)
        throw new Error(
          `data inspect: ${manifest.source}: ${summary.failed.length} problem(s), listed under "problems" (--json: "failed")`,
        );
    });
}
