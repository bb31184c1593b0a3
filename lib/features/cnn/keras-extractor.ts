/**
 * VGG16, VGG19 and ResNet50 with Keras ImageNet weights as {@link FeatureExtractor}s: caffe
 * preprocessing, the last conv layer's output, flattened (as in the paper) or average-pooled.
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageArray } from "../../data/image.js";
import type { FeatureExtractor } from "../extractor.js";
import { loadKerasWeights, type LoadReport } from "./load-keras.js";
import { imagesToBatch, preprocessBatch } from "./preprocess.js";
import { checkWideConv } from "../../runtime/onednn-probe.js";
import { buildResNet50, RESNET50_FEATURE_LAYER, resnet50LegacyName } from "./resnet.js";
import { buildVgg, vggFeatureLayer } from "./vgg.js";
import { ensureWeights, KERAS_WEIGHTS, weightsContentId, type EnsureWeightsOptions } from "./weights.js";

export type KerasCnnId = "vgg16" | "vgg19" | "resnet50";

/** How the last conv layer's [h, w, c] output becomes one vector. */
export type Pooling = "flatten" | "avg" | "max";

export interface KerasCnnOptions {
  /**
   * "flatten": the whole [h, w, c] map as one vector, as in the paper (VGG at 224: 14*14*512 = 100352 dims);
   * "avg": global average over positions (c dims: 512 for VGG, 2048 for ResNet50);
   * "max": global max over positions. Default "flatten".
   */
  pooling?: Pooling;
  /** Input side in pixels; at least 32. Default 224 (the ImageNet size the weights were trained at). */
  inputSize?: number;
  /** Weight file to load instead of the published one (skips the download and md5 check). */
  weightsFile?: string;
  /** Options for finding/downloading the published file. */
  weights?: EnsureWeightsOptions;
  /** Channel multiplier for tiny test networks (must match `weightsFile`). Default 1. */
  widthScale?: number;
  /** Images per forward pass inside {@link FeatureExtractor.extract}. Default 8. */
  batchSize?: number;
}

/** The layer whose output is the feature, per network. */
export const FEATURE_LAYERS: Readonly<Record<KerasCnnId, string>> = {
  vgg16: vggFeatureLayer(16),
  vgg19: vggFeatureLayer(19),
  resnet50: RESNET50_FEATURE_LAYER,
};

/**
 * Before running `id`: ResNet50's wide 1x1 convolutions (512 -> 1024 and up) kill the process in
 * TensorFlow's oneDNN kernels on some CPUs; throw the fix instead (../../runtime/onednn-probe.ts).
 */
export function checkNetRuns(id: KerasCnnId, widthScale = 1): void {
  if (id === "resnet50" && widthScale >= 0.5) checkWideConv(`ResNet50${widthScale === 1 ? "" : ` (width x${widthScale})`}`);
}

/** Build the (random-weight) network for an id. */
export function buildKerasCnn(id: KerasCnnId, inputSize = 224, widthScale = 1): tf.LayersModel {
  if (id === "resnet50") return buildResNet50({ inputSize, widthScale });
  return buildVgg({ depth: id === "vgg16" ? 16 : 19, inputSize, widthScale });
}

/** Reduce a [N, h, w, c] map to [N, d] per `pooling`. */
/**
 * Run `features` (images -> [n, d], inside tf.tidy) over `images` in chunks of `batchSize` and
 * return one Float32Array per image: the batching loop every CNN extractor shares.
 */
export async function extractBatched(
  images: readonly ImageArray[],
  batchSize: number,
  features: (chunk: ImageArray[]) => tf.Tensor2D,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < images.length; i += batchSize) {
    const chunk = images.slice(i, i + batchSize);
    const feats = tf.tidy(() => features(chunk));
    const flat = (await feats.data()) as Float32Array;
    feats.dispose();
    const d = flat.length / chunk.length;
    for (let j = 0; j < chunk.length; j++) out.push(flat.slice(j * d, (j + 1) * d));
  }
  return out;
}

