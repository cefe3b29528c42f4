/**
 * The scan the user drops: checked from its first bytes before anything large is read (format, size, channels:
 * src/io/header-peek.ts), then, once NiiVue has loaded it, turned into medcl's canonical Image the way medcl's
 * readers do (scl_slope/scl_inter applied, units in mm, RAS -> LPS, axes permuted/flipped to LPS+ by
 * src/io/orient.ts), so the preprocessing sees the same array as `medcl predict` on the same file.
 */
import type { NVImage } from '@niivue/niivue';
import { flipRasLps } from '../../src/io/affine.js';
import { peekHeader, type HeaderPeek } from '../../src/io/header-peek.js';
import type { Image, PixelArray } from '../../src/io/image.js';
import { reorientToLps } from '../../src/io/orient.js';

/** the largest volume the viewer segments: 2^27 voxels (512 x 512 x 512) and 1 GiB of stored voxels */
export const MAX_VOXELS = 2 ** 27;
export const MAX_BYTES = 2 ** 30;
const HEAD_BYTES = 64 * 1024;

const gb = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/** the first HEAD_BYTES of the file, gunzipped when it is gzip (magic 1f 8b) */
async function readHead(file: Blob): Promise<Uint8Array> {
  const raw = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  if (!(raw[0] === 0x1f && raw[1] === 0x8b)) return raw;
  const reader = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const head = new Uint8Array(HEAD_BYTES);
  let have = 0;
  try {
    while (have < HEAD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, HEAD_BYTES - have);
      head.set(value.subarray(0, take), have);
      have += take;
    }
  } catch (err) {
    if (have === 0)
      throw new Error(`${file instanceof File ? file.name : 'file'}: not a readable gzip file (${String(err)})`);
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return head.subarray(0, have);
}

/** Refuses what the viewer cannot segment, from the file's header; returns what the header says. */
export async function checkScanFile(file: File, inChannels = 1): Promise<HeaderPeek> {
  const name = file.name;
  if (/\.(mhd|nhdr|hdr)(\.gz)?$/i.test(name))
    throw new Error(
      `${name}: a detached header (its voxels are in another file); save the scan as one .nii.gz, .nrrd or .mha file`,
    );
  const peek = peekHeader(await readHead(file));
  if (peek.format === 'picture')
    throw new Error(
      `${name}: a 2D picture (${peek.picture?.toUpperCase()}), not a volume. The viewer segments CT volumes ` +
        `(NIfTI .nii/.nii.gz, NRRD .nrrd, MetaImage .mha, or a DICOM series); for 2D images use \`medcl predict\`.`,
    );
  if (peek.format === 'unknown')
    throw new Error(`${name}: not a NIfTI, NRRD, MetaImage or DICOM file (unrecognised header)`);
  if (peek.format === 'dicom' || !peek.dims) return peek;
  const dims = peek.dims;
  const voxels = dims.reduce((a, b) => a * b, 1);
  const bytes = voxels * (peek.bytesPerVoxel ?? 1);
  if (!(voxels > 0)) throw new Error(`${name}: the header gives no voxels (sizes ${dims.join(' x ')})`);
  if (voxels > MAX_VOXELS || bytes > MAX_BYTES)
    throw new Error(
      `${name}: too large for the browser: ${dims.join(' x ')} voxels x ${peek.channels ?? 1} channel(s), ` +
        `${gb(bytes)} of voxels (limit ${MAX_VOXELS.toLocaleString('en')} voxels and ${gb(MAX_BYTES)}). ` +
        `Crop or downsample it, or segment it with \`medcl predict\`.`,
    );
  if ((peek.channels ?? 1) !== inChannels)
    throw new Error(
      `${name}: ${peek.channels} channels per voxel (vector, colour or 4D volume), but the model takes ${inChannels}. ` +
        `Give it a single-channel (greyscale) scan.`,
    );
  if (dims.filter((d) => d > 1).length < 3)
    throw new Error(`${name}: a 2D image (${dims.join(' x ')}), not a volume; the viewer segments 3D scans`);
  return peek;
}

/** scl_slope / scl_inter as medcl's NIfTI reader applies them (slope 0 or non-finite: no scaling) */
function applyScaling(raw: PixelArray, slope: number, inter: number): PixelArray {
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(inter) || (slope === 1 && inter === 0)) return raw;
  const out = raw instanceof Float64Array ? new Float64Array(raw.length) : new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]! * slope + inter;
  return out;
}

export interface CanonicalScan {
  image: Image;
  /** the file's voxel grid, for putting labels back in its order (reorientFromLps) */
  size: [number, number, number];
  lps: number[];
}

/** The canonical LPS Image of the volume NiiVue loaded (its `img` in file order, `hdr` a NIfTI header). */
export function canonicalScan(vol: NVImage, name: string, inChannels = 1): CanonicalScan {
  const hdr = vol.hdr;
  const img = vol.img as PixelArray | null;
  if (!hdr || !img) throw new Error(`${name}: NiiVue loaded no voxels`);
  const size: [number, number, number] = [1, 2, 3].map((i) => Math.max(1, hdr.dims[i] ?? 1)) as [
    number,
    number,
    number,
  ];
  const nVox = size[0] * size[1] * size[2];
  const channels = Math.round(img.length / nVox);
  if (channels !== inChannels || hdr.datatypeCode === 128 || hdr.datatypeCode === 2304)
    throw new Error(
      `${name}: ${hdr.datatypeCode === 128 ? 3 : hdr.datatypeCode === 2304 ? 4 : channels} channels per voxel, but the model takes ${inChannels}`,
    );
  if (size.filter((d) => d > 1).length < 3)
    throw new Error(`${name}: a 2D image (${size.join(' x ')}), not a volume; the viewer segments 3D scans`);
  const units = (hdr.xyzt_units ?? 0) & 7; // 1 metre, 2 mm, 3 micron; 0 taken as mm (medcl's NIfTI reader)
  const scale = units === 1 ? 1000 : units === 3 ? 0.001 : 1;
  const ras: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) ras.push(hdr.affine[r]![c]! * scale);
  const lps = flipRasLps(ras);
  const data = applyScaling(img.subarray(0, nVox) as PixelArray, hdr.scl_slope, hdr.scl_inter);
  return { image: reorientToLps(data, size, lps, name), size, lps };
}
