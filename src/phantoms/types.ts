/**
 * What every phantom generator yields: one image with its label map and the manifest fields
 * (patient id, acquisition date, free-form `meta` such as outcome variables).
 */
import type { Image } from '../io/image.js';
import type { MetaValue } from '../io/manifest.js';

export interface PhantomItem {
  /** file stem, unique in its data set, e.g. `p01_t0` */
  id: string;
  patient: string;
  /** acquisition date, ISO `YYYY-MM-DD` */
  time: string;
  kind: '2d' | '3d';
  image: Image;
  label: Image<Uint8Array>;
  /** flat manifest meta fields (strings, numbers, booleans, null) */
  meta: Record<string, MetaValue>;
}

/** The fixed description of a phantom data set (written to its manifest). */
export interface PhantomSetInfo {
  name: string;
  /** class names by label value, index 0 = background */
  classes: string[];
  /** label pairs that swap under a left-right flip */
  leftRightPairs: [number, number][];
  kind: '2d' | '3d';
  /** a sentence for people (not written to the manifest, whose top level has no such field) */
  description: string;
}

export interface PhantomSet extends PhantomSetInfo {
  items: PhantomItem[];
}
