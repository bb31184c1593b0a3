/**
 * How well a clustering of features matches labels, as an interval rather than one number:
 * k-means is run from several seeds (each with `nInit` restarts, the lowest inertia kept), and
 * ARI / NMI are summarised over the seeds (mean, standard deviation, min and max), so two
 * extractors 0.02 apart are not called different when the seeds alone move ARI by 0.05.
 */
import { KMEANS_DEFAULTS, kmeans } from "../cluster/kmeans.js";
import { adjustedRandScore, normalizedMutualInfo, silhouetteScore } from "../cluster/metrics.js";

export interface Interval {
  mean: number;
  /** Sample standard deviation (0 for one value). */
  sd: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(xs: readonly number[]): Interval {
  if (xs.length === 0) throw new Error("summarize: no values");
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n };
}

/** "0.352 ± 0.021 [0.318, 0.380]" (mean ± sd [min, max]). */
export function formatInterval(iv: Interval | undefined, digits = 3): string {
  if (!iv) return "–";
  if (iv.n === 1) return iv.mean.toFixed(digits);
  return `${iv.mean.toFixed(digits)} ± ${iv.sd.toFixed(digits)} [${iv.min.toFixed(digits)}, ${iv.max.toFixed(digits)}]`;
}

/** Unit-L2 copies of the rows (zero rows stay zero). */
export function l2Rows(rows: readonly Float32Array[]): Float32Array[] {
  return rows.map((r) => {
    let s = 0;
    for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    return r.map((v) => v * inv);
  });
}

export interface SeedScoreOptions {
  k: number;
  /** k-means seeds: a count (seeds 0..n-1) or the list. Default 5. */
  seeds?: number | readonly number[];
  /** Restarts per seed. Default 10. */
  nInit?: number;
  /** Scale rows to unit length first. Default "none". */
  normalize?: "none" | "l2";
  /** Also the silhouette of each seed's clustering (O(n^2 d)); a number = on a random subset of that many rows. Default false. */
  silhouette?: boolean | number;
}

export interface SeedScores {
  ari: Interval;
  nmi: Interval;
  /** Only with the `silhouette` option. */
  silhouette?: Interval;
  runs: { seed: number; ari: number; nmi: number; inertia: number; silhouette?: number }[];
}

/** k-means from each seed, ARI and NMI against `truth`, summarised (see the module comment). */
export function scoreOverSeeds(features: readonly Float32Array[], truth: readonly string[], opts: SeedScoreOptions): SeedScores {
  const seeds = typeof opts.seeds === "number" || opts.seeds === undefined ? Array.from({ length: (opts.seeds as number | undefined) ?? 5 }, (_, i) => i) : [...opts.seeds];
  if (seeds.length === 0) throw new Error("scoreOverSeeds: no seeds");
  const X = opts.normalize === "l2" ? l2Rows(features) : (features as Float32Array[]);
  const runs = seeds.map((seed) => {
    const km = kmeans(X, opts.k, { seed, nInit: opts.nInit ?? KMEANS_DEFAULTS.nInit });
    const run: SeedScores["runs"][number] = { seed, ari: adjustedRandScore(truth, km.labels), nmi: normalizedMutualInfo(truth, km.labels), inertia: km.inertia };
    if (opts.silhouette) run.silhouette = silhouetteScore(X, km.labels, { sampleSize: typeof opts.silhouette === "number" ? opts.silhouette : undefined, seed });
    return run;
  });
  return summarizeRuns(runs);
}

/** ARI and NMI (and the silhouette, when every run has one) summarised over k-means runs, of one scored set or several. */
export function summarizeRuns(runs: SeedScores["runs"]): SeedScores {
  const out: SeedScores = { ari: summarize(runs.map((r) => r.ari)), nmi: summarize(runs.map((r) => r.nmi)), runs };
  if (runs.length > 0 && runs.every((r) => r.silhouette !== undefined)) out.silhouette = summarize(runs.map((r) => r.silhouette!));
  return out;
}
