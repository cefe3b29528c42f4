/**
 * DICOM RLE Lossless (1.2.840.10008.1.2.5) decoder, PS3.5 Annex G: a frame is a 64-byte header (number of
 * segments, then up to 15 segment offsets) followed by PackBits-coded segments, one per byte plane: for each
 * sample, its most significant byte first. The output is native little-endian, samples interleaved
 * (planar configuration 0).
 */
export function decodeRleFrame(
  frame: Uint8Array,
  rows: number,
  cols: number,
  samplesPerPixel: number,
  bytesPerSample: number,
): Uint8Array {
  if (frame.length < 64) throw new Error(`RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const nSeg = view.getUint32(0, true);
  const expected = samplesPerPixel * bytesPerSample;
  if (nSeg !== expected) {
    throw new Error(
      `RLE header has ${nSeg} segments, expected ${expected} (${samplesPerPixel} samples x ${bytesPerSample} bytes)`,
    );
  }
  const nPix = rows * cols;
  const out = new Uint8Array(nPix * expected);
  const pixStride = expected;
  for (let s = 0; s < nSeg; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < nSeg ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || start > frame.length || end > frame.length || end < start) {
      throw new Error(`RLE segment ${s} has bad offsets [${start}, ${end}) in a frame of ${frame.length} bytes`);
    }
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // segment order is MSB first
    let o = sample * bytesPerSample + byteInSample;
    let p = 0; // pixels written
    let i = start;
    while (i < end && p < nPix) {
      const n = frame[i++];
      if (n < 128) {
        // literal run of n + 1 bytes
        const count = Math.min(n + 1, nPix - p, end - i);
        for (let k = 0; k < count; k++, o += pixStride) out[o] = frame[i + k];
        i += n + 1;
        p += count;
      } else if (n > 128) {
        // replicate the next byte 257 - n times
        const count = Math.min(257 - n, nPix - p);
        const b = frame[i++];
        for (let k = 0; k < count; k++, o += pixStride) out[o] = b;
        p += count;
      }
      // n === 128: no operation
    }
    if (p < nPix) throw new Error(`RLE segment ${s} decodes to ${p} of ${nPix} pixels (truncated?)`);
  }
  return out;
}
