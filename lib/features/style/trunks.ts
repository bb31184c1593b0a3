/**
 * The CNNs a style extractor reads its layers from, as one multi-output tfjs model per choice of
 * layers: the offline MobileNetV2 / InceptionV3 of the nsfwjs package, or VGG16 / VGG19 / ResNet50
 * with Keras weights (the published ImageNet files, or a file of your own).
 */
import * as tf from "@tensorflow/tfjs";
import { buildKerasCnn, checkNetRuns, type KerasCnnId } from "../cnn/keras-extractor.js";
import { loadKerasWeights } from "../cnn/load-keras.js";
import { loadNsfwjsModel, NSFWJS_NETS, type NsfwjsNet } from "../cnn/nsfwjs-trunk.js";
import type { Preprocessing } from "../cnn/preprocess.js";
import { resnet50LegacyName } from "../cnn/resnet.js";
import { ensureWeights, KERAS_WEIGHTS, weightsContentId, type EnsureWeightsOptions } from "../cnn/weights.js";

export type StyleNet = NsfwjsNet | KerasCnnId;

export interface StyleTrunk {
  net: StyleNet;
  inputSize: number;
  preprocessing: Preprocessing;
  /** One output per requested layer, in order: [N, h, w, c] maps. */
  model: tf.LayersModel;
  /** Channels of each output. */
  channels: number[];
  /** What identifies the weights (part of the cache key). */
  weights: Record<string, unknown>;
  dispose(): void;
}

export interface TrunkOptions {
  /** nsfwjs nets: "unit" ([0, 1], nsfwjs's fine-tuning) or "tf" ([-1, 1], Keras ImageNet). Keras nets: always "caffe". */
  preprocessing?: Preprocessing;
  /** Keras nets: a weight file of your own instead of the published one (no md5 check). */
  weightsFile?: string;
  /** Keras nets: options for finding the published file. */
  weights?: EnsureWeightsOptions;
  /** Keras nets: input side (default 224). */
  inputSize?: number;
  /** Keras nets: channel multiplier of tiny test networks (must match `weightsFile`). */
  widthScale?: number;
}

function subModel(full: tf.LayersModel, layers: readonly string[], net: string): tf.LayersModel {
  const outputs = layers.map((name) => {
    let layer: tf.layers.Layer;
    try {
      layer = full.getLayer(name);
    } catch {
      const convs = full.layers.filter((l) => (l.outputShape as number[]).length === 4).map((l) => l.name);
      throw new Error(`${net} has no layer "${name}"; layers with [h, w, c] outputs include: ${convs.filter((_, i) => i % Math.ceil(convs.length / 24) === 0).join(", ")}`);
    }
    const out = layer.output as tf.SymbolicTensor;
    if (out.shape.length !== 4) throw new Error(`layer "${name}" of ${net} is not a conv map (output shape [${out.shape.join(", ")}])`);
    return out;
  });
  return tf.model({ inputs: full.inputs, outputs, name: `${net}_style` });
}

function channelsOf(model: tf.LayersModel): number[] {
  return model.outputs.map((o) => o.shape[3] as number);
}

/** Build the trunk for `net` with outputs at `layers` (loads weights; Keras nets may download). */
export async function createStyleTrunk(net: StyleNet, layers: readonly string[], opts: TrunkOptions = {}): Promise<StyleTrunk> {
  if (layers.length === 0) throw new Error(`style extractor on ${net}: give at least one layer`);
  if (net === "mobilenet_v2" || net === "inception_v3") {
    const preprocessing = opts.preprocessing ?? "unit";
    if (preprocessing !== "unit" && preprocessing !== "tf") throw new Error(`style extractor on ${net}: preprocessing must be "unit" or "tf", got "${preprocessing}"`);
    const full = await loadNsfwjsModel(net);
    let model: tf.LayersModel;
    try {
      model = subModel(full, layers, net);
    } catch (err) {
      full.dispose();
      throw err;
    }
    return {
      net,
      inputSize: NSFWJS_NETS[net].inputSize,
      preprocessing,
      model,
      channels: channelsOf(model),
      weights: { package: "nsfwjs@4.4.0" },
      // The sub-model shares the full model's layers: dispose the full model only.
      dispose: () => full.dispose(),
    };
  }
  if (opts.preprocessing && opts.preprocessing !== "caffe") throw new Error(`style extractor on ${net}: the Keras ImageNet nets take "caffe" preprocessing, got "${opts.preprocessing}"`);
  const inputSize = opts.inputSize ?? 224;
  const widthScale = opts.widthScale ?? 1;
  checkNetRuns(net, widthScale);
  const file = opts.weightsFile ?? (await ensureWeights(KERAS_WEIGHTS[net], opts.weights));
  const full = buildKerasCnn(net, inputSize, widthScale);
  let model: tf.LayersModel;
  try {
    await loadKerasWeights(full, file, net === "resnet50" ? { aliases: (n) => [resnet50LegacyName(n)] } : {});
    model = subModel(full, layers, net);
  } catch (err) {
    full.dispose();
    throw err;
  }
  return {
    net,
    inputSize,
    preprocessing: "caffe",
    model,
    channels: channelsOf(model),
    // A file of your own is identified by its content, so replacing it at the same path is noticed.
    weights: { weights: opts.weightsFile ? await weightsContentId(opts.weightsFile) : KERAS_WEIGHTS[net].md5, ...(widthScale !== 1 ? { widthScale } : {}), ...(inputSize !== 224 ? { inputSize } : {}) },
    dispose: () => full.dispose(),
  };
}
