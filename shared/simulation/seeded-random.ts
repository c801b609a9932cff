/**
 * A small, fast, seeded pseudo-random source with the samplers the scenario simulator needs.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "small fast counter", period ~2^128, passes
 * PractRand) seeded through splitmix32, so nearby seeds (1, 2, 3 ...) give unrelated streams.
 * Samplers are exact in distribution: Poisson by multiplication for small means and by PTRS
 * (Hörmann 1993, transformed rejection with squeeze) for larger ones; Binomial by inversion for
 * small n·p and by BTRS (Hörmann 1993) otherwise; normals by Marsaglia's polar method.
 */

/** Poisson means below this use Knuth's multiplication method (exact, O(mean)). */
const POISSON_SMALL_MEAN = 10;

/** Binomial draws with min(p, 1-p)·n below this use inversion (exact, O(n·p)). */
const BINOMIAL_SMALL_MEAN = 10;

export interface SeededRandom {
  /** Uniform on [0, 1). */
  next(): number;
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number;
  /** Poisson-distributed count with the given mean (0 for a mean <= 0 or not finite). */
  poisson(mean: number): number;
  /** Binomial(n, p) count; n is floored, p is clamped to [0, 1]. */
  binomial(n: number, p: number): number;
}

/** Mixes two 32-bit words into one well-spread 32-bit seed (used to derive per-minute streams). */
export function mixSeed(a: number, b: number): number {
  let h = Math.imul((a | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Creates a seeded random source. The same `seed` always gives the same sequence, on any
 * machine (only 32-bit integer arithmetic feeds the state).
 */
export function createSeededRandom(seed: number): SeededRandom {
  // splitmix32 expands the seed into sfc32's four state words.
  let sm = seed >>> 0;
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();

  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Warm-up: the first outputs of sfc32 are weakly mixed.
  for (let i = 0; i < 12; i++) next();

  let spare = 0;
  let hasSpare = false;
  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * next() - 1;
      v = 2 * next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * factor;
    hasSpare = true;
    return u * factor;
  };

  const poisson = (mean: number): number => {
    if (!(mean > 0) || !Number.isFinite(mean)) return 0;
    if (mean < POISSON_SMALL_MEAN) {
      const limit = Math.exp(-mean);
      let k = 0;
      let product = next();
      while (product > limit) {
        k++;
        product *= next();
      }
      return k;
    }
    return poissonPtrs(mean, next);
  };

  const binomial = (trials: number, probability: number): number => {
    const n = Math.floor(trials);
    if (!(n > 0)) return 0;
    const p = Number.isFinite(probability) ? Math.min(1, Math.max(0, probability)) : 0;
    if (p === 0) return 0;
    if (p === 1) return n;
    // Sample the rarer outcome and mirror, so both samplers only see p <= 0.5.
    if (p > 0.5) return n - binomial(n, 1 - p);
    if (n * p < BINOMIAL_SMALL_MEAN) return binomialInversion(n, p, next);
    return binomialBtrs(n, p, next);
  };

  return { next, normal, poisson, binomial };
}

function poissonPtrs(mean: number, next: () => number): number {
  const sqrtMean = Math.sqrt(mean);
  const logMean = Math.log(mean);
  const b = 0.931 + 2.53 * sqrtMean;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = next() - 0.5;
    const v = next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (
      Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <=
      -mean + k * logMean - logFactorial(k)
    ) {
      return k;
    }
  }
}

function binomialInversion(n: number, p: number, next: () => number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  // Restart on the (astronomically rare) walk past n caused by rounding.
  for (;;) {
    let r = q ** n;
    let u = next();
    let x = 0;
    while (u > r) {
      u -= r;
      x++;
      if (x > n) break;
      r *= a / x - s;
    }
    if (x <= n) return x;
  }
}

function binomialBtrs(n: number, p: number, next: () => number): number {
  const q = 1 - p;
  const spq = Math.sqrt(n * p * q);
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / q;
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  for (;;) {
    const u = next() - 0.5;
    let v = next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const upper =
      (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(m) +
      stirlingTail(n - m) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= upper) return k;
  }
}

/** ln(k!) - [(k + 1/2) ln(k + 1) - (k + 1) + ln(2π)/2], exact for small k, series beyond. */
const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];

function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL[k] ?? 0;
  const kp1sq = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

const LOG_FACTORIAL_TABLE_SIZE = 256;
const LOG_FACTORIALS = (() => {
  const table = new Float64Array(LOG_FACTORIAL_TABLE_SIZE);
  for (let i = 1; i < LOG_FACTORIAL_TABLE_SIZE; i++) table[i] = (table[i - 1] ?? 0) + Math.log(i);
  return table;
})();

/** ln(k!) from a table for small k and Stirling's series beyond (error < 1e-12 there). */
export function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL_TABLE_SIZE) return LOG_FACTORIALS[k] ?? 0;
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}
