// Type declarations for the decoder packages that ship none (shapes checked against the installed versions).

interface EmscriptenCodecOptions {
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

/** The embind decoder classes of @cornerstonejs/codec-* share this interface. */
interface CornerstoneDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  delete(): void;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (options?: EmscriptenCodecOptions) => Promise<{ J2KDecoder: new () => CornerstoneDecoder }>;
  export default factory;
}

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options?: EmscriptenCodecOptions) => Promise<{ JpegLSDecoder: new () => CornerstoneDecoder }>;
  export default factory;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (options?: EmscriptenCodecOptions) => Promise<{ JPEGDecoder: new () => CornerstoneDecoder }>;
  export default factory;
}

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor(buffer?: ArrayBuffer, numBytes?: number);
    /** decodes a JPEG lossless (process 14) stream; one Uint16 per sample when numBytes is 2 */
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
    numComp: number;
    precision: number | undefined;
  }
}
