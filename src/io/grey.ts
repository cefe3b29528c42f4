/**
 * Colour to grey, the one rule of every reader (PNG/JPEG, DICOM RGB/YBR, NIfTI RGB24):
 * - when R == G == B for every pixel (a grey image stored as colour, e.g. a palette PNG), grey = R exactly;
 * - otherwise grey = round(0.299 R + 0.587 G + 0.114 B) (ITU-R BT.601 luma, the Y of JPEG/DICOM YBR_FULL).
 * Alpha (a 4th channel) is ignored. The result keeps the input's integer type.
 */
export function colourToGrey<T extends Uint8Array | Uint16Array>(
  src: T,
  channels: number,
  options: { planar?: boolean } = {},
): T {
  if (channels < 3) throw new Error(`colourToGrey: need 3 or 4 channels, got ${channels}`);
  const n = Math.floor(src.length / channels);
  // by element size, not src.constructor: a Node Buffer input must give a plain Uint8Array
  const out = (src.BYTES_PER_ELEMENT === 1 ? new Uint8Array(n) : new Uint16Array(n)) as T;
  // planar: RRR..GGG..BBB.. ; interleaved: RGBRGB..
  const rOff = 0;
  const gOff = options.planar ? n : 1;
  const bOff = options.planar ? 2 * n : 2;
  const step = options.planar ? 1 : channels;
  let allEqual = true;
  for (let i = 0, p = 0; i < n; i++, p += step) {
    const r = src[p + rOff];
    if (r !== src[p + gOff] || r !== src[p + bOff]) {
      allEqual = false;
      break;
    }
  }
  if (allEqual) {
    for (let i = 0, p = 0; i < n; i++, p += step) out[i] = src[p + rOff];
  } else {
    for (let i = 0, p = 0; i < n; i++, p += step) {
      out[i] = Math.round(0.299 * src[p + rOff] + 0.587 * src[p + gOff] + 0.114 * src[p + bOff]);
    }
  }
  return out;
}
