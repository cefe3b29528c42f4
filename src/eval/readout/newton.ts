import { cholesky, choleskySolve, infNorm } from './linalg.js';

/** a concave objective at a point: its value, gradient and information (minus the Hessian, p × p row-major) */
export interface NewtonObjective {
  value: number;
  gradient: Float64Array;
  information: Float64Array;
}

/**
 * Damped Newton ascent on a concave objective (the Cox readout's penalised partial likelihood): a Cholesky step on
 * the information matrix, halved until the value does not fall (at most 30 halvings); stops when both the relative
 * change of the value and the step are below the tolerance, or when no halving ascends (the optimum to machine
 * precision). The not-positive-definite error speaks of features and events, the readouts' terms.
 */
export function newtonAscent<T extends NewtonObjective>(
  objective: (beta: Float64Array) => T,
  p: number,
  maxIter: number,
  tol: number,
  what: string,
): { beta: Float64Array; cur: T; iterations: number; converged: boolean } {
  let beta = new Float64Array(p);
  let cur = objective(beta);
  let iterations = 0;
  let converged = p === 0;
  while (!converged && iterations < maxIter) {
    const chol = cholesky(cur.information, p);
    if (chol === null) {
      throw new Error(
        `${what}: the information matrix is not positive definite at iteration ${iterations} (collinear or ` +
          'constant features, or too few events for the number of features); use an l2 penalty > 0',
      );
    }
    const step = choleskySolve(chol, p, cur.gradient);
    iterations++;
    let scale = 1;
    let next: T | null = null;
    let cand = beta;
    for (let halving = 0; halving < 30; halving++) {
      cand = beta.map((b, a) => b + scale * step[a]!);
      try {
        const trial = objective(cand);
        if (Number.isFinite(trial.value) && trial.value >= cur.value - 1e-12 * Math.abs(cur.value)) {
          next = trial;
          break;
        }
      } catch {
        // overflow at too long a step: halve it
      }
      scale /= 2;
    }
    if (next === null) break; // no ascent along the Newton direction: at the optimum to machine precision
    const rel = Math.abs(next.value - cur.value) / Math.max(Math.abs(next.value), 1e-300);
    let stepMax = 0;
    for (let a = 0; a < p; a++) stepMax = Math.max(stepMax, Math.abs(scale * step[a]!));
    beta = cand;
    cur = next;
    if (rel <= tol && stepMax <= Math.sqrt(tol) * Math.max(1, infNorm(beta))) converged = true;
  }
  return { beta, cur, iterations, converged };
}
