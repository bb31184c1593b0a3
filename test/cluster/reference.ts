/** Loads the scikit-learn reference values committed in ./fixtures (made by make_reference.py). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../lib/util/paths.js";

export interface RefCase {
  name: string;
  k: number;
  X: number[][];
  truth: number[];
  noisy: number[];
  kmeans: { inertia: number; labels: number[]; nIter: number };
  metrics: {
    kmeans: { silhouette: number; daviesBouldin: number; calinskiHarabasz: number };
    noisy: {
      silhouette: number;
      daviesBouldin: number;
      calinskiHarabasz: number;
      ari: number;
      nmi: number;
      ariStrings: number;
      nmiStrings: number;
      purity: number;
    };
    truthVsKmeans: { ari: number; nmi: number; purity: number };
  };
}

export interface Reference {
  sklearn: string;
  cases: RefCase[];
  pairs: { a: number[]; b: number[]; ari: number; nmi: number }[];
}

export function loadReference(): Reference {
  const file = path.join(projectRoot(), "test", "cluster", "fixtures", "sklearn_reference.json");
  return JSON.parse(readFileSync(file, "utf8")) as Reference;
}

export function rows(X: number[][]): Float32Array[] {
  return X.map((r) => Float32Array.from(r));
}

/** True when two labelings are equal up to a renaming of the clusters. */
export function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if ((ab.has(x) && ab.get(x) !== y) || (ba.has(y) && ba.get(y) !== x)) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}

/** Isotropic Gaussian blobs around well-separated centres (a TS make_blobs for quick tests). */
export function blobs(
  n: number,
  d: number,
  k: number,
  opts: { std?: number; spread?: number; seed?: number; sizes?: number[] } = {},
): { X: Float32Array[]; y: number[] } {
  // Deterministic LCG-free generator via createRng is in lib; keep this file dependency-light.
  let s = (opts.seed ?? 1) >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const spread = opts.spread ?? 10;
  const centers = Array.from({ length: k }, () => Array.from({ length: d }, () => (u() * 2 - 1) * spread));
  const X: Float32Array[] = [];
  const y: number[] = [];
  const sizes = opts.sizes ?? Array.from({ length: k }, (_, c) => Math.floor(n / k) + (c < n % k ? 1 : 0));
  sizes.forEach((m, c) => {
    for (let i = 0; i < m; i++) {
      X.push(Float32Array.from(centers[c], (v) => v + normal() * (opts.std ?? 1)));
      y.push(c);
    }
  });
  return { X, y };
}
