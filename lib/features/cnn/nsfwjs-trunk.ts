/**
 * Offline CNN features from the networks that ship inside the `nsfwjs` npm package (MIT), so they
 * work with no download: a Keras MobileNetV2 (alpha 1.0, 224 px) and a Keras InceptionV3 (299 px),
 * both ImageNet-trained and then fine-tuned by nsfwjs on a 5-class image-content task, with their
 * weights stored uint8-quantised in the package.
 *
 * In MobileNetV2, blocks 0-10 were frozen during that fine-tuning, so they hold the ImageNet
 * weights; blocks 11-16 and the last 1x1 conv were retrained. In InceptionV3 everything up to
 * `mixed5` is frozen. The feature is the last conv output (MobileNetV2 `out_relu`, 7x7x1280;
 * InceptionV3 `mixed10`, 8x8x2048), global-average-pooled by default. Inputs are scaled to [0, 1],
 * the range nsfwjs fine-tuned with.
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageArray } from "../../data/image.js";
import type { FeatureExtractor } from "../extractor.js";
import { extractBatched, poolFeatures, type Pooling } from "./keras-extractor.js";
import { imagesToBatch, preprocessBatch, type Preprocessing } from "./preprocess.js";

export type NsfwjsNet = "mobilenet_v2" | "inception_v3";

interface NetInfo {
  /** nsfwjs's export path and the model object's name in it. */
  module: string;
  exportName: string;
  inputSize: number;
  /** Default feature layer: the last conv output. */
  layer: string;
}

export const NSFWJS_NETS: Readonly<Record<NsfwjsNet, NetInfo>> = {
  mobilenet_v2: { module: "nsfwjs/models/mobilenet_v2", exportName: "MobileNetV2Model", inputSize: 224, layer: "out_relu" },
  inception_v3: { module: "nsfwjs/models/inception_v3", exportName: "InceptionV3Model", inputSize: 299, layer: "mixed10" },
};

/** Extractor id for a net: named for what it is and where its weights come from. */
export function nsfwjsExtractorId(net: NsfwjsNet): string {
  return `${net}-nsfwjs`;
}

export interface NsfwjsOptions {
  /** Extractor id to report (for variants registered under their own name). Default "<net>-nsfwjs". */
  id?: string;
  /** Layer whose output is the feature. Default the last conv output ("out_relu" / "mixed10"). */
  layer?: string;
  /** "avg" (default), "max" or "flatten" (62720 dims for MobileNetV2's 7x7x1280). */
  pooling?: Pooling;
  /** Input scaling: "unit" [0, 1] as nsfwjs fine-tuned (default), or "tf" [-1, 1] as Keras ImageNet MobileNet/Inception. */
  preprocessing?: Extract<Preprocessing, "unit" | "tf">;
  /** Images per forward pass. Default 16. */
  batchSize?: number;
}

interface NsfwjsModelDef {
  numOfWeightBundles: number;
  modelJson: () => Promise<{ default: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] } }>;
  weightBundles: (() => Promise<{ default: string }>)[];
}

/** Load the full nsfwjs Keras model (classifier included) from the package, no network. */
export async function loadNsfwjsModel(net: NsfwjsNet): Promise<tf.LayersModel> {
  const info = NSFWJS_NETS[net];
  let def: NsfwjsModelDef;
  try {
    const mod = (await import(info.module)) as Record<string, NsfwjsModelDef>;
    def = mod[info.exportName]!;
    if (!def) throw new Error(`no export ${info.exportName}`);
  } catch (err) {
    throw new Error(`cannot load ${info.module} (is the npm package nsfwjs@4 installed? run npm ci): ${(err as Error).message}`);
  }
  const json = (await def.modelJson()).default;
  const shards = await Promise.all(def.weightBundles.map(async (load) => Buffer.from((await load()).default, "base64")));
  const total = shards.reduce((s, b) => s + b.length, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const b of shards) {
    weightData.set(b, off);
    off += b.length;
  }
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weightData.buffer,
    }),
  };
  return tf.loadLayersModel(handler);
}

export class NsfwjsTrunkExtractor implements FeatureExtractor {
  readonly id: string;
  readonly options: Record<string, unknown>;
  readonly inputSize: number;
  private model: tf.LayersModel | null;
  private full: tf.LayersModel | null;
  private readonly pooling: Pooling;
  private readonly preprocessing: "unit" | "tf";
  private readonly batchSize: number;
  private readonly outShape: number[];

  private constructor(net: NsfwjsNet, model: tf.LayersModel, full: tf.LayersModel, layer: string, opts: NsfwjsOptions) {
    this.id = opts.id ?? nsfwjsExtractorId(net);
    this.model = model;
    this.full = full;
    this.inputSize = NSFWJS_NETS[net].inputSize;
    this.pooling = opts.pooling ?? "avg";
    this.preprocessing = opts.preprocessing ?? "unit";
    this.batchSize = opts.batchSize ?? 16;
    this.outShape = (model.outputs[0]!.shape as number[]).slice(1);
    this.options = { layer, pooling: this.pooling, inputSize: this.inputSize, preprocessing: this.preprocessing, package: "nsfwjs@4.4.0" };
  }

  static async create(net: NsfwjsNet, opts: NsfwjsOptions = {}): Promise<NsfwjsTrunkExtractor> {
    const full = await loadNsfwjsModel(net);
    const layerName = opts.layer ?? NSFWJS_NETS[net].layer;
    let layer: tf.layers.Layer;
    try {
      layer = full.getLayer(layerName);
    } catch {
      const names = full.layers.map((l) => l.name);
      full.dispose();
      throw new Error(`nsfwjs ${net} has no layer "${layerName}" (its last layers: ${names.slice(-12).join(", ")})`);
    }
    // The trunk shares the full model's layers; dispose() releases them through the full model.
    const trunk = tf.model({ inputs: full.inputs, outputs: layer.output as tf.SymbolicTensor, name: `${net}_trunk` });
    if (trunk.outputs[0]!.shape.length !== 4) throw new Error(`layer "${layerName}" of ${net} is not a conv map`);
    return new NsfwjsTrunkExtractor(net, trunk, full, layerName, opts);
  }

  dim(): number {
    const [h, w, c] = this.outShape as [number, number, number];
    return this.pooling === "flatten" ? h * w * c : c;
  }

  async extract(images: ImageArray[]): Promise<Float32Array[]> {
    const model = this.model;
    if (!model) throw new Error(`${this.id} extractor was disposed`);
    return extractBatched(images, this.batchSize, (chunk) => {
      const x = preprocessBatch(imagesToBatch(chunk, this.inputSize), this.preprocessing);
      return poolFeatures(model.predict(x) as tf.Tensor4D, this.pooling);
    });
  }

  dispose(): void {
    // tfjs does not count the trunk as a second owner of the shared layers: dispose the full model only.
    this.full?.dispose();
    this.model = null;
    this.full = null;
  }
}

/** Convenience: `NsfwjsTrunkExtractor.create`. */
export function createNsfwjsTrunk(net: NsfwjsNet, opts: NsfwjsOptions = {}): Promise<NsfwjsTrunkExtractor> {
  return NsfwjsTrunkExtractor.create(net, opts);
}
