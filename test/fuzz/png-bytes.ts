// PNG chunks with their CRC-32, for the fuzz generator: a field edited behind a valid CRC is wrong only in itself.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG with IHDR edited (offsets in the file) and its CRC recomputed, so that only the field is wrong. */
export function pngWithIhdr(png: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(png);
  edit(b);
  b.writeUInt32BE(crc32(b.subarray(12, 29)), 29);
  return b;
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
