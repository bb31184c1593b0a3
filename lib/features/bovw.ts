/**
 * Bag of visual words (Csurka et al. 2004; Sivic & Zisserman 2003): a vocabulary of local
 * descriptors learned by mini-batch k-means over a seeded sample of descriptors, then one
 * histogram of visual-word counts per image (hard assignment to the nearest word), optionally
 * tf-idf weighted, L1- or L2-normalised. Independent of the descriptor: SIFT (128-d), SURF (64-d)
 * or anything row-major.
 *
 * tf-idf follows scikit-learn's `TfidfTransformer(smooth_idf=True, sublinear_tf=False)`:
 * idf(w) = ln((1 + N) / (1 + df(w))) + 1 over the N images the vocabulary was fitted on, and the
 * weighted histogram is then normalised.
 */
import { miniBatchKMeans } from "../cluster/kmeans.js";
import { readJson, sha256, writeJsonAtomic } from "../util/fs.js";
import { createRng } from "../util/random.js";

export interface BovwOptions {
  /**
   * Visual words k. More words separate finer local patterns but make histograms sparser.
   * Sensible range 50..2000. Default 200.
   */
  vocabularySize?: number;
  /**
   * At most this many descriptors (sampled uniformly without replacement over all images, seeded)
   * go into k-means. Larger is slower and slightly better. Sensible range 10k..200k. Default 50000.
   */
  sampleDescriptors?: number;
  /** Mini-batch size of k-means. Sensible range 256..4096. Default 1024. */
  batchSize?: number;
  /** Passes over the sample (k-means epochs; stops earlier without improvement). Default 50. */
  maxIter?: number;
  /** Seed for the descriptor sample and k-means. Default 0. */
  seed?: number;
  /** Weight word counts by inverse document frequency learned at fit time. Default false. */
  tfidf?: boolean;
  /** Histogram normalisation: "l1" (frequencies) or "l2" (unit length). Default "l2". */
  norm?: "l1" | "l2";
}

export const BOVW_DEFAULTS: Required<BovwOptions> = {
  vocabularySize: 200,
  sampleDescriptors: 50000,
  batchSize: 1024,
  maxIter: 50,
  seed: 0,
  tfidf: false,
  norm: "l2",
};

/** A fitted vocabulary: the k word centres and (with tf-idf) the idf weights. */
export interface Vocabulary {
  /** Descriptor length. */
  dim: number;
  /** Row-major k x dim word centres. */
  words: Float32Array;
  /** k idf weights (sklearn's smooth idf), or null when fitted without tf-idf. */
  idf: Float32Array | null;
  /** Images and descriptors the vocabulary was fitted on, and the k-means inertia (per descriptor). */
  stats: { images: number; descriptors: number; sampled: number; inertiaPerDescriptor: number };
}

/** A set of row-major descriptors of length `dim` (as KeypointFeatures carries them). */
export interface DescriptorSet {
  descriptors: Float32Array;
  dim: number;
}

function rowsOf(set: DescriptorSet): number {
  return set.dim > 0 ? set.descriptors.length / set.dim : 0;
}

/**
 * Learn a vocabulary from the descriptors of a set of images (one DescriptorSet per image).
 * Throws when there are fewer descriptors than words.
 */
export function fitVocabulary(sets: readonly DescriptorSet[], opts: BovwOptions = {}): Vocabulary {
  const o = { ...BOVW_DEFAULTS, ...opts };
  if (sets.length === 0) throw new Error("fitVocabulary: no images given");
  const dim = sets[0]!.dim;
  for (const s of sets) {
    if (s.dim !== dim) throw new Error(`fitVocabulary: descriptor lengths differ (${s.dim} vs ${dim})`);
  }
  const counts = sets.map(rowsOf);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < o.vocabularySize) {
    throw new Error(
      `fitVocabulary: only ${total} descriptors in ${sets.length} images for ${o.vocabularySize} visual words; ` +
        `use more images, more keypoints per image, or vocabularySize <= ${total}`,
    );
  }
  // Seeded uniform sample without replacement over all (image, row) pairs: partial Fisher-Yates.
  const rng = createRng(o.seed);
  const m = Math.min(total, o.sampleDescriptors);
  const index = new Int32Array(total);
  for (let i = 0; i < total; i++) index[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(total - i);
    const t = index[i]!;
    index[i] = index[j]!;
    index[j] = t;
  }
  const starts = new Int32Array(sets.length + 1);
  for (let i = 0; i < sets.length; i++) starts[i + 1] = starts[i]! + counts[i]!;
  const chosen = Array.from(index.subarray(0, m)).sort((a, b) => a - b);
  const X: Float32Array[] = [];
  let img = 0;
  for (const g of chosen) {
    while (g >= starts[img + 1]!) img++;
    const r = g - starts[img]!;
    X.push(sets[img]!.descriptors.subarray(r * dim, (r + 1) * dim));
  }
  const km = miniBatchKMeans(X, o.vocabularySize, { seed: o.seed, batchSize: o.batchSize, maxIter: o.maxIter, nInit: 3 });
  const words = new Float32Array(o.vocabularySize * dim);
  km.centers.forEach((c, i) => words.set(c, i * dim));
  const vocab: Vocabulary = {
    dim,
    words,
    idf: null,
    stats: { images: sets.length, descriptors: total, sampled: m, inertiaPerDescriptor: km.inertia / m },
  };
  if (o.tfidf) {
    const df = new Float64Array(o.vocabularySize);
    for (const s of sets) {
      const seen = new Uint8Array(o.vocabularySize);
      for (const w of assignWords(s, vocab)) seen[w] = 1;
      for (let w = 0; w < seen.length; w++) df[w]! += seen[w]!;
    }
    const n = sets.length;
    vocab.idf = Float32Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
  }
  return vocab;
}

