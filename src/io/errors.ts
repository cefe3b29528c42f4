/**
 * Errors of the readers and writers: always `<format>: <path>: <what is wrong>`, so that a failure in a batch of
 * thousands of files names the file and the field.
 */
export class ImageIoError extends Error {
  constructor(
    readonly format: string,
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${format}: ${path}: ${detail}`, options);
    this.name = 'ImageIoError';
  }
}

/** Wraps a library's exception (zlib, a codec, a parser) with the file name, keeping the original as `cause`. */
export function wrapError(format: string, path: string, what: string, err: unknown): ImageIoError {
  if (err instanceof ImageIoError) return err;
  const msg = errorText(err);
  return new ImageIoError(format, path, `${what}: ${msg}`, { cause: err });
}

/** The text of a thrown value: libraries throw Errors, strings, or objects such as dicom-parser's `{ exception }`. */
function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null) {
    const o = err as { exception?: unknown; message?: unknown };
    if (typeof o.exception === 'string') return o.exception;
    if (typeof o.message === 'string') return o.message;
  }
  return String(err);
}
