/**
 * Choosing K: run k-means for each k of a range and report, per k, the inertia (for the elbow
 * plot), silhouette, Davies-Bouldin, Calinski-Harabasz, the gap statistic with its tolerance
 * s_k, the cluster sizes, and ARI / NMI / purity against known labels when they are given.
 * `suggestK` turns the table into one K (the rule is documented on `suggestKDetails`).
 */
import { kmeans, type KMeansOptions } from "./kmeans.js";
import {
  adjustedRandScore,
  calinskiHarabaszScore,
  daviesBouldinScore,
  gapStatistic,
  normalizedMutualInfo,
  purity,
  silhouetteScore,
  type Labels,
} from "./metrics.js";
import { clusterSizes } from "./balance.js";
import type { Vec } from "./vectors.js";

export interface SweepOptions extends KMeansOptions {
  /** Known labels (e.g. style or collection), one per row: adds ARI, NMI and purity. Default none. */
  labels?: Labels;
  /**
   * Compute the gap statistic (B uniform reference sets, each clustered once per k; the costliest
   * column). `false` skips it; a number sets B. Default 10.
   */
  gapRefs?: number | false;
  /** Restarts for the k-means runs on the gap reference sets. Default 1. */
  gapNInit?: number;
  /** Bound the silhouette cost on large sets by scoring this many random rows. Default: all rows. */
  silhouetteSampleSize?: number;
  /** Called after each k with its row (progress bars, live plots). */
  onRow?: (row: SweepRow) => void;
}

/** One k of a sweep. Metrics undefined for k = 1 (or k >= n) are null. */
export interface SweepRow {
  k: number;
  /** k-means inertia (within-cluster sum of squares), for the elbow plot. Lower with larger k. */
  inertia: number;
  /** Mean silhouette (-1..1, higher is better). */
  silhouette: number | null;
  /** Davies-Bouldin index (>= 0, lower is better). */
  daviesBouldin: number | null;
  /** Calinski-Harabasz index (higher is better). */
  calinskiHarabasz: number | null;
  /** Gap statistic (higher is better) or null when skipped. */
  gap: number | null;
  /** Tolerance s_k of the gap rule, or null when skipped. */
  gapSk: number | null;
  /** Cluster sizes, by cluster index. */
  sizes: number[];
  /** ARI against the given labels, when given. */
  ari?: number;
  /** NMI (arithmetic) against the given labels, when given. */
  nmi?: number;
  /** Purity against the given labels, when given. */
  purity?: number;
  /** Lloyd iterations of the winning run. */
  nIter: number;
  /** The k-means labels of this k (not written to tables; handy in notebooks). */
  labels: Int32Array;
}

/** Parse a CLI range "A..B" (inclusive) or a comma list "2,4,8" into ks. */
export function parseKRange(text: string): number[] {
  const m = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
  let ks: number[];
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > b) throw new Error(`k range "${text}": start ${a} is after end ${b}`);
    ks = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else {
    ks = text.split(",").map((s) => Number(s.trim()));
  }
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new Error(`k range "${text}" is not "A..B" or a comma list of positive integers`);
  }
  return ks;
}

/** Run k-means for each k and measure it. Rows come back in the order of `ks`. */
export function sweepK(X: readonly Vec[], ks: number[], opts: SweepOptions = {}): SweepRow[] {
  const rows: SweepRow[] = [];
  const seed = opts.seed ?? 0;
  const gapRefs = opts.gapRefs === undefined ? 10 : opts.gapRefs;
  for (const k of ks) {
    if (k > X.length) throw new Error(`sweep: k=${k} is larger than the number of rows (${X.length})`);
    const res = kmeans(X, k, { ...opts, seed });
    const nLabels = new Set(res.labels).size;
    const internal = nLabels >= 2 && nLabels <= X.length - 1;
    const gap = gapRefs === false ? null : gapStatistic(X, k, { nRefs: gapRefs, seed, nInit: opts.gapNInit ?? 1, inertia: res.inertia });
    const row: SweepRow = {
      k,
      inertia: res.inertia,
      silhouette: internal ? silhouetteScore(X, res.labels, { sampleSize: opts.silhouetteSampleSize, seed }) : null,
      daviesBouldin: internal ? daviesBouldinScore(X, res.labels) : null,
      calinskiHarabasz: internal ? calinskiHarabaszScore(X, res.labels) : null,
      gap: gap ? gap.gap : null,
      gapSk: gap ? gap.sk : null,
      sizes: clusterSizes(res.labels, k),
      nIter: res.nIter,
      labels: res.labels,
    };
    if (opts.labels) {
      row.ari = adjustedRandScore(opts.labels, res.labels);
      row.nmi = normalizedMutualInfo(opts.labels, res.labels);
      row.purity = purity(opts.labels, res.labels);
    }
    opts.onRow?.(row);
    rows.push(row);
  }
  return rows;
}

