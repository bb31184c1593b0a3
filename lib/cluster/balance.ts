/**
 * Even cluster sizes. The paper trains one GAN per cluster, so a cluster with a handful of
 * paintings is useless and one with half the collection dominates. Two tools:
 *
 * - `enforceMinSize`: dissolve clusters smaller than a minimum (smallest first), moving their
 *   members to the nearest remaining centre, and recompute the centres. K shrinks.
 * - `balancedAssign`: assign rows to fixed centres with between floor(n / k) and ceil(n / k)
 *   rows per cluster by default (or any capacities / lower bound), minimising the total squared
 *   distance exactly. It is a transportation problem
 *   solved by successive shortest augmenting paths (the Hungarian method with capacities): rows
 *   are added one at a time and each takes the cheapest chain "row -> centre c1, a member of c1
 *   moves to c2, ..., until a centre with room", found by Bellman-Ford over the k centres. The
 *   partial assignment stays optimal after every row, so the final one is optimal. Cost
 *   O(n^2 k + n k^3); about 0.1 s for n = 500, k = 10.
 * - `balancedKMeans`: k-means, then alternate balanced assignment and centre update.
 */
import { kmeans, type KMeansOptions, type KMeansResult } from "./kmeans.js";
import { checkRows, clusterMeans, nearest, sqDist, toFloat32Rows, type Vec } from "./vectors.js";

/** Number of rows in each cluster 0..k-1 (labels outside the range are an error). */
export function clusterSizes(labels: ArrayLike<number>, k: number): number[] {
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`label ${c} at row ${i} is outside 0..${k - 1}`);
    sizes[c]++;
  }
  return sizes;
}

/** What `enforceMinSize` did to one dissolved cluster. */
export interface MergeRecord {
  /** Index of the dissolved cluster in the input result. */
  from: number;
  /** Its size when it was dissolved (after earlier merges). */
  size: number;
  /** Where its members went: input cluster index -> rows moved there. */
  into: Record<number, number>;
}

export interface MinSizeResult {
  /** The clustering after merging, with clusters renumbered 0..k'-1 in their original order. */
  result: KMeansResult;
  /** Dissolved clusters, in the order they were dissolved. */
  merged: MergeRecord[];
  /** For each input cluster, its new index, or -1 when it was dissolved. */
  mapping: number[];
}

/**
 * Dissolve clusters with fewer than `minSize` rows: repeatedly take the smallest such cluster,
 * move each member to the nearest remaining centre, and recompute the centres of the receivers
 * (means of their members). Stops when every cluster has at least `minSize` rows or one cluster
 * is left. The input is not modified.
 */
export function enforceMinSize(X: readonly Vec[], result: KMeansResult, minSize: number): MinSizeResult {
  checkRows(X);
  if (result.labels.length !== X.length) {
    throw new Error(`enforceMinSize: result has ${result.labels.length} labels for ${X.length} rows`);
  }
  if (!Number.isInteger(minSize) || minSize < 0) throw new Error(`minSize must be a non-negative integer, got ${minSize}`);
  const k = result.centers.length;
  const labels = Int32Array.from(result.labels);
  const centers: (Float64Array | null)[] = result.centers.map((c) => Float64Array.from(c));
  const sizes = clusterSizes(labels, k);
  const merged: MergeRecord[] = [];
  for (;;) {
    const alive = centers.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
    if (alive.length <= 1) break;
    let small = -1;
    for (const c of alive) if (sizes[c] < minSize && (small < 0 || sizes[c] < sizes[small])) small = c;
    if (small < 0) break;
    centers[small] = null;
    const rest = alive.filter((c) => c !== small);
    const restCenters = rest.map((c) => centers[c] as Float64Array);
    const into: Record<number, number> = {};
    const touched = new Set<number>();
    for (let i = 0; i < X.length; i++) {
      if (labels[i] !== small) continue;
      const to = rest[nearest(X[i], restCenters).index];
      labels[i] = to;
      into[to] = (into[to] ?? 0) + 1;
      touched.add(to);
    }
    merged.push({ from: small, size: sizes[small], into });
    sizes[small] = 0;
    for (const c of touched) sizes[c] += into[c];
    // Recompute the receivers' centres from their members.
    const { means } = clusterMeans(X, labels, k);
    for (const c of touched) centers[c] = means[c];
  }
  const mapping = new Array<number>(k).fill(-1);
  let next = 0;
  for (let c = 0; c < k; c++) if (centers[c]) mapping[c] = next++;
  const newLabels = Int32Array.from(labels, (c) => mapping[c]);
  const newCenters = centers.filter((c): c is Float64Array => c !== null);
  let inertia = 0;
  for (let i = 0; i < X.length; i++) inertia += sqDist(X[i], newCenters[newLabels[i]]);
  return {
    result: { labels: newLabels, centers: toFloat32Rows(newCenters), inertia, nIter: result.nIter },
    merged,
    mapping,
  };
}