export function poolFeatures(map: tf.Tensor4D, pooling: Pooling): tf.Tensor2D {
  return tf.tidy(() => {
    if (pooling === "avg") return map.mean([1, 2]) as tf.Tensor2D;
    if (pooling === "max") return map.max([1, 2]) as tf.Tensor2D;
    return map.reshape([map.shape[0], -1]) as tf.Tensor2D;
  });
}

export class KerasCnnExtractor implements FeatureExtractor {
  readonly id: KerasCnnId;
  readonly options: Record<string, unknown>;
  readonly inputSize: number;
  /** What loading the weights did (layers filled, scalars copied). */
  readonly loadReport: LoadReport;
  private model: tf.LayersModel | null;
  private readonly pooling: Pooling;
  private readonly batchSize: number;
  private readonly outShape: number[];

  private constructor(id: KerasCnnId, model: tf.LayersModel, report: LoadReport, opts: Required<Pick<KerasCnnOptions, "pooling" | "inputSize" | "batchSize">> & { widthScale: number; weightsId: string }) {
    this.id = id;
    this.model = model;
    this.loadReport = report;
    this.pooling = opts.pooling;
    this.inputSize = opts.inputSize;
    this.batchSize = opts.batchSize;
    this.outShape = (model.outputs[0]!.shape as number[]).slice(1);
    this.options = {
      layer: FEATURE_LAYERS[id],
      pooling: opts.pooling,
      inputSize: opts.inputSize,
      preprocessing: "caffe",
      ...(opts.widthScale !== 1 ? { widthScale: opts.widthScale } : {}),
      // The md5 of the weights: the published file's, or that of a file of your own (its content,
      // not its path, so replacing the file at the same path gives new cache entries).
      weights: opts.weightsId,
    };
  }

  /** Build the network and load its weights (the published file, or `opts.weightsFile`). */
  static async create(id: KerasCnnId, opts: KerasCnnOptions = {}): Promise<KerasCnnExtractor> {
    const inputSize = opts.inputSize ?? 224;
    const widthScale = opts.widthScale ?? 1;
    checkNetRuns(id, widthScale);
    const file = opts.weightsFile ?? (await ensureWeights(KERAS_WEIGHTS[id], opts.weights));
    const weightsId = opts.weightsFile ? await weightsContentId(opts.weightsFile) : KERAS_WEIGHTS[id].md5;
    const model = buildKerasCnn(id, inputSize, widthScale);
    let report: LoadReport;
    try {
      report = await loadKerasWeights(model, file, id === "resnet50" ? { aliases: (n) => [resnet50LegacyName(n)] } : {});
    } catch (err) {
      model.dispose();
      throw err;
    }
    return new KerasCnnExtractor(id, model, report, {
      pooling: opts.pooling ?? "flatten",
      inputSize,
      batchSize: opts.batchSize ?? 8,
      widthScale,
      weightsId,
    });
  }

  dim(): number {
    const [h, w, c] = this.outShape as [number, number, number];
    return this.pooling === "flatten" ? h * w * c : c;
  }

  /** The raw last-conv map [N, h, w, c] for a batch (for tests and inspection; caller disposes). */
  featureMap(images: readonly ImageArray[]): tf.Tensor4D {
    const model = this.requireModel();
    return tf.tidy(() => {
      const x = preprocessBatch(imagesToBatch(images, this.inputSize), "caffe");
      return model.predict(x) as tf.Tensor4D;
    });
  }

  async extract(images: ImageArray[]): Promise<Float32Array[]> {
    return extractBatched(images, this.batchSize, (chunk) => poolFeatures(this.featureMap(chunk), this.pooling));
  }

  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }

  private requireModel(): tf.LayersModel {
    if (!this.model) throw new Error(`${this.id} extractor was disposed`);
    return this.model;
  }
}

/** Convenience: `KerasCnnExtractor.create`. */
export function createKerasCnn(id: KerasCnnId, opts: KerasCnnOptions = {}): Promise<KerasCnnExtractor> {
  return KerasCnnExtractor.create(id, opts);
}