export interface KSuggestion {
  /** The suggested K. */
  k: number;
  /** The K each criterion prefers (absent when the criterion could not be computed). */
  votes: { silhouette?: number; daviesBouldin?: number; calinskiHarabasz?: number; gap?: number; elbow?: number };
  /** One sentence saying how K was chosen. */
  reason: string;
}

function argBest(rows: SweepRow[], key: "silhouette" | "daviesBouldin" | "calinskiHarabasz", dir: 1 | -1): number | undefined {
  let best: SweepRow | undefined;
  for (const r of rows) {
    const v = r[key];
    if (v === null || !Number.isFinite(v)) continue;
    if (!best || dir * v > dir * (best[key] as number)) best = r;
  }
  return best?.k;
}

/** Elbow by the "kneedle" idea: the k whose (k, inertia) point lies farthest below the chord. */
export function elbowK(rows: SweepRow[]): number | undefined {
  const s = [...rows].sort((a, b) => a.k - b.k);
  if (s.length < 3) return undefined;
  const k0 = s[0].k;
  const k1 = s[s.length - 1].k;
  const i0 = s[0].inertia;
  const i1 = s[s.length - 1].inertia;
  if (i0 === i1) return undefined;
  let best: number | undefined;
  let bestD = -Infinity;
  for (const r of s) {
    const x = (r.k - k0) / (k1 - k0);
    const y = (r.inertia - i1) / (i0 - i1); // 1 at the first k, 0 at the last
    const d = 1 - x - y; // distance below the straight line from (0, 1) to (1, 0), up to a constant
    if (d > bestD) {
      bestD = d;
      best = r.k;
    }
  }
  return best;
}

/** Tibshirani's gap rule: the smallest k with gap(k) >= gap(k') - s_k' for the next swept k'. */
export function gapRuleK(rows: SweepRow[]): number | undefined {
  const s = rows.filter((r) => r.gap !== null && r.gapSk !== null).sort((a, b) => a.k - b.k);
  for (let i = 0; i + 1 < s.length; i++) {
    if ((s[i].gap as number) >= (s[i + 1].gap as number) - (s[i + 1].gapSk as number)) return s[i].k;
  }
  return undefined;
}

/**
 * Suggest K from a sweep by a vote of five criteria: silhouette (max), Davies-Bouldin (min),
 * Calinski-Harabasz (max), Tibshirani's gap rule and the inertia elbow (farthest point below the
 * chord). The K named most often wins; ties, and the case where every criterion names a
 * different K, go to the candidate with the highest silhouette. No criterion is trusted alone:
 * on CNN features of paintings they often disagree (CH favours small k, the gap rule and the
 * elbow depend on the range swept), and silhouette is the most stable single one.
 */
export function suggestKDetails(rows: SweepRow[]): KSuggestion {
  if (rows.length === 0) throw new Error("suggestK: the sweep has no rows");
  const votes: KSuggestion["votes"] = {};
  const sil = argBest(rows, "silhouette", 1);
  if (sil !== undefined) votes.silhouette = sil;
  const db = argBest(rows, "daviesBouldin", -1);
  if (db !== undefined) votes.daviesBouldin = db;
  const ch = argBest(rows, "calinskiHarabasz", 1);
  if (ch !== undefined) votes.calinskiHarabasz = ch;
  const gap = gapRuleK(rows);
  if (gap !== undefined) votes.gap = gap;
  const elbow = elbowK(rows);
  if (elbow !== undefined) votes.elbow = elbow;
  const tally = new Map<number, number>();
  for (const k of Object.values(votes)) tally.set(k, (tally.get(k) ?? 0) + 1);
  if (tally.size === 0) {
    return { k: rows[0].k, votes, reason: "no criterion could be computed; the first k of the sweep is returned" };
  }
  const top = Math.max(...tally.values());
  const candidates = [...tally.entries()].filter(([, n]) => n === top).map(([k]) => k);
  const silOf = (k: number): number => rows.find((r) => r.k === k)?.silhouette ?? -Infinity;
  candidates.sort((a, b) => silOf(b) - silOf(a) || a - b);
  const k = candidates[0];
  const reason =
    candidates.length === 1
      ? `k=${k} has ${top} of ${Object.keys(votes).length} votes`
      : `tie at ${top} vote${top === 1 ? "" : "s"} between k=${candidates.join(", ")}; k=${k} has the highest silhouette`;
  return { k, votes, reason };
}

/** The K suggested by {@link suggestKDetails}. */
export function suggestK(rows: SweepRow[]): number {
  return suggestKDetails(rows).k;
}

/** A sweep row without the labels, for JSON/CSV tables. */
export function sweepRowForTable(row: SweepRow): Omit<SweepRow, "labels"> {
  const { labels: _labels, ...rest } = row;
  void _labels;
  return rest;
}
