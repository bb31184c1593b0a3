/** Deterministic train/test splits of dataset items (optionally stratified by label). */
import { createRng, shuffled } from "../util/random.js";

export interface SplitOptions {
  /** Fraction of items put in the test set, in [0, 1). Typical 0.1..0.3. Required. */
  testFraction: number;
  /** Seed of the shuffle; the same seed and items give the same split. Required. */
  seed: number;
  /**
   * Keep each label's share the same in train and test (each label contributes
   * round(n_label * testFraction) test items, at least 1 when it has 2 or more items and
   * testFraction > 0). Items with a null label form their own group. Default true.
   */
  stratify?: boolean;
}

export interface Split<T> {
  train: T[];
  test: T[];
}

/**
 * Split items into train and test sets. Deterministic in (items order, seed); the output keeps
 * the input order within each set, so listings stay readable.
 */
export function trainTestSplit<T extends { label?: string | null }>(items: readonly T[], opts: SplitOptions): Split<T> {
  const f = opts.testFraction;
  if (!(f >= 0 && f < 1)) throw new Error(`trainTestSplit: testFraction must be in [0, 1), got ${f}`);
  const rng = createRng(opts.seed);
  const stratify = opts.stratify ?? true;
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    const key = stratify ? `L:${it.label ?? ""}${it.label == null ? "\u0000null" : ""}` : "all";
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  const isTest = new Uint8Array(items.length);
  // groups in sorted key order, so the result does not depend on which label came first
  for (const key of [...groups.keys()].sort()) {
    const idx = groups.get(key)!;
    let nTest = Math.round(idx.length * f);
    if (stratify && f > 0 && idx.length >= 2) nTest = Math.max(1, nTest);
    nTest = Math.min(nTest, idx.length - (idx.length >= 2 ? 1 : 0));
    for (const i of shuffled(idx, rng).slice(0, nTest)) isTest[i] = 1;
  }
  const out: Split<T> = { train: [], test: [] };
  items.forEach((it, i) => (isTest[i] ? out.test : out.train).push(it));
  return out;
}
