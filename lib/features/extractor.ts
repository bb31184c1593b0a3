/**
 * The one interface every global feature extractor implements (CNNs, SIFT/SURF bag of visual
 * words, ...), so clustering, caching and the comparison treat them alike.
 */
import type { ImageArray } from "../data/image.js";

export interface FeatureExtractor {
  /** Stable id used in the cache key and CLI, e.g. "vgg16", "vgg19", "resnet50", "mobilenet_v2", "sift-bovw", "surf-bovw". */
  readonly id: string;
  /** Options that change the output (part of the cache key). */
  readonly options: Record<string, unknown>;
  /** Input image side the extractor wants (images are resized by the caller). */
  readonly inputSize: number;
  /** Output dimension (known after load/fit). */
  dim(): number;
  /**
   * Optional fitting on a training set (e.g. visual vocabulary); no-op for CNNs. `labels` (one per
   * image, null = unlabelled) are used only by `supervised` extractors, which need them.
   */
  fit?(images: ImageArray[], labels?: readonly (string | null)[]): Promise<void>;
  /** True when `fit` learns from the labels (a discriminant projection): callers must pass them. */
  readonly supervised?: boolean;
  /** Fitted extractors: write the fitted state as JSON, which the `vocabulary` create option restores. */
  saveVocabulary?(file: string): Promise<void>;
  /** Features for a batch of images with values in [-1, 1] (HWC, 3 channels). */
  extract(images: ImageArray[]): Promise<Float32Array[]>;
  dispose(): void;
}

/**
 * The labelled images a supervised extractor can learn from: their indices, or an error naming the
 * extractor and the fix when the labels name fewer than 2 classes. Callers check before decoding
 * images, and the extractor's fit checks again.
 */
export function labelledForFit(id: string, labels: readonly (string | null)[]): number[] {
  const labelled = labels.flatMap((l, i) => (l === null || l === "" ? [] : [i]));
  const classes = new Set(labelled.map((i) => labels[i]!));
  if (classes.size < 2) {
    throw new Error(
      `${id}: lda needs training images of at least 2 labels, got ${labelled.length} labelled of ${labels.length} (${classes.size} label${classes.size === 1 ? "" : "s"}); labels come from the style folders or manifest.csv's label column, or use the extractor without lda`,
    );
  }
  return labelled;
}
