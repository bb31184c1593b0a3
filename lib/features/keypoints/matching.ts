/** Descriptor matching (brute-force nearest neighbour with Lowe's ratio test) and match scoring. */
import type { Keypoint, KeypointFeatures } from "./types.js";
import { applyAffine, type Affine } from "./warp.js";

export interface Match {
  /** Keypoint index in the query set. */
  query: number;
  /** Keypoint index in the train set. */
  train: number;
  /** Euclidean distance between the two descriptors. */
  distance: number;
}

export interface MatchOptions {
  /**
   * Lowe's ratio: keep a match only when its distance is below `ratio` times the distance to the
   * second-nearest descriptor. Smaller is stricter. Sensible range 0.6..0.9. Default 0.8 (Lowe 2004).
   */
  ratio?: number;
}

/** For every query descriptor, its nearest train descriptor, kept if it passes the ratio test. */
export function matchDescriptors(query: KeypointFeatures, train: KeypointFeatures, opts: MatchOptions = {}): Match[] {
  const ratio = opts.ratio ?? 0.8;
  if (query.dim !== train.dim) throw new Error(`matchDescriptors: descriptor lengths differ (${query.dim} vs ${train.dim})`);
  const d = query.dim;
  const nq = query.keypoints.length;
  const nt = train.keypoints.length;
  const A = query.descriptors;
  const B = train.descriptors;
  const out: Match[] = [];
  if (nt < 2) return out;
  for (let i = 0; i < nq; i++) {
    const a = i * d;
    let best = Infinity;
    let second = Infinity;
    let bestJ = -1;
    for (let j = 0; j < nt; j++) {
      const b = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = A[a + k]! - B[b + k]!;
        s += t * t;
      }
      if (s < best) {
        second = best;
        best = s;
        bestJ = j;
      } else if (s < second) second = s;
    }
    // Compare squared distances: d1 < ratio * d2  <=>  d1^2 < ratio^2 * d2^2.
    if (best < ratio * ratio * second) out.push({ query: i, train: bestJ, distance: Math.sqrt(best) });
  }
  return out;
}

export interface MatchScore {
  /** Matches that passed the ratio test. */
  matches: number;
  /** Matches whose query keypoint, mapped by the known transform, lands within `tolerance` px of the train keypoint. */
  correct: number;
  /** correct / matches (0 when there are no matches). */
  precision: number;
}

/** Score matches against a known transform from the query image to the train image. */
export function scoreMatches(
  matches: readonly Match[],
  queryKps: readonly Keypoint[],
  trainKps: readonly Keypoint[],
  transform: Affine,
  tolerance = 3,
): MatchScore {
  let correct = 0;
  for (const m of matches) {
    const q = queryKps[m.query]!;
    const t = trainKps[m.train]!;
    const [x, y] = applyAffine(transform, q.x, q.y);
    if (Math.hypot(x - t.x, y - t.y) <= tolerance) correct++;
  }
  return { matches: matches.length, correct, precision: matches.length ? correct / matches.length : 0 };
}
