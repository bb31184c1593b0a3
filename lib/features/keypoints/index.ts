/**
 * Keypoint features: SIFT and SURF detectors/descriptors and the bag-of-visual-words global
 * extractors "sift-bovw" and "surf-bovw" (issue 4), which implement FeatureExtractor.
 *
 * @example
 *   const ex = createSiftBovw({ vocabularySize: 200, tfidf: true });
 *   await ex.fit(trainImages);               // builds the visual vocabulary
 *   const feats = await ex.extract(images);  // one normalised histogram per image
 *   await ex.saveVocabulary("vocab.json");   // reload with createSiftBovw({ vocabulary: ... })
 */
import type { ImageArray } from "../../data/image.js";
import { sha256 } from "../../util/fs.js";
import { info, warn } from "../../util/log.js";
import { progress } from "../../util/progress.js";
import {
  BOVW_DEFAULTS,
  bovwHistogram,
  fitVocabulary,
  loadVocabulary,
  saveVocabulary,
  vocabularyFromJSON,
  vocabularyHash,
  vocabularyToJSON,
  type BovwOptions,
  type Vocabulary,
  type VocabularyJSON,
} from "../bovw.js";
import type { FeatureExtractor } from "../extractor.js";
import { fitGray, toGray } from "./gray.js";
import { sift, SIFT_DEFAULTS, type SiftOptions } from "./sift.js";
import { surf, SURF_DEFAULTS, type SurfOptions } from "./surf.js";
import type { GrayImage, KeypointFeatures } from "./types.js";

export { sift, SIFT_DEFAULTS, SIFT_DIM, type SiftOptions } from "./sift.js";
export { surf, SURF_DEFAULTS, SURF_DIM, type SurfOptions } from "./surf.js";
export { matchDescriptors, scoreMatches, type Match, type MatchOptions, type MatchScore } from "./matching.js";
export { fitGray, quantize8, resizeArea, resizeBilinear, toGray } from "./gray.js";
export { rotationScaling, STANDARD_TRANSFORMS, transformImage, warpAffine, type Affine, type TransformSpec } from "./warp.js";
export { descriptorRow, type GrayImage, type Keypoint, type KeypointFeatures } from "./types.js";

export interface KeypointBovwOptions extends BovwOptions {
  /**
   * Longer side (px) the images are brought to before detection (the caller usually already
   * resized them to this). Larger finds more, smaller keypoints, and is slower. Default 256.
   */
  inputSize?: number;
  /** Strongest keypoints kept per image (0 = all). Range 100..2000. Default 500. */
  maxKeypoints?: number;
  /** Detector options other than maxKeypoints (SIFT: contrastThreshold, upsample, ...; SURF: hessianThreshold, ...). */
  detector?: Omit<SiftOptions, "maxKeypoints"> | Omit<SurfOptions, "maxKeypoints">;
  /** A previously fitted vocabulary (object or its JSON form): the extractor is ready without fit(). */
  vocabulary?: Vocabulary | VocabularyJSON;
  /**
   * Keep the descriptors computed by fit() and reuse them when extract() gets the same pixels, so a
   * fit-then-extract on one collection describes each image once (about half the time). The kept
   * descriptors cost memory (about 256 KB per image for 500 SIFT keypoints) and make extract()
   * timings leave out the description, so speed comparisons should turn it off. Default false.
   */
  reuseFitDescriptors?: boolean;
}

/** A bag-of-visual-words FeatureExtractor with access to its vocabulary. */
export interface KeypointBovwExtractor extends FeatureExtractor {
  readonly id: "sift-bovw" | "surf-bovw";
  /** The fitted vocabulary, or null before fit()/load. */
  vocabulary(): Vocabulary | null;
  /** Keypoints and descriptors of each image (what fit() and extract() histogram). */
  describe(images: ImageArray[]): KeypointFeatures[];
  /** Write the vocabulary as JSON (atomic). */
  saveVocabulary(file: string): Promise<void>;
  /** Read a vocabulary written by saveVocabulary (replaces the current one). */
  loadVocabulary(file: string): Promise<void>;
  /** The vocabulary in JSON form (null before fit). */
  toJSON(): { id: string; options: Record<string, unknown>; vocabulary: VocabularyJSON | null };
}

const OPTION_KEYS = new Set([
  ...Object.keys(BOVW_DEFAULTS),
  "inputSize",
  "maxKeypoints",
  "detector",
  "vocabulary",
  "reuseFitDescriptors",
]);