/** The nearest word of every descriptor (squared Euclidean distance). */
export function assignWords(set: DescriptorSet, vocab: Vocabulary): Int32Array {
  const { dim, words } = vocab;
  if (set.dim !== dim) throw new Error(`assignWords: descriptors have length ${set.dim}, the vocabulary ${dim}`);
  const k = words.length / dim;
  const n = rowsOf(set);
  const out = new Int32Array(n);
  const D = set.descriptors;
  // ||x - w||^2 = ||w||^2 - 2 x.w + ||x||^2; the last term does not change the argmin.
  const wn = new Float64Array(k);
  for (let w = 0; w < k; w++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += words[w * dim + j]! * words[w * dim + j]!;
    wn[w] = s;
  }
  for (let i = 0; i < n; i++) {
    const a = i * dim;
    let best = Infinity;
    let bestW = 0;
    for (let w = 0; w < k; w++) {
      const b = w * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += D[a + j]! * words[b + j]!;
      const d = wn[w]! - 2 * dot;
      if (d < best) {
        best = d;
        bestW = w;
      }
    }
    out[i] = bestW;
  }
  return out;
}

/**
 * The image's histogram of visual words: counts, times idf when `tfidf` (needs a vocabulary
 * fitted with tf-idf), normalised by `norm`. An image without descriptors gives all zeros.
 */
export function bovwHistogram(set: DescriptorSet, vocab: Vocabulary, opts: Pick<BovwOptions, "tfidf" | "norm"> = {}): Float32Array {
  const tfidf = opts.tfidf ?? BOVW_DEFAULTS.tfidf;
  const norm = opts.norm ?? BOVW_DEFAULTS.norm;
  const k = vocab.words.length / vocab.dim;
  const h = new Float64Array(k);
  for (const w of assignWords(set, vocab)) h[w]! += 1;
  if (tfidf) {
    if (!vocab.idf) throw new Error("bovwHistogram: tf-idf asked for but the vocabulary was fitted without it (fit with tfidf: true)");
    for (let w = 0; w < k; w++) h[w]! *= vocab.idf[w]!;
  }
  let s = 0;
  for (let w = 0; w < k; w++) s += norm === "l1" ? Math.abs(h[w]!) : h[w]! * h[w]!;
  const scale = s > 0 ? 1 / (norm === "l1" ? s : Math.sqrt(s)) : 0;
  return Float32Array.from(h, (v) => v * scale);
}

/** JSON form of a vocabulary (numbers as plain arrays), for saving beside cached features. */
export interface VocabularyJSON {
  format: "heritage-bovw-vocabulary/1";
  dim: number;
  size: number;
  words: number[];
  idf: number[] | null;
  stats: Vocabulary["stats"];
}

export function vocabularyToJSON(v: Vocabulary): VocabularyJSON {
  return {
    format: "heritage-bovw-vocabulary/1",
    dim: v.dim,
    size: v.words.length / v.dim,
    words: Array.from(v.words),
    idf: v.idf ? Array.from(v.idf) : null,
    stats: v.stats,
  };
}

export function vocabularyFromJSON(j: VocabularyJSON, source = "vocabulary"): Vocabulary {
  if (j.format !== "heritage-bovw-vocabulary/1") throw new Error(`${source}: not a heritage BoVW vocabulary (format ${String(j.format)})`);
  if (j.words.length !== j.dim * j.size) throw new Error(`${source}: ${j.words.length} word values, expected ${j.size} x ${j.dim}`);
  if (j.idf && j.idf.length !== j.size) throw new Error(`${source}: ${j.idf.length} idf values for ${j.size} words`);
  return { dim: j.dim, words: Float32Array.from(j.words), idf: j.idf ? Float32Array.from(j.idf) : null, stats: j.stats };
}

/** Short content hash of a vocabulary (words and idf), to put in feature cache keys. */
export function vocabularyHash(v: Vocabulary): string {
  const bytes = new Uint8Array(v.words.byteLength + (v.idf?.byteLength ?? 0));
  bytes.set(new Uint8Array(v.words.buffer, v.words.byteOffset, v.words.byteLength), 0);
  if (v.idf) bytes.set(new Uint8Array(v.idf.buffer, v.idf.byteOffset, v.idf.byteLength), v.words.byteLength);
  return sha256(bytes).slice(0, 16);
}

export async function saveVocabulary(file: string, v: Vocabulary): Promise<void> {
  await writeJsonAtomic(file, vocabularyToJSON(v));
}

export async function loadVocabulary(file: string): Promise<Vocabulary> {
  return vocabularyFromJSON(await readJson<VocabularyJSON>(file), file);
}
