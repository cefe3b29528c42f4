/**
 * Left/right safety for horizontal flips: a flip mirrors the anatomy, so a "left kidney" ends up where the right
 * one was. Augmentation that flips must swap such classes in the label (a manifest's `leftRightPairs`); a manifest
 * that names sided classes but declares no pair would be flipped silently wrong. `suspectedLeftRightPairs` finds the
 * class pairs whose names differ only by their side, in the spellings data sets use:
 *
 *   left_kidney / right_kidney, Kidney-L / Kidney-R, lung_l / lung_r, "Left Lung" / "Right Lung", LeftLung /
 *   RightLung, lt_adrenal / rt_adrenal, kidneyL / kidneyR.
 *
 * A name is sided when exactly one of its words is a side word (left, l, lt, sinister; right, r, rt, dexter); the
 * rest of its words (lower-cased, in order) is its stem. Two classes pair when their stems are equal and non-empty
 * and their sides differ. Names with no side word (liver, heart) or sided names without a partner (left_ventricle
 * alone) pair with nothing.
 */

export type Side = 'left' | 'right';

export interface SuspectedPair {
  /** class ids: the left-sided and the right-sided class */
  left: number;
  right: number;
  leftName: string;
  rightName: string;
}

const SIDE_WORDS: Record<string, Side> = {
  left: 'left',
  l: 'left',
  lt: 'left',
  sinister: 'left',
  right: 'right',
  r: 'right',
  rt: 'right',
  dexter: 'right',
};

/** the words of a class name: split at non-alphanumerics and at lower->upper case changes, lower-cased */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/** the side and stem of a class name, or null when it names no side (or more than one side word) */
export function sideOf(name: string): { side: Side; stem: string } | null {
  const words = nameWords(name);
  const sided = words.filter((w) => SIDE_WORDS[w] !== undefined);
  if (sided.length !== 1) return null;
  const stem = words.filter((w) => SIDE_WORDS[w] === undefined).join(' ');
  if (stem === '') return null;
  return { side: SIDE_WORDS[sided[0]!]!, stem };
}

/** Class pairs (by id = index in `classes`) whose names look like the left and right of one structure. */
export function suspectedLeftRightPairs(classes: readonly string[]): SuspectedPair[] {
  const byStem = new Map<string, { left: number[]; right: number[] }>();
  classes.forEach((name, id) => {
    const s = sideOf(name);
    if (!s) return;
    let e = byStem.get(s.stem);
    if (!e) byStem.set(s.stem, (e = { left: [], right: [] }));
    e[s.side].push(id);
  });
  const pairs: SuspectedPair[] = [];
  for (const { left, right } of byStem.values()) {
    // one left and one right class per stem is a pair; several of a side cannot be matched by name
    if (left.length !== 1 || right.length !== 1) continue;
    const [l, r] = [left[0]!, right[0]!];
    pairs.push({ left: l, right: r, leftName: classes[l]!, rightName: classes[r]! });
  }
  return pairs.sort((a, b) => Math.min(a.left, a.right) - Math.min(b.left, b.right));
}

/** The suspected pairs that `declared` (a manifest's leftRightPairs, in either order) does not list. */
export function undeclaredLeftRightPairs(
  classes: readonly string[],
  declared: readonly (readonly [number, number])[],
): SuspectedPair[] {
  const key = (a: number, b: number) => `${Math.min(a, b)}:${Math.max(a, b)}`;
  const have = new Set(declared.map(([a, b]) => key(a, b)));
  return suspectedLeftRightPairs(classes).filter((p) => !have.has(key(p.left, p.right)));
}
