/**
 * Statistics for the study: means with 95 % confidence intervals (Student t), and paired
 * comparisons of two methods on the same images (paired t-test and Wilcoxon signed-rank test,
 * two-sided). Written here because no maintained JS package covers them in this runtime; checked
 * against SciPy's values in test/study/stats.test.ts.
 */

export interface MeanCI {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  /** 95 % confidence interval of the mean (t distribution); equal to the mean when n < 2. */
  lo: number;
  hi: number;
}

export function meanCI(xs: readonly number[], level = 0.95): MeanCI {
  const v = xs.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, lo: NaN, hi: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: 0, lo: mean, hi: mean };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, lo: mean - half, hi: mean + half };
}

export interface PairedTest {
  n: number;
  /** Mean of a - b. */
  meanDiff: number;
  /** Standard deviation of a - b (n - 1; for power: see minimalDetectableEffect). */
  sd: number;
  /** 95 % interval of the mean difference. */
  lo: number;
  hi: number;
  /** Paired t statistic and two-sided p-value. */
  t: number;
  pT: number;
  /** Wilcoxon signed-rank statistic (smaller rank sum, zeros dropped) and two-sided p-value (normal approximation with tie correction). */
  w: number;
  pWilcoxon: number;
}

/** Paired comparison of a and b (same items, same order; non-finite pairs dropped). */
export function pairedTest(a: readonly number[], b: readonly number[]): PairedTest {
  if (a.length !== b.length) throw new Error(`pairedTest: ${a.length} vs ${b.length} values`);
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]) && Number.isFinite(b[i])) d.push(a[i]! - b[i]!);
  const ci = meanCI(d);
  const n = d.length;
  let t = NaN;
  let pT = NaN;
  if (n >= 2) {
    if (ci.sd === 0) {
      t = ci.mean === 0 ? 0 : Math.sign(ci.mean) * Infinity;
      pT = ci.mean === 0 ? 1 : 0;
    } else {
      t = ci.mean / (ci.sd / Math.sqrt(n));
      pT = 2 * (1 - studentTCdf(Math.abs(t), n - 1));
    }
  }
  const { w, p } = wilcoxonSignedRank(d);
  return { n, meanDiff: ci.mean, sd: ci.sd, lo: ci.lo, hi: ci.hi, t, pT, w, pWilcoxon: p };
}

/** Wilcoxon signed-rank test of differences d against 0 (zeros dropped, average ranks for ties, normal approximation). */
export function wilcoxonSignedRank(d: readonly number[]): { w: number; p: number } {
  const nz = d.filter((x) => x !== 0 && Number.isFinite(x));
  const n = nz.length;
  if (n === 0) return { w: 0, p: 1 };
  const order = nz.map((x, i) => ({ a: Math.abs(x), s: Math.sign(x), i })).sort((p, q) => p.a - q.a);
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && order[j + 1]!.a === order[i]!.a) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[k] = r;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  let wPlus = 0;
  for (let k = 0; k < n; k++) if (order[k]!.s > 0) wPlus += ranks[k]!;
  const wMinus = (n * (n + 1)) / 2 - wPlus;
  const w = Math.min(wPlus, wMinus);
  const mu = (n * (n + 1)) / 4;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  if (sigma === 0) return { w, p: 1 };
  const z = (w - mu) / sigma;
  return { w, p: Math.min(1, 2 * normalCdf(z)) };
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Student t cumulative distribution function. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of the Student t distribution (bisection on the CDF; |error| < 1e-10). */
export function studentTQuantile(p: number, df: number): number {
  if (p <= 0 || p >= 1) throw new Error(`studentTQuantile: p must be in (0, 1), got ${p}`);
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9)
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes betacf). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(x, a, b)) / a;
  return 1 - (front * betaCf(1 - x, b, a)) / b;
}

function betaCf(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Significance level and power of a planned paired test. */
export interface PowerOptions {
  /** Two-sided significance level. Default 0.05. */
  alpha?: number;
  /** Wanted power. Default 0.8. */
  power?: number;
}

/**
 * The smallest mean paired difference a two-sided paired t-test on `n` pairs detects with the given
 * power, when the differences have standard deviation `sd`:
 *   (t_{1-alpha/2, n-1} + t_{power, n-1}) * sd / sqrt(n).
 * (Checked against the exact noncentral-t power in the tests: 0.800 at this effect.)
 */
export function minimalDetectableEffect(sd: number, n: number, opts: PowerOptions = {}): number {
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  if (!(n >= 2)) return NaN;
  return (studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(power, n - 1)) * (sd / Math.sqrt(n));
}

/** Pairs needed for a paired t-test to detect a mean difference `effect` (see minimalDetectableEffect); Infinity for effect 0. */
export function pairsNeeded(sd: number, effect: number, opts: PowerOptions = {}): number {
  const e = Math.abs(effect);
  if (!(sd >= 0) || !Number.isFinite(e)) return NaN;
  if (e === 0) return Infinity;
  if (sd === 0) return 2;
  let lo = 2;
  let hi = 4;
  while (minimalDetectableEffect(sd, hi, opts) > e) {
    hi *= 2;
    if (hi > 1e9) return Infinity;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (minimalDetectableEffect(sd, mid, opts) > e) lo = mid;
    else hi = mid;
  }
  return minimalDetectableEffect(sd, lo, opts) <= e ? lo : hi;
}
