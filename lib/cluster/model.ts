/**
 * The saved clustering (`clusters.json`): what GAN training (`heritage train --clusters FILE`)
 * and the completion router read. It holds the feature extractor and its options, the feature
 * normalisation, the centres (in normalised feature space), the label of every training image
 * by id, the sizes and the quality metrics.
 *
 * Feature normalisation (applied to every feature vector before clustering AND before routing;
 * `routeFeatures` does it for you):
 * - `"l2"` (default): divide each vector by its Euclidean norm. CNN activations of paintings differ
 *   in overall magnitude (brightness, contrast, texture energy) more than in direction. Measured
 *   on the 528 shared paintings (15 labels), mobilenet_v2-nsfwjs features, k-means seed 0:
 *     k=15  none: ARI 0.067 NMI 0.206, sizes 4..65   l2: ARI 0.078 NMI 0.229, sizes 17..54
 *           standardize: ARI 0.093 NMI 0.202 but five singleton clusters (sizes 1..137)
 *           l2-standardize: ARI 0.110 NMI 0.217, four singletons (1..145)
 *     k=7   none: NMI 0.182   l2: NMI 0.192   standardize: 0.164   l2-standardize: 0.167
 *   Standardising lets rare, noisy dimensions split off outlier paintings, which is fatal when
 *   every cluster must feed a GAN; L2 keeps sizes even and agrees best with the labels (NMI).
 * - `"l2-standardize"`: L2, then z-score each dimension with the training mean and standard
 *   deviation (dimensions with sd < 1e-8 are only centred). Gives every dimension equal weight;
 *   may suit hand-made descriptors whose dimensions have very different scales.
 * - `"standardize"`: z-score only. `"none"`: raw features (as the paper).
 */
import { readJson, writeJsonAtomic } from "../util/fs.js";
import { nearest, type Vec } from "./vectors.js";

/** Which normalisation to apply to feature vectors (see the module comment). */
export type NormalizationKind = "none" | "l2" | "standardize" | "l2-standardize";

export const NORMALIZATION_KINDS: readonly NormalizationKind[] = ["none", "l2", "standardize", "l2-standardize"];

/** A fitted normalisation: the kind plus, for standardising kinds, the training statistics. */
export interface FeatureNormalization {
  kind: NormalizationKind;
  /** Per-dimension mean of the (L2-normalised, for "l2-standardize") training features. */
  mean?: number[];
  /** Per-dimension standard deviation (population), same space as `mean`. */
  std?: number[];
}

function l2(x: Vec): Float32Array {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] * x[j];
  const norm = Math.sqrt(s);
  const out = new Float32Array(x.length);
  if (norm === 0) return out;
  for (let j = 0; j < x.length; j++) out[j] = x[j] / norm;
  return out;
}

/** Fit a normalisation of the given kind on training features (rows). */
export function fitNormalization(X: readonly Vec[], kind: NormalizationKind = "l2"): FeatureNormalization {
  if (!NORMALIZATION_KINDS.includes(kind)) throw new Error(`unknown normalisation "${kind}"; use one of ${NORMALIZATION_KINDS.join(", ")}`);
  if (kind === "none" || kind === "l2") return { kind };
  if (X.length === 0) throw new Error(`cannot fit "${kind}" normalisation on zero rows`);
  const rows = kind === "l2-standardize" ? X.map(l2) : X;
  const d = rows[0].length;
  const mean = new Float64Array(d);
  for (const x of rows) for (let j = 0; j < d; j++) mean[j] += x[j];
  for (let j = 0; j < d; j++) mean[j] /= rows.length;
  const v = new Float64Array(d);
  for (const x of rows) {
    for (let j = 0; j < d; j++) {
      const t = x[j] - mean[j];
      v[j] += t * t;
    }
  }
  return { kind, mean: Array.from(mean), std: Array.from(v, (s) => Math.sqrt(s / rows.length)) };
}

/** Apply a fitted normalisation to one feature vector (a new array). */
export function applyNormalization(norm: FeatureNormalization, x: Vec): Float32Array {
  switch (norm.kind) {
    case "none":
      return Float32Array.from(x as ArrayLike<number>);
    case "l2":
      return l2(x);
    case "standardize":
    case "l2-standardize": {
      const { mean, std } = norm;
      if (!mean || !std) throw new Error(`"${norm.kind}" normalisation has no fitted mean/std`);
      if (mean.length !== x.length) {
        throw new Error(`feature has ${x.length} dimensions but the normalisation was fitted on ${mean.length}; was it made by another extractor?`);
      }
      const y = norm.kind === "l2-standardize" ? l2(x) : Float32Array.from(x as ArrayLike<number>);
      for (let j = 0; j < y.length; j++) y[j] = std[j] > 1e-8 ? (y[j] - mean[j]) / std[j] : y[j] - mean[j];
      return y;
    }
    default:
      throw new Error(`unknown normalisation "${(norm as { kind: string }).kind}"`);
  }
}

/** Apply a fitted normalisation to many rows. */
export function normalizeAll(norm: FeatureNormalization, X: readonly Vec[]): Float32Array[] {
  return X.map((x) => applyNormalization(norm, x));
}

/** Current format tag of clusters.json. */
export const CLUSTER_MODEL_FORMAT = "heritage-clusters/1";

