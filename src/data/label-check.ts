/**
 * Label ids against the manifest's class list, checked before any training: a label map holding a value that is not
 * a class id (negative, fractional, or >= the number of classes) would otherwise fail deep inside fine-tuning, after
 * pre-training, without naming the file. Without a class list every non-negative whole value is a class.
 */
import type { Manifest } from '../io/manifest.js';
import type { SliceDataset } from './slice-dataset.js';

/** How the values found in one label map disagree with `classes` (undefined: they agree). */
export function labelValueProblem(
  values: Iterable<number>,
  classes: readonly string[] | undefined,
): string | undefined {
  const bad = [...values].filter((v) => !(Number.isInteger(v) && v >= 0 && (!classes || v < classes.length)));
  if (bad.length === 0) return undefined;
  bad.sort((a, b) => a - b);
  const shown = bad.slice(0, 5).join(', ') + (bad.length > 5 ? `, … (${bad.length} values)` : '');
  const range = classes
    ? `the manifest has ${classes.length} classes (ids 0..${classes.length - 1}: ${classes.join(', ')})`
    : 'class ids are whole numbers >= 0';
  return `label value${bad.length > 1 ? 's' : ''} ${shown} ${bad.length > 1 ? 'are not class ids' : 'is not a class id'}: ${range}`;
}

/** One problem per label file whose values are not class ids of `dataset.manifest`. */
export function labelIdProblems(dataset: SliceDataset): string[] {
  const manifest: Manifest = dataset.manifest;
  // label maps are uint8 (SliceDataset): one presence table of 256 values per item
  const seen = new Map<number, Uint8Array>();
  dataset.samples.forEach((s, id) => {
    const label = dataset.labels[id];
    if (!label) return;
    let table = seen.get(s.item);
    if (!table) seen.set(s.item, (table = new Uint8Array(256)));
    for (let i = 0; i < label.length; i++) table[label[i]!] = 1;
  });
  const problems: string[] = [];
  for (const [item, table] of seen) {
    const values = [...table.keys()].filter((v) => table[v] === 1);
    const p = labelValueProblem(values, manifest.classes);
    if (p) problems.push(`items[${item}].label ${manifest.items[item]?.label ?? '?'}: ${p}`);
  }
  return problems;
}

/** Throws, listing every label file (up to 10) whose values are not class ids of the manifest. */
export function checkLabelIds(dataset: SliceDataset): void {
  const problems = labelIdProblems(dataset);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10);
  if (problems.length > 10) shown.push(`… and ${problems.length - 10} more label files`);
  throw new Error(`manifest: ${dataset.manifest.source}: label maps disagree with "classes":\n  ${shown.join('\n  ')}`);
}
