/**
 * Writes the phantom data sets in their real file formats with one manifest each (docs/manifest.md):
 *   OUT/xray/manifest.json    img/pNN_tK.png (16-bit grey), lab/pNN_tK.png (8-bit labels)
 *   OUT/ct/manifest.json      img/sNN.nii.gz (int16 HU),   lab/sNN.nii.gz (uint8 labels)
 *   OUT/lungct/manifest.json  img/lNN.nii.gz (int16 HU),   lab/lNN.nii.gz (uint8 labels)
 * Items are generated and written one at a time, so memory stays at one volume.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeNifti } from '../io/nifti.js';
import { writePng } from '../io/png.js';
import { CT_INFO, ctItems, type CtPhantomOptions } from './ct.js';
import { LUNGCT_INFO, lungCtItems, type LungCtPhantomOptions } from './lungct.js';
import type { PhantomItem, PhantomSetInfo } from './types.js';
import { XRAY_INFO, xrayItems, type XrayPhantomOptions } from './xray.js';
import { ensureDir } from '../engine/checkpoint/ensure-dir.js';

export const PHANTOM_KINDS = ['xray', 'ct', 'lungct'] as const;
export type PhantomKind = (typeof PHANTOM_KINDS)[number];

/** A phantom set as a user asks for it (`medcl data phantoms`): where, which seed, which kinds, small or not. */
export const phantomSetSchema = z
  .strictObject({
    /** output folder (one sub-folder and manifest.json per data set) */
    out: z.string().min(1),
    seed: z.number().int().default(0),
    /** which data sets, each once */
    kinds: z
      .array(
        z.enum(PHANTOM_KINDS, {
          error: (iss) => `unknown kind "${String(iss.input)}" (expected ${PHANTOM_KINDS.join(', ')})`,
        }),
      )
      .min(1, 'expected at least one kind')
      .transform((kinds) => [...new Set(kinds)])
      .default([...PHANTOM_KINDS]),
    /** the SMALL_SIZES instead of the default sizes */
    small: z.boolean().default(false),
  })
  .meta({ title: 'phantom set options' });

/** the `--small` sizes: a quick demo / test set */
export const SMALL_SIZES = {
  xray: { patients: 8, size: 64, minImages: 2, maxImages: 5 },
  ct: { subjects: 4, shape: [24, 48, 48] as [number, number, number] },
  lungct: { subjects: 8, shape: [32, 48, 48] as [number, number, number] },
};

export interface WritePhantomsOptions {
  /** output folder (created if missing) */
  out: string;
  seed: number;
  /** which data sets (default all three) */
  kinds?: readonly PhantomKind[];
  /** 'default' (256^2 X-rays, 64x128x128 CT, 80x128x128 lung CT) or 'small' (SMALL_SIZES) */
  sizes?: 'default' | 'small';
  /** per-kind overrides of the generators' options (after `sizes`) */
  xray?: Omit<XrayPhantomOptions, 'seed'>;
  ct?: Omit<CtPhantomOptions, 'seed'>;
  lungct?: Omit<LungCtPhantomOptions, 'seed'>;
  /** called after each item is written */
  onItem?: (kind: PhantomKind, item: PhantomItem, written: number) => void;
}

export interface WritePhantomsResult {
  /** absolute-or-as-given path of each manifest written */
  manifests: Partial<Record<PhantomKind, string>>;
  items: Partial<Record<PhantomKind, number>>;
  seconds: number;
}

interface ManifestJson {
  version: 1;
  name: string;
  classes: string[];
  leftRightPairs: [number, number][];
  items: {
    image: string;
    label: string;
    patient: string;
    time: string;
    kind: '2d' | '3d';
    meta: PhantomItem['meta'];
  }[];
}

export async function writePhantoms(options: WritePhantomsOptions): Promise<WritePhantomsResult> {
  const t0 = performance.now();
  const kinds = options.kinds ?? PHANTOM_KINDS;
  for (const k of kinds) {
    if (!(PHANTOM_KINDS as readonly string[]).includes(k))
      throw new RangeError(`phantoms: unknown kind "${String(k)}" (expected one of ${PHANTOM_KINDS.join(', ')})`);
  }
  if (options.sizes !== undefined && options.sizes !== 'default' && options.sizes !== 'small') {
    throw new RangeError(`phantoms: sizes must be "default" or "small", got "${String(options.sizes)}"`);
  }
  const small = options.sizes === 'small';
  const result: WritePhantomsResult = { manifests: {}, items: {}, seconds: 0 };
  for (const kind of kinds) {
    let info: PhantomSetInfo;
    let items: Iterable<PhantomItem>;
    if (kind === 'xray') {
      info = XRAY_INFO;
      items = xrayItems({ ...(small ? SMALL_SIZES.xray : {}), ...options.xray, seed: options.seed });
    } else if (kind === 'ct') {
      info = CT_INFO;
      items = ctItems({ ...(small ? SMALL_SIZES.ct : {}), ...options.ct, seed: options.seed });
    } else {
      info = LUNGCT_INFO;
      items = lungCtItems({ ...(small ? SMALL_SIZES.lungct : {}), ...options.lungct, seed: options.seed });
    }
    const dir = join(options.out, kind);
    ensureDir(join(dir, 'img'));
    ensureDir(join(dir, 'lab'));
    const manifest: ManifestJson = {
      version: 1,
      name: info.name,
      classes: info.classes,
      leftRightPairs: info.leftRightPairs,
      items: [],
    };
    for (const item of items) {
      const ext = item.kind === '2d' ? 'png' : 'nii.gz';
      const image = `img/${item.id}.${ext}`;
      const label = `lab/${item.id}.${ext}`;
      if (item.kind === '2d') {
        await writePng(join(dir, image), item.image, { bitDepth: 16 });
        await writePng(join(dir, label), item.label, { bitDepth: 8 });
      } else {
        await writeNifti(join(dir, image), item.image, { description: `medcl ${info.name} ${item.id} (HU)` });
        await writeNifti(join(dir, label), item.label, { description: `medcl ${info.name} ${item.id} labels` });
      }
      manifest.items.push({ image, label, patient: item.patient, time: item.time, kind: item.kind, meta: item.meta });
      options.onItem?.(kind, item, manifest.items.length);
    }
    const path = join(dir, 'manifest.json');
    await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
    result.manifests[kind] = path;
    result.items[kind] = manifest.items.length;
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}