function createBovw(id: "sift-bovw" | "surf-bovw", opts: KeypointBovwOptions, detect: (g: GrayImage, max: number) => KeypointFeatures, detectorOptions: Record<string, unknown>): KeypointBovwExtractor {
  // Unknown keys are ignored with a warning (not an error): callers pass shared option sets, e.g.
  // the CLI's CNN `pooling`, to every extractor.
  const unknown = Object.keys(opts).filter((k) => !OPTION_KEYS.has(k) && (opts as Record<string, unknown>)[k] !== undefined);
  if (unknown.length > 0) {
    warn(`${id}: ignoring unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${[...OPTION_KEYS].join(", ")}`);
  }
  const bovw: Required<BovwOptions> = { ...BOVW_DEFAULTS };
  for (const k of Object.keys(BOVW_DEFAULTS) as (keyof BovwOptions)[]) {
    if (opts[k] !== undefined) (bovw as Record<string, unknown>)[k] = opts[k];
  }
  const inputSize = opts.inputSize ?? 256;
  const reuse = opts.reuseFitDescriptors ?? false;
  const maxKeypoints = opts.maxKeypoints ?? 500;
  if (!Number.isInteger(bovw.vocabularySize) || bovw.vocabularySize < 2) {
    throw new Error(`${id}: vocabularySize must be an integer >= 2, got ${bovw.vocabularySize}`);
  }
  if (bovw.norm !== "l1" && bovw.norm !== "l2") throw new Error(`${id}: norm must be "l1" or "l2", got ${String(bovw.norm)}`);
  let vocab: Vocabulary | null = null;
  const setVocabulary = (v: Vocabulary): void => {
    const size = v.words.length / v.dim;
    if (size !== bovw.vocabularySize) throw new Error(`${id}: the vocabulary has ${size} words but vocabularySize is ${bovw.vocabularySize}`);
    if (bovw.tfidf && !v.idf) throw new Error(`${id}: tfidf is on but the vocabulary has no idf weights`);
    vocab = v;
  };
  if (opts.vocabulary) {
    const v = "format" in opts.vocabulary ? vocabularyFromJSON(opts.vocabulary) : opts.vocabulary;
    setVocabulary(v);
  }
  // What changes the output: the histogram settings, the detector, and the vocabulary itself (its
  // hash, added once fitted). The fitting parameters (seed, sample size, k-means settings) act only
  // through the vocabulary, so they stay out of the key and a reloaded vocabulary gives the same key.
  const baseOptions: Record<string, unknown> = {
    vocabularySize: bovw.vocabularySize,
    tfidf: bovw.tfidf,
    norm: bovw.norm,
    inputSize,
    maxKeypoints,
    detector: detectorOptions,
  };
  const describeOne = (img: ImageArray): KeypointFeatures => detect(fitGray(toGray(img, "signed"), inputSize), maxKeypoints);
  // With reuseFitDescriptors: descriptors computed by fit(), kept until extract() asks for the same
  // pixels. Entries are dropped when used.
  const fitted = new Map<string, KeypointFeatures>();
  const describe = (images: ImageArray[], label: string, mode: "fit" | "extract"): KeypointFeatures[] => {
    // A bar for the fit only: extract is called batch by batch under the feature cache's own bar
    // (one bar per extractor, not one per batch).
    const bar = mode === "fit" && images.length > 8 ? progress(label, images.length) : null;
    const out = images.map((img) => {
      const key = reuse ? imageKey(img) : "";
      let f = mode === "extract" && reuse ? fitted.get(key) : undefined;
      if (f) fitted.delete(key);
      else f = describeOne(img);
      if (mode === "fit" && reuse) fitted.set(key, f);
      bar?.tick(1);
      return f;
    });
    bar?.stop();
    return out;
  };
  return {
    id,
    inputSize,
    /** Options that change the output, including the vocabulary's hash once fitted (the feature cache key). */
    get options(): Record<string, unknown> {
      return { ...baseOptions, vocabulary: vocab ? vocabularyHash(vocab) : null };
    },
    dim: () => bovw.vocabularySize,
    async fit(images: ImageArray[]): Promise<void> {
      fitted.clear();
      const sets = describe(images, `${id} vocabulary: describe`, "fit");
      const t0 = performance.now();
      const v = fitVocabulary(sets, bovw);
      setVocabulary(v);
      info(
        `${id}: ${bovw.vocabularySize} visual words from ${v.stats.sampled} of ${v.stats.descriptors} descriptors ` +
          `(${v.stats.images} images) in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
          `inertia per descriptor ${v.stats.inertiaPerDescriptor.toFixed(4)}`,
      );
    },
    async extract(images: ImageArray[]): Promise<Float32Array[]> {
      const v = vocab;
      if (!v) throw new Error(`${id}: no visual vocabulary yet; call fit(images) or pass/load a vocabulary first`);
      return describe(images, `${id} extract`, "extract").map((set) => bovwHistogram(set, v, bovw));
    },
    describe: (images) => images.map(describeOne),
    vocabulary: () => vocab,
    saveVocabulary: async (file) => {
      if (!vocab) throw new Error(`${id}: nothing to save, fit() first`);
      await saveVocabulary(file, vocab);
    },
    loadVocabulary: async (file) => setVocabulary(await loadVocabulary(file)),
    toJSON() {
      return { id, options: this.options, vocabulary: vocab ? vocabularyToJSON(vocab) : null };
    },
    dispose: () => {
      vocab = null;
      fitted.clear();
    },
  };
}

/** Content key of an image (size + pixel bytes). */
function imageKey(img: ImageArray): string {
  const bytes = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return `${img.width}x${img.height}x${img.channels}:${sha256(bytes)}`;
}

/**
 * SIFT (128-d) bag of visual words. Defaults: 256 px, 500 strongest keypoints, OpenCV's SIFT
 * parameters (upsampled first octave), 200 words by mini-batch k-means, L2-normalised counts.
 */
export function createSiftBovw(opts: KeypointBovwOptions = {}): KeypointBovwExtractor {
  const det = { ...SIFT_DEFAULTS, ...(opts.detector as SiftOptions | undefined), maxKeypoints: undefined };
  delete (det as Record<string, unknown>).maxKeypoints;
  return createBovw("sift-bovw", opts, (g, max) => sift(g, { ...det, maxKeypoints: max }), det);
}

/**
 * SURF (64-d) bag of visual words. Defaults: 256 px, 500 strongest keypoints, Hessian threshold
 * 100, 4 octaves x 2 layers, 200 words by mini-batch k-means, L2-normalised counts.
 */
export function createSurfBovw(opts: KeypointBovwOptions = {}): KeypointBovwExtractor {
  const det = { ...SURF_DEFAULTS, ...(opts.detector as SurfOptions | undefined), maxKeypoints: undefined };
  delete (det as Record<string, unknown>).maxKeypoints;
  return createBovw("surf-bovw", opts, (g, max) => surf(g, { ...det, maxKeypoints: max }), det);
}