export interface BalancedAssignOptions {
  /**
   * Most rows a cluster may take. Default ceil(n / k), which forces sizes to differ by at most
   * one. Larger values allow more imbalance (n means no constraint). Must satisfy k * capacity >= n.
   */
  capacity?: number;
  /** Per-cluster capacities instead of one `capacity` (length k, sum >= n). */
  capacities?: number[];
  /**
   * Fewest rows a cluster must take (k * lower <= n). Default floor(n / k) when neither
   * `capacity` nor `capacities` is given (so sizes differ by at most one), else 0.
   */
  lower?: number;
}

export interface BalancedAssignResult {
  /** Cluster of each row. */
  labels: Int32Array;
  /** Total squared distance of rows to their assigned centres (the minimised cost). */
  cost: number;
  /** Rows per cluster. */
  sizes: number[];
}

/**
 * Capacity-constrained assignment of rows to fixed centres minimising the total squared
 * Euclidean distance (exact; see the module comment for the method). Ties are broken towards
 * lower row and centre indices, so the result is deterministic.
 */
export function balancedAssign(X: readonly Vec[], centers: readonly Vec[], opts: BalancedAssignOptions = {}): BalancedAssignResult {
  checkRows(X);
  const n = X.length;
  const k = centers.length;
  if (k === 0) throw new Error("balancedAssign: no centres given");
  if (centers[0].length !== X[0].length) {
    throw new Error(`balancedAssign: centres have dimension ${centers[0].length}, rows have ${X[0].length}`);
  }
  const caps = opts.capacities ?? new Array<number>(k).fill(opts.capacity ?? Math.ceil(n / k));
  if (caps.length !== k) throw new Error(`balancedAssign: ${caps.length} capacities for ${k} centres`);
  const total = caps.reduce((s, c) => s + c, 0);
  if (total < n) throw new Error(`balancedAssign: capacities sum to ${total} but there are ${n} rows; raise the capacity`);
  const lower = opts.lower ?? (opts.capacity === undefined && opts.capacities === undefined ? Math.floor(n / k) : 0);
  if (!Number.isInteger(lower) || lower < 0 || lower * k > n) {
    throw new Error(`balancedAssign: lower bound ${lower} per cluster is impossible for ${n} rows in ${k} clusters`);
  }
  if (caps.some((c) => c < lower)) throw new Error(`balancedAssign: a capacity is below the lower bound ${lower}`);
  // Clusters still below the lower bound are preferred as the end of an augmenting chain (a
  // lexicographic "-M per unfilled lower slot" cost; convex per cluster, so the method stays exact).
  let below = lower > 0 ? k : 0;

  // cost[i * k + c] = squared distance of row i to centre c.
  const cost = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) cost[i * k + c] = sqDist(X[i], centers[c]);

  const labels = new Int32Array(n).fill(-1);
  const sizes = new Array<number>(k).fill(0);
  const members: Set<number>[] = Array.from({ length: k }, () => new Set<number>());
  const dist = new Float64Array(k);
  const predC = new Int32Array(k); // previous centre on the chain, -1 = reached directly from the new row
  const predRow = new Int32Array(k); // the row that moves from predC[c] to c
  const w = new Float64Array(k * k); // w[a * k + b] = cheapest move of a member of a to b
  const wRow = new Int32Array(k * k);

  for (let i = 0; i < n; i++) {
    // Fast path: the nearest centre has room and taking it cannot free a cheaper move elsewhere.
    // (Without a lower bound, a centre with room never gains from a chain. With one, a centre
    // still below it is the best end, but once all are at the bound, entering a centre at the
    // bound lets one of its members leave, so the full search is needed.)
    let c0 = 0;
    for (let c = 1; c < k; c++) if (cost[i * k + c] < cost[i * k + c0]) c0 = c;
    if (sizes[c0] < caps[c0] && (lower === 0 || sizes[c0] < lower)) {
      labels[i] = c0;
      if (++sizes[c0] === lower) below--;
      members[c0].add(i);
      continue;
    }
    // Edge weights between centres: moving one member j of a to b costs cost[j,b] - cost[j,a].
    w.fill(Infinity);
    for (let a = 0; a < k; a++) {
      for (const j of members[a]) {
        const base = cost[j * k + a];
        for (let b = 0; b < k; b++) {
          if (b === a) continue;
          const v = cost[j * k + b] - base;
          if (v < w[a * k + b]) {
            w[a * k + b] = v;
            wRow[a * k + b] = j;
          }
        }
      }
    }
    for (let c = 0; c < k; c++) {
      dist[c] = cost[i * k + c];
      predC[c] = -1;
    }
    // Bellman-Ford over the k centres (no negative cycles: the current assignment is optimal).
    for (let round = 0; round < k - 1; round++) {
      let changed = false;
      for (let a = 0; a < k; a++) {
        const da = dist[a];
        for (let b = 0; b < k; b++) {
          const v = da + w[a * k + b];
          if (v < dist[b] - 1e-12 * Math.abs(dist[b])) {
            dist[b] = v;
            predC[b] = a;
            predRow[b] = wRow[a * k + b];
            changed = true;
          }
        }
      }
      if (!changed) break;
    }
    let target = -1;
    for (let c = 0; c < k; c++) {
      if (sizes[c] >= caps[c] || (below > 0 && sizes[c] >= lower)) continue;
      if (target < 0 || dist[c] < dist[target]) target = c;
    }
    // Apply the chain backwards: each predRow moves from predC[c] into c; the new row enters the first centre.
    if (++sizes[target] === lower) below--;
    let c = target;
    const seen = new Set<number>();
    while (predC[c] >= 0) {
      if (seen.has(c)) throw new Error("balancedAssign: internal error (cycle in augmenting path)");
      seen.add(c);
      const j = predRow[c];
      const from = predC[c];
      members[from].delete(j);
      members[c].add(j);
      labels[j] = c;
      c = from;
    }
    labels[i] = c;
    members[c].add(i);
  }
  let totalCost = 0;
  for (let i = 0; i < n; i++) totalCost += cost[i * k + labels[i]];
  return { labels, cost: totalCost, sizes };
}

