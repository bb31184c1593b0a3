/**
 * Every global feature extractor by id, so the CLI, the study and the comparison can name them.
 *
 * CNNs: "vgg16", "vgg19", "resnet50" (Keras ImageNet weights; unavailable offline until the
 * weight file is in place), "mobilenet_v2-nsfwjs" and "inception_v3-nsfwjs" (weights shipped in
 * the nsfwjs npm package: always available), and the keypoint bag-of-visual-words extractors
 * "sift-bovw" and "surf-bovw" (fitted on the images first; see ./keypoints/index.ts).
 */
import type { FeatureExtractor } from "./extractor.js";
import { createKerasCnn, type KerasCnnId, type KerasCnnOptions } from "./cnn/keras-extractor.js";
import { createNsfwjsTrunk, type NsfwjsNet, type NsfwjsOptions } from "./cnn/nsfwjs-trunk.js";
import { KERAS_WEIGHTS, missingWeightsMessage, weightsPresent } from "./cnn/weights.js";
import { createSiftBovw, createSurfBovw, type KeypointBovwOptions } from "./keypoints/index.js";
import { createColourExtractor, type ColourOptions } from "./style/colour.js";
import { createStyleExtractor, DEFAULT_STYLE_LAYERS, type StyleOptions } from "./style/style-extractor.js";
import { existsSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../util/paths.js";

export interface ExtractorInfo {
  id: string;
  /** Whether `createExtractor(id)` can work here without a download. */
  available: boolean;
  /** Why not, when unavailable. */
  why?: string;
  /** One line saying what it is. */
  description: string;
}

interface Entry {
  description: string;
  /** Null when available, else the reason. */
  unavailable(): string | null;
  create(opts: Record<string, unknown>): Promise<FeatureExtractor>;
}

const ENTRIES = new Map<string, Entry>();

/** Add (or replace) an extractor id. Other modules may register their own. */
export function registerExtractor(id: string, entry: Entry): void {
  ENTRIES.set(id, entry);
}

for (const id of ["vgg16", "vgg19", "resnet50"] as const satisfies readonly KerasCnnId[]) {
  const spec = KERAS_WEIGHTS[id];
  registerExtractor(id, {
    description: `${spec.model} ImageNet (Keras), last conv layer, caffe preprocessing`,
    unavailable: () => (weightsPresent(spec) ? null : missingWeightsMessage(spec)),
    create: (opts) => createKerasCnn(id, opts as KerasCnnOptions),
  });
}

const NSFWJS: [string, NsfwjsNet, string, NsfwjsOptions][] = [
  ["mobilenet_v2-nsfwjs", "mobilenet_v2", "MobileNetV2 (ImageNet trunk, top blocks fine-tuned by nsfwjs), out_relu average-pooled, 1280 dims", {}],
  // Blocks 0-10 of that MobileNetV2 were frozen during nsfwjs's fine-tuning: pure ImageNet weights.
  // Their block_10 expansion (14x14x384 at 224 px) clusters the shared paintings better than out_relu.
  [
    "mobilenet_v2_block10-nsfwjs",
    "mobilenet_v2",
    "MobileNetV2 blocks 0-10 (ImageNet weights, frozen in nsfwjs), block_10_expand_relu average-pooled, 384 dims",
    { layer: "block_10_expand_relu" },
  ],
  ["inception_v3-nsfwjs", "inception_v3", "InceptionV3 (ImageNet trunk, top fine-tuned by nsfwjs), mixed10 average-pooled, 2048 dims", {}],
];
for (const [id, net, description, defaults] of NSFWJS) {
  registerExtractor(id, {
    description,
    unavailable: () => null,
    create: (opts) => createNsfwjsTrunk(net, { ...defaults, ...(opts as NsfwjsOptions), id }),
  });
}

// ---- keypoint bag-of-visual-words extractors (lib/features/keypoints, owned by the keypoints helper) ----
registerExtractor("sift-bovw", {
  description: "SIFT (128-d) bag of visual words; the vocabulary is fitted on the images (fit)",
  unavailable: () => null,
  create: async (opts) => createSiftBovw(opts as KeypointBovwOptions),
});
registerExtractor("surf-bovw", {
  description: "SURF (64-d) bag of visual words; the vocabulary is fitted on the images (fit)",
  unavailable: () => null,
  create: async (opts) => createSurfBovw(opts as KeypointBovwOptions),
});
// ---- end of keypoint extractors ----

// ---- style extractors (lib/features/style): second-order statistics of chosen CNN layers ----
registerExtractor("style-mobilenet_v2-nsfwjs", {
  description: `MobileNetV2 (nsfwjs, offline) style: per-channel mean+std (or Gram, option stat) of ${DEFAULT_STYLE_LAYERS.mobilenet_v2.join(", ")}; options layers, stat, blockNorm, sqrt, pca, whiten, colour, preprocessing`,
  unavailable: () => null,
  create: (opts) => createStyleExtractor("mobilenet_v2", { ...(opts as StyleOptions), id: "style-mobilenet_v2-nsfwjs" }),
});
/**
 * Defaults of "style-inception_v3-nsfwjs": chosen by tools/bench/style-selection.ts on one half of the
 * seven style folders of ../shared/paintings (K = 7) and measured on the other half (README,
 * "Style features"): mean+std of mixed3, signed square root, PCA to 32 fitted on the training
 * images, and the colour/texture block at weight 1. Any option given replaces its default.
 */
export const STYLE_INCEPTION_DEFAULTS: Readonly<StyleOptions> = { layers: ["mixed3"], stat: "meanstd", blockNorm: "l2", sqrt: true, pca: 32, whiten: false, colour: 1, preprocessing: "unit" };
registerExtractor("style-inception_v3-nsfwjs", {
  description: "InceptionV3 (nsfwjs, offline, 299 px) style: mean+std of mixed3, signed sqrt, PCA 32 (fitted), + colour/texture block; 122 dims; same options as style-mobilenet_v2-nsfwjs",
  unavailable: () => null,
  create: (opts) => createStyleExtractor("inception_v3", { ...STYLE_INCEPTION_DEFAULTS, ...(opts as StyleOptions), id: "style-inception_v3-nsfwjs" }),
});
for (const id of ["vgg16", "vgg19", "resnet50"] as const satisfies readonly KerasCnnId[]) {
  const spec = KERAS_WEIGHTS[id];
  registerExtractor(`style-${id}`, {
    description: `${spec.model} ImageNet (Keras) style: per-channel mean+std (or Gram) of ${DEFAULT_STYLE_LAYERS[id].join(", ")}; same options`,
    unavailable: () => (weightsPresent(spec) ? null : missingWeightsMessage(spec)),
    create: (opts) => createStyleExtractor(id, { ...(opts as StyleOptions), id: `style-${id}` }),
  });
}
/**
 * Defaults of the supervised style extractors: chosen by tools/bench/style-lda-selection.ts by
 * cross-validation inside one half of the seven style folders of ../shared/paintings and measured
 * on the other half (README, "Style features"). The PCA and the discriminant directions are fitted
 * on the training images and their labels.
 */
export const STYLE_LDA_DEFAULTS: Readonly<Record<"inception_v3" | "mobilenet_v2", StyleOptions>> = {
  inception_v3: { layers: ["mixed2", "mixed3", "mixed4", "mixed5"], stat: "meanstd", blockNorm: "l2", sqrt: true, pca: 48, lda: true, preprocessing: "unit" },
  mobilenet_v2: { layers: ["block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu", "block_10_expand_relu"], stat: "meanstd", blockNorm: "l2", sqrt: true, pca: 48, lda: true, preprocessing: "unit" },
};
registerExtractor("style-lda-inception_v3-nsfwjs", {
  description: "InceptionV3 (nsfwjs, offline, 299 px) style learned from labels: mean+std of mixed2-5, signed sqrt, PCA 48, then LDA on the training images' labels (classes - 1 dims); fit needs labelled images",
  unavailable: () => null,
  create: (opts) => createStyleExtractor("inception_v3", { ...STYLE_LDA_DEFAULTS.inception_v3, ...(opts as StyleOptions), id: "style-lda-inception_v3-nsfwjs" }),
});
registerExtractor("style-lda-mobilenet_v2-nsfwjs", {
  description: "MobileNetV2 (nsfwjs, offline) style learned from labels: mean+std of blocks 1/3/6/10, signed sqrt, PCA 48, then LDA on the training images' labels; fit needs labelled images",
  unavailable: () => null,
  create: (opts) => createStyleExtractor("mobilenet_v2", { ...STYLE_LDA_DEFAULTS.mobilenet_v2, ...(opts as StyleOptions), id: "style-lda-mobilenet_v2-nsfwjs" }),
});
registerExtractor("colour-stats", {
  description: "no CNN: joint HSV histogram (8x3x3), RGB/S/V mean+std, grey gradient-magnitude histogram; 90 dims; options bins, inputSize",
  unavailable: () => null,
  create: async (opts) => createColourExtractor(opts as ColourOptions),
});
// ---- end of style extractors ----

/** Ids whose weights can come from a Keras .h5 of your own (`weightsFile`). */
export const KERAS_WEIGHTS_IDS: readonly string[] = ["vgg16", "vgg19", "resnet50", "style-vgg16", "style-vgg19", "style-resnet50"];

/**
 * The `weightsFile` option for a Keras weight file of your own given on the command line
 * (`--weights FILE`): checks that the extractor takes Keras weights and that the file is there,
 * and returns its absolute path (relative paths are taken from `base`, the working folder).
 */
export function weightsFileOption(extractor: string, file: string, what = "--weights", base = process.cwd()): string {
  if (!KERAS_WEIGHTS_IDS.includes(extractor)) {
    throw new Error(`${what} is set, but extractor "${extractor}" does not take Keras weights; use it with one of ${KERAS_WEIGHTS_IDS.join(", ")} (--extractor)`);
  }
  const abs = path.resolve(base, file);
  if (!existsSync(abs)) throw new Error(`${what} ${file}: no such file (looked at ${abs}); give the path of a Keras .h5 weight file`);
  return abs;
}

/**
 * `createExtractor` options from the config's `features` section: its `options`, plus
 * `weightsFile` (resolved against the project root) for the ids that take Keras weights.
 */
export function extractorCreateOptions(features: { extractor: string; weights?: string; options?: Record<string, unknown> }): Record<string, unknown> {
  const opts: Record<string, unknown> = { ...(features.options ?? {}) };
  if (features.weights !== undefined) {
    if (!KERAS_WEIGHTS_IDS.includes(features.extractor)) throw new Error(`features.weights is set, but extractor "${features.extractor}" does not take Keras weights (only ${KERAS_WEIGHTS_IDS.join(", ")})`);
    opts.weightsFile = path.resolve(projectRoot(), features.weights);
  }
  return opts;
}

/**
 * The embedded default: works everywhere (weights in an npm package) and was the best offline
 * CNN feature on ../shared/paintings (528 images, 15 labels: ARI 0.180, NMI 0.374 vs 0.067/0.206
 * for out_relu).
 */
export const DEFAULT_EXTRACTOR = "mobilenet_v2_block10-nsfwjs";

/** Every registered id, whether it can run here, and why not. */
export function listExtractors(): ExtractorInfo[] {
  return [...ENTRIES].map(([id, e]) => {
    const why = e.unavailable();
    return why === null ? { id, available: true, description: e.description } : { id, available: false, why, description: e.description };
  });
}

/** Build an extractor by id (loads weights; may download the Keras files when online). */
export async function createExtractor(id: string, opts: Record<string, unknown> = {}): Promise<FeatureExtractor> {
  const e = ENTRIES.get(id);
  if (!e) throw new Error(`unknown feature extractor "${id}"; known: ${[...ENTRIES.keys()].join(", ")}`);
  return e.create(opts);
}
