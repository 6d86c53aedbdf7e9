/**
 * The smallest change δ that satisfies a few linear constraints inside a box:
 *
 *   minimise ½‖δ‖² + κ‖δ‖₁   subject to   a_k·δ ≥ r_k (k = 1 … d),   lo ≤ δ ≤ hi
 *
 * with d ≤ a tree's depth and δ as long as the input (784 for MNIST). κ = 0 is the least L2
 * change; κ > 0 (an elastic net, as in Chen et al. 2018, "EAD") sets small entries to zero.
 *
 * Solved in the dual because the objective is separable: for multipliers μ ≥ 0 the inner
 * minimum over the box is coordinate-wise, δ_j(μ) = clip(soft_κ(v_j), lo_j, hi_j) with
 * v = Σ_k μ_k a_k, and the dual g(μ) = ½‖δ‖² + κ‖δ‖₁ − v·δ + μ·r is concave with gradient
 * r − Aδ(μ) (continuous: the primal is strongly convex). So the problem is a d-variable
 * maximisation, done by projected Newton steps on the generalised Hessian −A_F A_Fᵀ (F: the
 * coordinates of δ in the linear part of the clip) with an Armijo line search. A general QP
 * library (Goldfarb–Idnani's quadprog and the like) would factor a 784 × 784 matrix per call;
 * this structure costs O(d · inputs) per step.
 */

export interface BoxQp {
  /** Constraint rows a_k (each as long as δ) and right-hand sides r_k. */
  rows: Float64Array[];
  rhs: number[];
  lo: ArrayLike<number>;
  hi: ArrayLike<number>;
  /** The L1 weight κ (0: least squares). */
  l1: number;
}

export interface BoxQpSolution {
  delta: Float64Array;
  /** 'optimal': constraints met within tolerance; 'infeasible': no δ in the box meets them; 'stalled': out of iterations. */
  status: 'optimal' | 'infeasible' | 'stalled';
  /** max_k (r_k − a_k·δ), ≤ 0 when every constraint holds. */
  violation: number;
  iterations: number;
}

const MAX_ITERATIONS = 200;
const ARMIJO = 1e-4;

export function solveBoxQp(problem: BoxQp, tolerance = 1e-7): BoxQpSolution {
  const { rows: A, rhs: r, lo, hi, l1: kappa } = problem;
  const d = A.length;
  const n = lo.length;
  const delta = new Float64Array(n);
  const free = new Uint8Array(n);

  /** δ(μ), which coordinates are free, and g(μ). */
  const primal = (mu: Float64Array, into = delta): number => {
    let g = 0;
    for (let k = 0; k < d; k++) g += mu[k] * r[k];
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += mu[k] * A[k][j];
      const soft = Math.sign(v) * Math.max(Math.abs(v) - kappa, 0);
      const x = Math.min(Math.max(soft, lo[j]), hi[j]);
      into[j] = x;
      free[j] = Math.abs(v) > kappa && soft > lo[j] && soft < hi[j] ? 1 : 0;
      g += 0.5 * x * x + kappa * Math.abs(x) - v * x;
    }
    return g;
  };
  const gradient = (): Float64Array => Float64Array.from(A, (a, k) => r[k] - dot(a, delta));

  // Weak duality: g(μ) ≤ the objective of any feasible δ ≤ its largest value over the box,
  // so a dual value above that proves the constraints cannot all hold in the box.
  let ceiling = 0;
  for (let j = 0; j < n; j++) {
    const m = Math.max(-lo[j], hi[j]);
    ceiling += 0.5 * m * m + kappa * m;
  }
  const scale = Math.max(1, ...r.map(Math.abs));
  const lipschitz = A.reduce((s, a) => s + dot(a, a), 0) || 1; // ≥ ‖AAᵀ‖, the dual gradient's Lipschitz constant
  const ridge = 1e-9 * lipschitz;

  /** Backtracking along max(0, μ + tΔ) until g rises enough (Armijo); undefined when no step does. */
  const scratch = new Float64Array(n);
  const searchLine = (mu: Float64Array, step: Float64Array, grad: Float64Array, g: number): [Float64Array, number] | undefined => {
    for (let t = 1; t > 1e-12; t /= 2) {
      const next = mu.map((m, k) => Math.max(0, m + t * step[k]));
      let rise = 0;
      for (let k = 0; k < d; k++) rise += grad[k] * (next[k] - mu[k]);
      if (rise <= 0) return undefined;
      const value = primal(next, scratch);
      if (value >= g + ARMIJO * rise) return [next, value];
    }
    return undefined;
  };

  let mu: Float64Array = new Float64Array(d);
  let g = primal(mu);
  for (let iteration = 0; ; iteration++) {
    const grad = gradient();
    const violation = Math.max(...grad);
    // Projected gradient: a multiplier at zero whose constraint is slack stays at zero.
    const held = Array.from(mu, (m, k) => m <= 0 && grad[k] < 0);
    const done = grad.every((v, k) => held[k] || Math.abs(v) <= tolerance * scale);
    if (done) return { delta, status: 'optimal', violation, iterations: iteration };
    if (g > ceiling * (1 + 1e-9) + 1e-12) return { delta, status: 'infeasible', violation, iterations: iteration };
    const next = iteration < MAX_ITERATIONS
      ? searchLine(mu, newtonStep(A, grad, held, free, ridge), grad, g) ?? searchLine(mu, grad.map((v, k) => (held[k] ? 0 : v / lipschitz)), grad, g)
      : undefined;
    if (!next) return { delta, status: violation <= tolerance * scale ? 'optimal' : 'stalled', violation, iterations: iteration };
    [mu, g] = next;
    primal(mu); // δ and the free set at the accepted point (the line search overwrote them)
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** (A_F A_Fᵀ + ρI) Δ = ∇g on the multipliers not held at zero; held ones do not move. */
function newtonStep(A: Float64Array[], grad: Float64Array, held: boolean[], free: Uint8Array, ridge: number): Float64Array {
  const active = grad.map((_, k) => k).filter((k) => !held[k]);
  const m = active.length;
  const H = Array.from({ length: m }, () => new Float64Array(m));
  for (let p = 0; p < m; p++) {
    for (let q = p; q < m; q++) {
      const [a, b] = [A[active[p]], A[active[q]]];
      let s = 0;
      for (let j = 0; j < free.length; j++) if (free[j]) s += a[j] * b[j];
      H[p][q] = H[q][p] = s;
    }
    H[p][p] += ridge;
  }
  const solved = solveSpd(H, active.map((k) => grad[k]));
  const step = new Float64Array(grad.length);
  active.forEach((k, p) => (step[k] = solved[p]));
  return step;
}

/** Cholesky solve of a small symmetric positive definite system. */
function solveSpd(H: Float64Array[], b: ArrayLike<number>): Float64Array {
  const m = b.length;
  const L = Array.from({ length: m }, () => new Float64Array(m));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j][j];
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < m; k++) s -= L[k][i] * y[k];
    y[i] = s / L[i][i];
  }
  return y;
}