export interface BalancedKMeansOptions extends KMeansOptions, BalancedAssignOptions {
  /** Rounds of balanced assignment + centre update after plain k-means. Default 10. */
  balanceIter?: number;
}

/**
 * Size-balanced k-means: plain k-means (k-means++ and restarts), then alternate a balanced
 * assignment (`balancedAssign`, capacity ceil(n/k) unless given) and moving each centre to the
 * mean of its members, until the labels stop changing or `balanceIter` rounds. The inertia
 * reported is that of the balanced labels (it is higher than plain k-means).
 */
export function balancedKMeans(X: readonly Vec[], k: number, opts: BalancedKMeansOptions = {}): KMeansResult {
  const base = kmeans(X, k, opts);
  let centers: Vec[] = base.centers;
  let labels = base.labels;
  const rounds = opts.balanceIter ?? 10;
  let it = 0;
  for (; it < rounds; it++) {
    const res = balancedAssign(X, centers, opts);
    const same = res.labels.every((v, i) => v === labels[i]);
    labels = res.labels;
    centers = clusterMeans(X, labels, k).means;
    if (same) break;
  }
  // Inertia of the final labels to their (mean) centres.
  let inertia = 0;
  for (let i = 0; i < X.length; i++) inertia += sqDist(X[i], centers[labels[i]]);
  return { labels, centers: toFloat32Rows(centers), inertia, nIter: base.nIter + it };
}
