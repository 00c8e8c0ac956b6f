/**
 * Counter-based random numbers as SQL expressions.
 *
 * Every random number is a pure function of (seed, stream label, integer key): the label picks a pair of
 * 64-bit salts (derived in TypeScript with FNV-1a + SplitMix64), and DuckDB's `hash()` (a 64-bit
 * finalizer) is applied twice: u = hash(hash(key XOR saltA) XOR saltB). Nothing depends on thread
 * scheduling, so the same seed gives the same numbers in any order of evaluation. DuckDB's `random()`
 * and `setseed()` are never used.
 *
 * Distributions built on top (all without rejection loops, so each value needs a fixed number of draws):
 * normal (Box–Muller), exponential (inversion), gamma (Wilson–Hilferty on a boosted shape, see `gamma`),
 * beta (gamma ratio), Poisson (exact inversion below POISSON_EXACT_BELOW, Cornish–Fisher above).
 */

const MASK64 = (1n << 64n) - 1n;

function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

/** 2^-53: the uniform is ((53 random bits) + 0.5) * 2^-53, strictly inside (0, 1). */
const TWO_POW_MINUS_53 = '1.1102230246251565e-16';

/** A number as a SQL DOUBLE literal (never in exponent-less integer form, so arithmetic stays DOUBLE). */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  const text = String(value);
  return /[.eE]/.test(text) ? `${text}::DOUBLE` : `${text}.0`;
}

export class SqlRandom {
  private readonly used = new Set<string>();

  constructor(readonly seed: number) {}

  private salts(label: string): [bigint, bigint] {
    const a = splitmix64((BigInt(this.seed) & MASK64) ^ fnv1a64(label));
    const b = splitmix64(a ^ 0x5851f42d4c957f2dn);
    return [a, b];
  }

  /** Uniform in (0, 1) for stream `label` at integer key `key` (a SQL expression, non-negative). */
  u(label: string, key: string): string {
    this.used.add(label);
    const [a, b] = this.salts(label);
    return `(((hash(xor(hash(xor((${key})::UBIGINT, ${a}::UBIGINT)), ${b}::UBIGINT)) >> 11)::DOUBLE + 0.5) * ${TWO_POW_MINUS_53})`;
  }

  /** 16 lowercase hex digits from the same hash construction (for opaque ids). */
  hex(label: string, key: string): string {
    this.used.add(label);
    const [a, b] = this.salts(label);
    return `lower(to_hex(hash(xor(hash(xor((${key})::UBIGINT, ${a}::UBIGINT)), ${b}::UBIGINT))))`;
  }

  /** Standard normal (Box–Muller, cosine branch) from two uniforms. */
  normal(label: string, key: string): string {
    return `(sqrt(-2.0 * ln(${this.u(label + '#1', key)})) * cos(2.0 * pi() * ${this.u(label + '#2', key)}))`;
  }

  /** Exponential with mean 1 (inversion). */
  exp1(label: string, key: string): string {
    return `(-ln(${this.u(label, key)}))`;
  }

  /**
   * Gamma(shape, scale 1) for a constant shape. Wilson–Hilferty's cube-of-a-normal approximation is
   * accurate for shapes of 3 and more; a smaller shape k is boosted to k+m (m = ceil(3-k)) and brought
   * back exactly with Gamma(k) = Gamma(k+m) * prod_{i<m} U_i^(1/(k+i)).
   */
  gamma(shape: number, label: string, key: string): string {
    if (!(shape > 0)) throw new Error(`gamma shape must be positive, got ${shape}`);
    const boost = shape >= 3 ? 0 : Math.ceil(3 - shape);
    const s = shape + boost;
    const base = `greatest(1.0 - ${num(1 / (9 * s))} + ${this.normal(label + '.z', key)} * ${num(1 / (3 * Math.sqrt(s)))}, 0.02)`;
    let expr = `(${num(s)} * pow(${base}, 3))`;
    if (boost > 0) {
      const logs = Array.from({ length: boost }, (_, i) => `ln(${this.u(`${label}.b${i}`, key)}) * ${num(1 / (shape + i))}`);
      expr = `(${expr} * exp(${logs.join(' + ')}))`;
    }
    return expr;
  }

