/**
 * Voxel-to-world affines as the readers use them: a 3x4 row-major matrix `[R | t]` (12 numbers) mapping a voxel
 * index (i, j, k) - i the fastest-varying file axis - to world millimetres: `world = R [i j k]^T + t`.
 * Column v of R is the world step of one voxel along file axis v (direction times spacing).
 *
 * NIfTI stores RAS+ world coordinates, DICOM and ITK LPS+; `flipRasLps` converts either way (negates world x, y).
 */
export type Affine = number[];

export function flipRasLps(a: readonly number[]): Affine {
  return [-a[0], -a[1], -a[2], -a[3], -a[4], -a[5], -a[6], -a[7], a[8], a[9], a[10], a[11]];
}

/** Column v (0..2) of the linear part. */
export function column(a: readonly number[], v: number): [number, number, number] {
  return [a[v], a[4 + v], a[8 + v]];
}

export function det3(a: readonly number[]): number {
  return a[0] * (a[5] * a[10] - a[6] * a[9]) - a[1] * (a[4] * a[10] - a[6] * a[8]) + a[2] * (a[4] * a[9] - a[5] * a[8]);
}

/** Applies the affine to a voxel index. */
export function applyAffine(a: readonly number[], i: number, j: number, k: number): [number, number, number] {
  return [
    a[0] * i + a[1] * j + a[2] * k + a[3],
    a[4] * i + a[5] * j + a[6] * k + a[7],
    a[8] * i + a[9] * j + a[10] * k + a[11],
  ];
}

/**
 * NIfTI qform -> affine (nifti1_io.c `nifti_quatern_to_mat44`): R from the unit quaternion (a, b, c, d) with
 * a = sqrt(1 - b^2 - c^2 - d^2), columns scaled by pixdim, the third negated when qfac < 0.
 */
export function quaternToAffine(q: {
  b: number;
  c: number;
  d: number;
  qx: number;
  qy: number;
  qz: number;
  dx: number;
  dy: number;
  dz: number;
  qfac: number;
}): Affine {
  let { b, c, d } = q;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // 180 degree rotation: renormalise (b, c, d)
    const n = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= n;
    c *= n;
    d *= n;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const xd = q.dx > 0 ? q.dx : 1;
  const yd = q.dy > 0 ? q.dy : 1;
  let zd = q.dz > 0 ? q.dz : 1;
  if (q.qfac < 0) zd = -zd;
  return [
    (a * a + b * b - c * c - d * d) * xd,
    2 * (b * c - a * d) * yd,
    2 * (b * d + a * c) * zd,
    q.qx,
    2 * (b * c + a * d) * xd,
    (a * a + c * c - b * b - d * d) * yd,
    2 * (c * d - a * b) * zd,
    q.qy,
    2 * (b * d - a * c) * xd,
    2 * (c * d + a * b) * yd,
    (a * a + d * d - c * c - b * b) * zd,
    q.qz,
  ];
}

/**
 * Affine -> NIfTI qform parameters (nifti1_io.c `nifti_mat44_to_quatern`), or null when the linear part is not a
 * rotation times a diagonal scaling (sheared or degenerate), which a qform cannot represent.
 */
export function affineToQuatern(a: readonly number[]): {
  b: number;
  c: number;
  d: number;
  qx: number;
  qy: number;
  qz: number;
  dx: number;
  dy: number;
  dz: number;
  qfac: number;
} | null {
  const cols = [column(a, 0), column(a, 1), column(a, 2)];
  const dlen = cols.map((v) => Math.hypot(v[0], v[1], v[2]));
  if (dlen.some((x) => !(x > 0))) return null;
  const u = cols.map((v, i) => v.map((x) => x / dlen[i]));
  for (let i = 0; i < 3; i++) {
    for (let j = i + 1; j < 3; j++) {
      const dot = u[i][0] * u[j][0] + u[i][1] * u[j][1] + u[i][2] * u[j][2];
      if (Math.abs(dot) > 1e-4) return null;
    }
  }
  // r[row][col]
  const r = [0, 1, 2].map((row) => [u[0][row], u[1][row], u[2][row]]);
  const det =
    r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1]) -
    r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0]) +
    r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
  let qfac = 1;
  if (det < 0) {
    qfac = -1;
    for (let row = 0; row < 3; row++) r[row][2] = -r[row][2];
  }
  let qa = r[0][0] + r[1][1] + r[2][2] + 1;
  let qb: number, qc: number, qd: number;
  if (qa > 0.5) {
    qa = 0.5 * Math.sqrt(qa);
    qb = (0.25 * (r[2][1] - r[1][2])) / qa;
    qc = (0.25 * (r[0][2] - r[2][0])) / qa;
    qd = (0.25 * (r[1][0] - r[0][1])) / qa;
  } else {
    const xd = 1 + r[0][0] - (r[1][1] + r[2][2]);
    const yd = 1 + r[1][1] - (r[0][0] + r[2][2]);
    const zd = 1 + r[2][2] - (r[0][0] + r[1][1]);
    if (xd > 1) {
      qb = 0.5 * Math.sqrt(xd);
      qc = (0.25 * (r[0][1] + r[1][0])) / qb;
      qd = (0.25 * (r[0][2] + r[2][0])) / qb;
      qa = (0.25 * (r[2][1] - r[1][2])) / qb;
    } else if (yd > 1) {
      qc = 0.5 * Math.sqrt(yd);
      qb = (0.25 * (r[0][1] + r[1][0])) / qc;
      qd = (0.25 * (r[1][2] + r[2][1])) / qc;
      qa = (0.25 * (r[0][2] - r[2][0])) / qc;
    } else {
      qd = 0.5 * Math.sqrt(zd);
      qb = (0.25 * (r[0][2] + r[2][0])) / qd;
      qc = (0.25 * (r[1][2] + r[2][1])) / qd;
      qa = (0.25 * (r[1][0] - r[0][1])) / qd;
    }
    if (qa < 0) {
      qb = -qb;
      qc = -qc;
      qd = -qd;
    }
  }
  return { b: qb, c: qc, d: qd, qx: a[3], qy: a[7], qz: a[11], dx: dlen[0], dy: dlen[1], dz: dlen[2], qfac };
}
