/**
 * Colours of the classes: label 0 (background) is transparent, labels 1.. take a fixed, high-contrast list (it
 * repeats after 12). The same table colours NiiVue's drawing layer (where the mask lives, so that it can be
 * painted over) and the legend, with the class names from the model's metadata.
 */

/** NiiVue's colormap object (its type is not exported) */
export interface ColorMap {
  R: number[];
  G: number[];
  B: number[];
  A: number[];
  I: number[];
  labels: string[];
}

const COLOURS: [number, number, number][] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212], [0, 128, 128], [170, 110, 40],
]; // prettier-ignore

/** the RGB colour of label `k` (k >= 1) */
export function classColour(k: number): [number, number, number] {
  return COLOURS[(k - 1) % COLOURS.length]!;
}

/** a NiiVue label colormap for labels 0..classes-1 (0 transparent) */
export function drawColormap(classes: readonly string[]): ColorMap {
  const cm: ColorMap = { R: [], G: [], B: [], A: [], I: [], labels: [] };
  classes.forEach((name, k) => {
    const [r, g, b] = k === 0 ? [0, 0, 0] : classColour(k);
    cm.R.push(r);
    cm.G.push(g);
    cm.B.push(b);
    cm.A.push(k === 0 ? 0 : 255);
    cm.I.push(k);
    cm.labels.push(name);
  });
  return cm;
}

export function cssColour(k: number): string {
  const [r, g, b] = classColour(k);
  return `rgb(${r}, ${g}, ${b})`;
}
