/**
 * A small BFGS minimizer for the CLV likelihoods (3–4 parameters, analytic gradients).
 *
 * Why our own: the npm optimizers we looked at are either unmaintained (fmin 0.0.4, optimization-js)
 * or solve a different problem (ml-levenberg-marquardt is least squares). BFGS with an analytic
 * gradient needs far fewer likelihood passes than Nelder–Mead (tens instead of hundreds), which
 * matters when one pass is a sweep over a million grouped rows. The parameters are optimized on the
 * log scale, so the problem is unconstrained.
 *
 * Line search: backtracking with the Armijo condition; a trial point whose objective is not finite
 * counts as a failed trial and the step is shortened. The inverse-Hessian update is skipped when the
 * curvature s·y is not positive (keeps the approximation positive definite).
 */

export type ObjectiveWithGradient = (x: readonly number[], gradient: number[]) => number;

export interface BfgsOptions {
  maxIterations?: number;
  /** Converged when the largest |gradient| component is below this. */
  gradientTolerance?: number;
  /** Largest change of any coordinate in one step (log scale: 3 ≈ a factor of 20). */
  maxStep?: number;
}

export interface BfgsResult {
  x: number[];
  f: number;
  gradient: number[];
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
}

function dot(u: readonly number[], v: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i] ?? 0) * (v[i] ?? 0);
  return s;
}

function maxAbs(v: readonly number[]): number {
  let m = 0;
  for (const e of v) m = Math.max(m, Math.abs(e));
  return m;
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function matVec(m: readonly (readonly number[])[], v: readonly number[]): number[] {
  return m.map((row) => dot(row, v));
}

export function minimizeBfgs(fn: ObjectiveWithGradient, x0: readonly number[], options: BfgsOptions = {}): BfgsResult {
  const n = x0.length;
  const maxIterations = options.maxIterations ?? 500;
  const gtol = options.gradientTolerance ?? 1e-8;
  const maxStep = options.maxStep ?? 3;

  let x = [...x0];
  let g = new Array<number>(n).fill(0);
  let f = fn(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) {
    return { x, f, gradient: g, iterations: 0, evaluations, converged: false, message: 'objective not finite at the start point' };
  }
  let h = identity(n);
  let fresh = true; // h is the identity (no curvature information yet)

  for (let iter = 1; iter <= maxIterations; iter++) {
    if (maxAbs(g) < gtol) {
      return { x, f, gradient: g, iterations: iter - 1, evaluations, converged: true, message: 'gradient below tolerance' };
    }
    let d = matVec(h, g).map((v) => -v);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      h = identity(n);
      fresh = true;
      d = g.map((v) => -v);
      slope = dot(g, d);
    }
    const longest = maxAbs(d);
    let step = longest > maxStep ? maxStep / longest : 1;

    // Backtracking line search (Armijo, c1 = 1e-4).
    const gNew = new Array<number>(n).fill(0);
    let xNew = x;
    let fNew = Number.NaN;
    let accepted = false;
    for (let k = 0; k < 60; k++) {
      xNew = x.map((v, i) => v + step * (d[i] ?? 0));
      fNew = fn(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && gNew.every(Number.isFinite) && fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= Number.isFinite(fNew) ? 0.5 : 0.1;
    }
    if (!accepted) {
      if (!fresh) {
        // Stale curvature: restart from steepest descent once before giving up.
        h = identity(n);
        fresh = true;
        continue;
      }
      // No descent possible along the gradient: we are at the limit of floating-point resolution.
      const converged = maxAbs(g) < Math.sqrt(gtol);
      return {
        x, f, gradient: g, iterations: iter, evaluations, converged,
        message: converged ? 'no further decrease possible (gradient small)' : 'line search failed',
      };
    }

    const s = xNew.map((v, i) => v - (x[i] ?? 0));
    const y = gNew.map((v, i) => v - (g[i] ?? 0));
    const sy = dot(s, y);
    const fPrev = f;
    x = xNew;
    f = fNew;
    g = [...gNew];

    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (fresh) {
        // Scale the initial inverse Hessian (Nocedal & Wright, eq. 6.20).
        const scale = sy / dot(y, y);
        h = identity(n).map((row) => row.map((v) => v * scale));
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
      const rho = 1 / sy;
      const hy = matVec(h, y);
      const yhy = dot(y, hy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const si = s[i] ?? 0;
          const sj = s[j] ?? 0;
          const row = h[i] ?? [];
          row[j] = (row[j] ?? 0) - rho * ((hy[i] ?? 0) * sj + si * (hy[j] ?? 0)) + (rho * rho * yhy + rho) * si * sj;
        }
      }
      fresh = false;
    }

    // Stalled: neither the objective nor the point moves any more.
    if (Math.abs(fPrev - f) <= 1e-15 * Math.max(1, Math.abs(f)) && maxAbs(s) < 1e-12) {
      const converged = maxAbs(g) < Math.sqrt(gtol);
      return {
        x, f, gradient: g, iterations: iter, evaluations, converged,
        message: converged ? 'no further progress (gradient small)' : 'stalled',
      };
    }
  }
  return {
    x, f, gradient: g, iterations: maxIterations, evaluations, converged: maxAbs(g) < gtol,
    message: 'iteration limit reached',
  };
}

/** Inverse of a symmetric positive-definite matrix via Cholesky; null when it is not positive definite. */
export function invertSpd(m: readonly (readonly number[])[]): number[][] | null {
  const n = m.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = m[i]?.[j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (l[i]?.[k] ?? 0) * (l[j]?.[k] ?? 0);
      const li = l[i] as number[];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return null;
        li[j] = Math.sqrt(sum);
      } else {
        li[j] = sum / (l[j]?.[j] ?? 1);
      }
    }
  }
  // Solve L Lᵀ X = I column by column.
  const inv = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let col = 0; col < n; col++) {
    const z = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let sum = i === col ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= (l[i]?.[k] ?? 0) * (z[k] ?? 0);
      z[i] = sum / (l[i]?.[i] ?? 1);
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = z[i] ?? 0;
      for (let k = i + 1; k < n; k++) sum -= (l[k]?.[i] ?? 0) * ((inv[k] as number[])[col] ?? 0);
      (inv[i] as number[])[col] = sum / (l[i]?.[i] ?? 1);
    }
  }
  return inv;
}

/**
 * Hessian by central differences of an analytic gradient, symmetrized:
 * H_ij ≈ (g_i(p + h_j e_j) − g_i(p − h_j e_j)) / (2 h_j), with h_j = relStep·max(|p_j|, 1e-8).
 */
export function hessianFromGradient(
  gradient: (p: readonly number[]) => number[],
  p: readonly number[],
  relStep = 1e-4,
): number[][] {
  const n = p.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const h = relStep * Math.max(Math.abs(p[j] ?? 0), 1e-8);
    const up = [...p];
    const down = [...p];
    up[j] = (up[j] ?? 0) + h;
    down[j] = (down[j] ?? 0) - h;
    const gu = gradient(up);
    const gd = gradient(down);
    cols.push(gu.map((v, i) => (v - (gd[i] ?? 0)) / (2 * h)));
  }
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => 0.5 * ((cols[j]?.[i] ?? 0) + (cols[i]?.[j] ?? 0))),
  );
}