/** The serialisable clustering result (clusters.json). */
export interface ClusterModel {
  /** Format tag, {@link CLUSTER_MODEL_FORMAT}. */
  format: string;
  /** Feature extractor id (as `createExtractor(id)` takes it). */
  extractor: string;
  /** The extractor's output-changing options (`FeatureExtractor.options`), checked when recreating it. */
  extractorOptions: Record<string, unknown>;
  /** The options given to `createExtractor(extractor, ...)`; `createModelExtractor` passes them again. */
  extractorCreateOptions?: Record<string, unknown>;
  /**
   * Files the extractor needs, relative to clusters.json; e.g. `{ vocabulary: "vocabulary.json" }`
   * for fitted bag-of-visual-words extractors (given back as the `vocabulary` option).
   */
  extractorFiles?: Record<string, string>;
  /** Side length the images were resized to before feature extraction. */
  imageSize: number;
  /** The normalisation applied to features before clustering; routing must apply the same. */
  normalization: FeatureNormalization;
  /** Number of clusters. */
  k: number;
  /** k centres in normalised feature space. */
  centers: number[][];
  /** Image ids (dataset relative paths), aligned with `labels`. */
  ids: string[];
  /** Cluster of each image, aligned with `ids`. */
  labels: number[];
  /** Rows per cluster. */
  sizes: number[];
  /** Ground-truth labels of the images when the dataset has them (aligned with `ids`). */
  truth?: (string | null)[];
  /** Quality of the clustering: inertia, silhouette, ... and ARI/NMI/purity when labels exist. */
  metrics: Record<string, number | null>;
  /** How the clustering was made (seed, k-means options, min size, balanced, ...). */
  settings: Record<string, unknown>;
  /** ISO time of creation. */
  createdAt: string;
}

/** Write clusters.json atomically. */
export async function saveClusterModel(file: string, model: ClusterModel): Promise<void> {
  validateClusterModel(model, file);
  await writeJsonAtomic(file, model);
}

/** Read and check clusters.json; errors name the file and the problem. */
export async function loadClusterModel(file: string): Promise<ClusterModel> {
  const model = await readJson<ClusterModel>(file);
  validateClusterModel(model, file);
  return model;
}

/** Throw (naming `where`) when a model is inconsistent. */
export function validateClusterModel(m: ClusterModel, where = "cluster model"): void {
  const bad = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (m.format !== CLUSTER_MODEL_FORMAT) bad(`format is ${JSON.stringify(m.format)}, expected "${CLUSTER_MODEL_FORMAT}"`);
  if (!Number.isInteger(m.k) || m.k < 1) bad(`k is ${m.k}`);
  if (!Array.isArray(m.centers) || m.centers.length !== m.k) bad(`has ${m.centers?.length} centres for k=${m.k}`);
  const d = m.centers[0]?.length ?? 0;
  if (m.centers.some((c) => c.length !== d)) bad("centres have different dimensions");
  if (m.ids.length !== m.labels.length) bad(`${m.ids.length} ids but ${m.labels.length} labels`);
  if (m.labels.some((l) => !Number.isInteger(l) || l < 0 || l >= m.k)) bad(`a label is outside 0..${m.k - 1}`);
  if (m.sizes.length !== m.k) bad(`${m.sizes.length} sizes for k=${m.k}`);
  if (!m.normalization || !NORMALIZATION_KINDS.includes(m.normalization.kind)) bad("normalization is missing or unknown");
}

/** Members (ids) of each cluster. */
export function clusterMembers(model: ClusterModel): string[][] {
  const out: string[][] = Array.from({ length: model.k }, () => []);
  model.labels.forEach((c, i) => out[c].push(model.ids[i]));
  return out;
}

/**
 * A cluster prediction, the one implementation: the nearest centre to an (already normalised)
 * feature vector, plus how clear the choice is: `margin` = (d2 - d1) / d2 for the Euclidean
 * distances d1 <= d2 to the nearest and second-nearest centres (0 = a tie, 1 = on the centre;
 * 1 with a single centre), and `distance` = d1. Ties go to the lower index. A router may fall
 * back to the general GAN when the margin is small.
 */
export function nearestCentre(features: Vec, centers: readonly Vec[]): { cluster: number; margin: number; distance: number } {
  if (centers.length === 0) throw new Error("nearestCentre: no centres");
  if (features.length !== centers[0].length) {
    throw new Error(`nearestCentre: feature has ${features.length} dimensions, centres have ${centers[0].length}`);
  }
  const { index: cluster, dist, secondDist } = nearest(features, centers);
  const d1 = Math.sqrt(dist);
  const d2 = Math.sqrt(secondDist);
  const margin = d2 === Infinity ? 1 : d2 === 0 ? 0 : (d2 - d1) / d2;
  return { cluster, margin, distance: d1 };
}

/** What routing needs of a clustering: its normalisation and centres (and the extractor id, for messages). */
export interface RoutingModel {
  normalization: FeatureNormalization;
  centers: readonly Vec[];
  extractor: string;
}

/**
 * Route raw extractor features (as `extractor.extract` returns them) to the nearest cluster of
 * a saved model: the model's normalisation, then `nearestCentre`. Returns the cluster index.
 */
export function routeFeatures(model: RoutingModel, features: Vec): number {
  const x = applyNormalization(model.normalization, features);
  if (x.length !== model.centers[0]?.length) {
    throw new Error(`feature has ${x.length} dimensions but the clusters were made with ${model.centers[0]?.length ?? 0} (extractor ${model.extractor})`);
  }
  return nearestCentre(x, model.centers).cluster;
}