  /**
   * Gamma(shape, scale 1) for a shape given as a SQL expression that is >= 1 (e.g. an integer count):
   * boosted by 2 the same way, so Wilson–Hilferty always works on a shape of 3 or more.
   */
  gammaOf(shapeSql: string, label: string, key: string): string {
    const s = `((${shapeSql}) + 2.0)`;
    const base = `greatest(1.0 - 1.0 / (9.0 * ${s}) + ${this.normal(label + '.z', key)} / (3.0 * sqrt(${s})), 0.02)`;
    return `(${s} * pow(${base}, 3) * exp(ln(${this.u(label + '.b0', key)}) / (${shapeSql}) + ln(${this.u(label + '.b1', key)}) / ((${shapeSql}) + 1.0)))`;
  }

  /** Beta(a, b) for constant shapes, as G1 / (G1 + G2) = 1 / (1 + G2 / G1) (each gamma written once). */
  beta(a: number, b: number, label: string, key: string): string {
    const g1 = this.gamma(a, label + '.a', key);
    const g2 = this.gamma(b, label + '.b', key);
    return `(1.0 / (1.0 + ${g2} / greatest(${g1}, 1e-300)))`;
  }

  /** Labels used so far (for tests of stream separation). */
  labels(): string[] {
    return [...this.used].sort();
  }
}

/** Below this mean a Poisson draw is exact inversion over POISSON_TERMS terms; above it, Cornish–Fisher. */
export const POISSON_EXACT_BELOW = 8;
/** P(N >= 28 | mean 8) is about 3e-8, so 28 terms lose nothing measurable. */
export const POISSON_TERMS = 28;

/**
 * A SELECT that adds a Poisson draw `${out}` to every row of `from`, where the row has a mean column `mu`
 * and two uniforms `u` (inversion) and `z` (a standard normal, for the large-mean approximation).
 * Exact inversion is done as a chain of projections (pmf_j = pmf_{j-1} * mu / j), which DuckDB runs in one
 * pipeline without per-row loops. The helper columns are dropped at the end.
 */
export function poissonSelect(from: string, mu: string, u: string, z: string, out: string): string {
  // Inversion runs on min(mu, POISSON_EXACT_BELOW) so the chain stays well inside double range; rows with a
  // larger mean take the Cornish–Fisher value instead.
  let sql = `SELECT *, least(${mu}, ${num(POISSON_EXACT_BELOW)}) AS __m, exp(-least(${mu}, ${num(POISSON_EXACT_BELOW)})) AS __p, exp(-least(${mu}, ${num(POISSON_EXACT_BELOW)})) AS __c, CAST(${u} > exp(-least(${mu}, ${num(POISSON_EXACT_BELOW)})) AS INTEGER) AS __n FROM (${from})`;
  for (let j = 1; j < POISSON_TERMS; j++) {
    const p = `__p * __m * ${num(1 / j)}`;
    sql = `SELECT * REPLACE (${p} AS __p, __c + ${p} AS __c, __n + CAST(${u} > __c + ${p} AS INTEGER) AS __n) FROM (${sql})`;
  }
  const cf = `greatest(0.0, floor(${mu} + ${z} * sqrt(${mu}) + (${z} * ${z} - 1.0) / 6.0 + 0.5))`;
  return `SELECT * EXCLUDE (__m, __p, __c, __n), CASE WHEN ${mu} < ${num(POISSON_EXACT_BELOW)} THEN __n::BIGINT ELSE LEAST(${cf}, 1e12)::BIGINT END AS ${out} FROM (${sql})`;
}
