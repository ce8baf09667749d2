import { Rng } from '../random';

/**
 * Symmetric eigen-solvers in Float64 for the trajectory PCA. Matrices are dense, row-major
 * Float64Arrays of n×n. Everything is deterministic (fixed start vectors, fixed sweep order), so
 * the same snapshots always give bit-identical planes.
 */

export interface EigenPairs {
  /** eigenvalues, largest first */
  values: Float64Array;
  /** unit eigenvectors as rows: vectors[k * n + i] is component i of the k-th eigenvector */
  vectors: Float64Array;
}

/**
 * All eigenpairs of a symmetric matrix by cyclic Jacobi rotations. O(n³) per sweep, a handful of
 * sweeps: meant for small matrices (the Rayleigh–Ritz step below, or n ≲ 50). `a` is not modified.
 */
export function jacobiEigen(a: Float64Array, n: number, maxSweeps = 64): EigenPairs {
  const m = Float64Array.from(a.subarray(0, n * n));
  // symmetrise: callers build their matrices in floating point
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = 0.5 * ((m[i * n + j] as number) + (m[j * n + i] as number));
      m[i * n + j] = s;
      m[j * n + i] = s;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += (m[i] as number) ** 2;
  const tol = total * 1e-30;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (m[p * n + q] as number) ** 2;
    if (off <= tol) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] as number;
        if (apq === 0) continue;
        const app = m[p * n + p] as number;
        const aqq = m[q * n + q] as number;
        // rotation that zeroes a[p][q] (Numerical Recipes §11.1): A ← Jᵀ A J, V ← V J
        const theta = (aqq - app) / (2 * apq);
        const t =
          Math.abs(theta) > 1e150
            ? 1 / (2 * theta)
            : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p] as number;
          const akq = m[k * n + q] as number;
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k] as number;
          const aqk = m[q * n + k] as number;
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  // sort descending; ties keep index order so the result stays deterministic
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (m[j * n + j] as number) - (m[i * n + i] as number) || i - j,
  );
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, k) => {
    values[k] = m[col * n + col] as number;
    for (let i = 0; i < n; i++) vectors[k * n + i] = v[i * n + col] as number;
  });
  return { values, vectors };
}

/** Below this size the dense Jacobi solver is cheaper than building a Krylov basis. */
const DENSE_LIMIT = 48;

/**
 * The `k` largest eigenpairs of a symmetric positive semi-definite matrix (a Gram matrix).
 *
 * Small matrices go straight to Jacobi. Larger ones use a Krylov subspace (Lanczos with full
 * reorthogonalisation) followed by Rayleigh–Ritz on the projected matrix QᵀAQ, itself solved by
 * Jacobi: O(n²) per basis vector instead of O(n³) per Jacobi sweep on the whole matrix, and the
 * basis grows only until the top-k Ritz pairs have small residuals ‖Au − θu‖. A basis that spans
 * the whole space makes the result exact, so the method cannot return a wrong answer, only a
 * slower one. When the Krylov space closes early (a low-rank matrix), the basis is extended with a
 * fresh deterministic vector, so eigenvectors the first Krylov space cannot reach are not missed.
 */
export function topEigenpairs(a: Float64Array, n: number, k = 2, tol = 1e-10): EigenPairs {
  const kk = Math.min(k, n);
  if (n <= DENSE_LIMIT) {
    const all = jacobiEigen(a, n);
    return { values: all.values.slice(0, kk), vectors: all.vectors.slice(0, kk * n) };
  }
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += (a[i] as number) ** 2;
  norm = Math.sqrt(norm);
  const rng = new Rng(0x9e37, 'projection/eigen');
  const randomVector = () => Float64Array.from({ length: n }, () => rng.normal());

  const q: Float64Array[] = []; // orthonormal basis
  const w: Float64Array[] = []; // A·q
  const matVec = (x: Float64Array) => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += (a[row + j] as number) * (x[j] as number);
      y[i] = s;
    }
    return y;
  };
  /** orthonormalise x against the basis (classical Gram–Schmidt twice); null if x lies in it */
  const orthonormalise = (x: Float64Array): Float64Array | null => {
    const before = Math.sqrt(dot(x, x));
    for (let pass = 0; pass < 2; pass++) {
      for (const b of q) {
        const c = dot(x, b);
        for (let i = 0; i < n; i++) x[i] = (x[i] as number) - c * (b[i] as number);
      }
    }
    const after = Math.sqrt(dot(x, x));
    if (!(after > 1e-10 * before) || after === 0) return null;
    for (let i = 0; i < n; i++) x[i] = (x[i] as number) / after;
    return x;
  };

  let next: Float64Array | null = orthonormalise(randomVector());
  let result: RitzPairs | null = null;
  let checkAt = Math.max(2 * kk + 8, 16);
  while (q.length < n) {
    if (!next) {
      // invariant subspace reached: restart from a new direction orthogonal to the basis
      for (let tries = 0; tries < 4 && !next; tries++) next = orthonormalise(randomVector());
      if (!next) break;
    }
    q.push(next);
    const aq = matVec(next);
    w.push(aq);
    next = orthonormalise(Float64Array.from(aq));
    // no check at a breakdown: an invariant Krylov space holds one vector per eigenvalue, so a
    // repeated top eigenvalue would look converged; the restart vectors pick up the missing copy
    if (q.length >= checkAt || q.length === n) {
      result = rayleighRitz(q, w, n, kk);
      if (converged(result, q, w, n, kk, tol * Math.max(norm, 1e-300))) break;
      checkAt = q.length + 8;
    }
  }
  return result ?? rayleighRitz(q, w, n, kk);
}

interface RitzPairs extends EigenPairs {
  /** coefficients of each Ritz vector in the basis, rows [k][m] */
  coef: Float64Array;
}

function rayleighRitz(q: Float64Array[], w: Float64Array[], n: number, k: number): RitzPairs {
  const m = q.length;
  const h = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      const s = dot(q[i] as Float64Array, w[j] as Float64Array);
      h[i * m + j] = s;
      h[j * m + i] = s;
    }
  }
  const small = jacobiEigen(h, m);
  const kk = Math.min(k, m);
  const values = small.values.slice(0, kk);
  const coef = small.vectors.slice(0, kk * m);
  const vectors = new Float64Array(k * n);
  for (let r = 0; r < kk; r++) {
    for (let j = 0; j < m; j++) {
      const c = coef[r * m + j] as number;
      const b = q[j] as Float64Array;
      for (let i = 0; i < n; i++) vectors[r * n + i] = (vectors[r * n + i] as number) + c * (b[i] as number);
    }
  }
  return { values: padded(values, k), vectors, coef };
}

function converged(
  r: RitzPairs,
  q: Float64Array[],
  w: Float64Array[],
  n: number,
  k: number,
  tol: number,
): boolean {
  const m = q.length;
  if (m < k) return false;
  for (let t = 0; t < k; t++) {
    const theta = r.values[t] as number;
    const res = new Float64Array(n);
    for (let j = 0; j < m; j++) {
      const c = r.coef[t * m + j] as number;
      const aq = w[j] as Float64Array;
      for (let i = 0; i < n; i++) res[i] = (res[i] as number) + c * (aq[i] as number);
    }
    for (let i = 0; i < n; i++) res[i] = (res[i] as number) - theta * (r.vectors[t * n + i] as number);
    if (Math.sqrt(dot(res, res)) > tol) return false;
  }
  return true;
}

function padded(values: Float64Array, k: number): Float64Array {
  if (values.length >= k) return values;
  const out = new Float64Array(k);
  out.set(values);
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
