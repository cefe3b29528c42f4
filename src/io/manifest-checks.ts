/**
 * The manifest's cross-field checks: the class vocabulary and its left/right pairs, and the data-set level rules over
 * the items that passed their own checks (unique images, one kind and one kind of time per patient, valid UTF-8).
 */
import type { Manifest, PartialItem } from './manifest.js';
import type { ManifestIssue } from './manifest-schema.js';

/** duplicate class names; left/right pairs that need classes, stay in range, are not self-mirrors and do not repeat */
export function checkClasses(m: Manifest): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const classes = m.classes;
  if (classes) {
    const first = new Map<string, number>();
    classes.forEach((c, i) => {
      if (first.has(c))
        issues.push({
          where: `classes[${i}]`,
          message: `duplicate of classes[${first.get(c)}] (${JSON.stringify(c)})`,
        });
      else first.set(c, i);
    });
  }
  const used = new Map<number, number>();
  m.leftRightPairs.forEach(([a, b], i) => {
    const where = `leftRightPairs[${i}]`;
    if (!classes) {
      issues.push({ where, message: 'needs "classes" to give the class ids a meaning' });
      return;
    }
    for (const c of [a, b])
      if (c >= classes.length)
        issues.push({
          where,
          message: `class id ${c} out of range: ${classes.length} classes (0..${classes.length - 1})`,
        });
    if (a === b) issues.push({ where, message: `a class cannot be its own mirror (${a}, ${b})` });
    for (const c of new Set([a, b])) {
      if (used.has(c)) issues.push({ where, message: `class id ${c} is already in leftRightPairs[${used.get(c)}]` });
      else used.set(c, i);
    }
  });
  return issues;
}

/** data-set level checks over the items that passed their own checks */
export function checkDataset(items: readonly PartialItem[]): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const it of items)
    for (const f of ['patient', 'image', 'label'] as const)
      if (it[f]?.includes('\ufffd'))
        issues.push({
          where: `items[${it.index}].${f}`,
          message: `${JSON.stringify(it[f])} holds U+FFFD, the mark of bytes that are not valid UTF-8: save the manifest as UTF-8 (ids that lost characters could merge patients)`,
          item: it.index,
        });
  const firstImage = new Map<string, number>();
  for (const it of items) {
    if (it.image === undefined) continue;
    const prev = firstImage.get(it.image);
    if (prev !== undefined)
      issues.push({
        where: `items[${it.index}].image`,
        message: `duplicate of items[${prev}].image (${it.image})`,
        item: it.index,
      });
    else firstImage.set(it.image, it.index);
  }
  const byPatient = new Map<string, PartialItem[]>();
  for (const it of items) {
    if (it.patient === undefined) continue;
    const list = byPatient.get(it.patient);
    if (list) list.push(it);
    else byPatient.set(it.patient, [it]);
  }
  const refs = (xs: PartialItem[]) => {
    const s = xs.slice(0, 5).map((x) => `items[${x.index}]`);
    return s.join(', ') + (xs.length > 5 ? `, … (${xs.length})` : '');
  };
  for (const [p, list] of byPatient) {
    const d2 = list.filter((x) => x.kind === '2d');
    const d3 = list.filter((x) => x.kind === '3d');
    if (d2.length > 0 && d3.length > 0)
      issues.push({
        where: `patient ${JSON.stringify(p)}`,
        message: `mixes 2d (${refs(d2)}) and 3d (${refs(d3)}) items`,
      });
    const num = list.filter((x) => typeof x.time === 'number');
    const date = list.filter((x) => typeof x.time === 'string');
    if (num.length > 0 && date.length > 0)
      issues.push({
        where: `patient ${JSON.stringify(p)}`,
        message: `mixes numeric times (${refs(num)}) and dates (${refs(date)}); times of one patient must be comparable`,
      });
  }
  return issues;
}
