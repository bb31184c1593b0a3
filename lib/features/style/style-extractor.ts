/**
 * Style features: for chosen layers of a CNN, a second-order statistic of each layer's map (the
 * Gram matrix's upper triangle, or per-channel mean and standard deviation; ./stats.ts), the
 * layers' blocks joined (each scaled to unit length by default), optionally reduced by a PCA
 * fitted on the training images (`fit`, ../pca.ts).
 *
 * With `pca`, the extractor is fitted like a bag of visual words: `fit(trainImages)` computes the
 * raw features of those images (kept, so `extract` on the same pixels does not compute them
 * again) and fits the PCA; the PCA's hash goes into `options`, so cached features of different
 * fits never mix. A fitted PCA is saved with `saveVocabulary(file)` (the name the clustering stage
 * uses for a fitted extractor's state) and restored with the `vocabulary` option.
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageArray } from "../../data/image.js";
import { readJson, sha256, writeJsonAtomic } from "../../util/fs.js";
import { extractBatched } from "../cnn/keras-extractor.js";
import { imagesToBatch, preprocessBatch } from "../cnn/preprocess.js";
import { labelledForFit, type FeatureExtractor } from "../extractor.js";
import { fitLda, ldaFromJson, ldaHash, ldaToJson, ldaTransform, type LdaJson, type LdaModel } from "../lda.js";
import { fitPca, pcaFromJson, pcaHash, pcaToJson, pcaTransform, type PcaModel } from "../pca.js";
import { colourBlockDims, colourDescriptor } from "./colour.js";
import { joinBlocks, joinRows, statDim, styleStat, type BlockNorm, type StyleStat } from "./stats.js";
import { createStyleTrunk, type StyleNet, type StyleTrunk, type TrunkOptions } from "./trunks.js";

export interface StyleOptions extends TrunkOptions {
  /** Extractor id to report. Default "style-<net>". */
  id?: string;
  /** Layers whose maps are described, in order. */
  layers?: string[];
  /** "gram" (upper triangle of the channel Gram matrix) or "meanstd" (per-channel mean and std). Default "meanstd". */
  stat?: StyleStat;
  /** Scale each layer's block to unit L2 norm before joining ("l2", default) or not ("none"). */
  blockNorm?: BlockNorm;
  /** Signed square root of every statistic before the blocks are joined (power normalisation, as for Gram/Fisher vectors). Default false. */
  sqrt?: boolean;
  /**
   * Weight of the colour/texture block (./colour.ts: HSV histogram, moments, gradient histogram of
   * the same input image) joined after the CNN part: the CNN part (after PCA) is scaled to unit
   * length and the colour block to this length. 0 = no colour block (default).
   */
  colour?: number;
  /** Reduce to this many principal components, fitted by `fit` (0 = no PCA, default). */
  pca?: number;
  /** Divide the PCA projections by their standard deviation. Default false. */
  whiten?: boolean;
  /**
   * After the PCA, project onto the linear discriminant directions of the training images' labels
   * (../lda.ts; at most classes - 1 dims): a style space learned from labelled paintings (for
   * example WikiArt's style field), like fine-tuning a network on them but at the cost of a PCA.
   * Needs `pca` > 0 and labels in `fit` (the extractor is `supervised`). Default false.
   */
  lda?: boolean;
  /** A fitted PCA (as saved by `saveVocabulary`, or its path): the extractor is ready without `fit`. */
  vocabulary?: unknown;
  /** Images per forward pass. Default 8. */
  batchSize?: number;
}

/** Default layers per net. */
export const DEFAULT_STYLE_LAYERS: Readonly<Record<StyleNet, string[]>> = {
  mobilenet_v2: ["block_3_expand_relu", "block_6_expand_relu", "block_10_expand_relu"],
  inception_v3: ["mixed0", "mixed2", "mixed5"],
  // Gatys et al.'s style layers.
  vgg16: ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"],
  vgg19: ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"],
  resnet50: ["conv2_block3_out", "conv3_block4_out", "conv4_block6_out"],
};

function imageKey(img: ImageArray): string {
  return sha256(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength)) + `:${img.width}x${img.height}x${img.channels}`;
}

/** `v` scaled to L2 length `len` (a zero vector stays zero). */
function scaleTo(v: Float32Array, len: number): Float32Array {
  let q = 0;
  for (let i = 0; i < v.length; i++) q += v[i]! * v[i]!;
  const s = q > 0 ? len / Math.sqrt(q) : 0;
  return v.map((x) => x * s);
}

export class StyleExtractor implements FeatureExtractor {
  readonly id: string;
  readonly inputSize: number;
  /** Raw dimension (before PCA) and per-layer block sizes. */
  readonly rawDim: number;
  readonly blockDims: number[];
  fit?: (images: ImageArray[], labels?: readonly (string | null)[]) => Promise<void>;
  private trunk: StyleTrunk | null;
  private readonly layers: string[];
  private readonly stat: StyleStat;
  private readonly blockNorm: BlockNorm;
  private readonly sqrt: boolean;
  private readonly colour: number;
  private readonly batchSize: number;
  private readonly pcaN: number;
  private readonly whiten: boolean;
  private pca: PcaModel | null;
  private readonly useLda: boolean;
  private lda: LdaModel | null;
  private readonly memo = new Map<string, Float32Array>();
  private readonly baseOptions: Record<string, unknown>;

  private constructor(trunk: StyleTrunk, layers: string[], opts: StyleOptions, pca: PcaModel | null, lda: LdaModel | null) {
    this.trunk = trunk;
    this.id = opts.id ?? `style-${trunk.net}`;
    this.inputSize = trunk.inputSize;
    this.layers = layers;
    this.stat = opts.stat ?? "meanstd";
    this.blockNorm = opts.blockNorm ?? "l2";
    this.sqrt = opts.sqrt ?? false;
    this.colour = opts.colour ?? 0;
    if (!(this.colour >= 0 && Number.isFinite(this.colour))) throw new Error(`${this.id}: colour must be a weight >= 0 (0 = no colour block), got ${opts.colour}`);
    this.batchSize = opts.batchSize ?? 8;
    this.blockDims = trunk.channels.map((c) => statDim(this.stat, c));
    this.rawDim = this.blockDims.reduce((s, d) => s + d, 0);
    this.pca = pca;
    this.pcaN = pca ? pca.components.length : Math.floor(opts.pca ?? 0);
    this.whiten = pca ? pca.whiten : (opts.whiten ?? false);
    if (this.pcaN < 0) throw new Error(`${this.id}: pca must be 0 (off) or a number of components, got ${opts.pca}`);
    this.lda = lda;
    this.useLda = lda !== null || opts.lda === true;
    if (this.useLda && this.pcaN === 0) throw new Error(`${this.id}: lda needs a PCA first (set the option pca to a number of components, e.g. 48): the within-class covariance of ${this.rawDim} raw dims cannot be estimated from a training set`);
    if (this.pcaN > 0 && !pca) this.fit = (images, labels) => this.fitProjection(images, labels);
    this.baseOptions = {
      net: trunk.net,
      ...trunk.weights,
      layers: this.layers,
      stat: this.stat,
      blockNorm: this.blockNorm,
      ...(this.sqrt ? { sqrt: true } : {}),
      ...(this.colour > 0 ? { colour: this.colour, colourVersion: 1 } : {}),
      preprocessing: trunk.preprocessing,
      inputSize: this.inputSize,
    };
  }

  static async create(net: StyleNet, opts: StyleOptions = {}): Promise<StyleExtractor> {
    const layers = opts.layers ?? DEFAULT_STYLE_LAYERS[net];
    if (!Array.isArray(layers) || layers.some((l) => typeof l !== "string")) throw new Error(`style extractor on ${net}: layers must be a list of layer names`);
    if (opts.stat !== undefined && opts.stat !== "gram" && opts.stat !== "meanstd") throw new Error(`style extractor on ${net}: stat must be "gram" or "meanstd", got "${String(opts.stat)}"`);
    if (opts.blockNorm !== undefined && opts.blockNorm !== "l2" && opts.blockNorm !== "none") throw new Error(`style extractor on ${net}: blockNorm must be "l2" or "none", got "${String(opts.blockNorm)}"`);
    let pca: PcaModel | null = null;
    let lda: LdaModel | null = null;
    if (opts.vocabulary !== undefined) {
      const v = (typeof opts.vocabulary === "string" ? await readJson(opts.vocabulary) : opts.vocabulary) as Record<string, unknown>;
      // A PCA alone is saved as the PCA's JSON; with lda, as { pca, lda }.
      const saved = v !== null && typeof v === "object" && "pca" in v ? (v as { pca: unknown; lda?: unknown }) : { pca: v };
      pca = pcaFromJson(saved.pca as Parameters<typeof pcaFromJson>[0]);
      if (saved.lda !== undefined) lda = ldaFromJson(saved.lda as LdaJson);
      if (opts.lda === true && !lda) throw new Error(`style extractor on ${net}: lda is set but the saved fit has no LDA projection; fit again`);
      if (lda && lda.dim !== pca.components.length) throw new Error(`style extractor on ${net}: the saved LDA was fitted on ${lda.dim} dims, the saved PCA gives ${pca.components.length}`);
    }
    const trunk = await createStyleTrunk(net, layers, opts);
    const ex = new StyleExtractor(trunk, [...layers], opts, pca, lda);
    if (pca && pca.dim !== ex.rawDim) {
      ex.dispose();
      throw new Error(`style extractor on ${net}: the saved PCA was fitted on ${pca.dim} dims, these layers give ${ex.rawDim}`);
    }
    return ex;
  }

  get options(): Record<string, unknown> {
    return {
      ...this.baseOptions,
      ...(this.pcaN > 0 ? { pca: this.pcaN, whiten: this.whiten, pcaFit: this.pca ? pcaHash(this.pca) : null } : {}),
      ...(this.useLda ? { lda: true, ldaFit: this.lda ? ldaHash(this.lda) : null } : {}),
    };
  }

  /** Whether `fit` learns from the images' labels (the lda option). */
  get supervised(): boolean {
    return this.useLda;
  }

  /** Output dimension; with lda, known once fitted (classes - 1 at most). */
  dim(): number {
    const cnn = this.useLda ? (this.lda?.scalings.length ?? 0) : this.pcaN > 0 ? this.pcaN : this.rawDim;
    return cnn + (this.colour > 0 ? colourBlockDims().reduce((s, d) => s + d, 0) : 0);
  }

  /** The fitted PCA, or null. */
  pcaModel(): PcaModel | null {
    return this.pca;
  }

  /** The fitted LDA projection, or null. */
  ldaModel(): LdaModel | null {
    return this.lda;
  }

  /** Raw (pre-PCA) features of images. */
  async extractRaw(images: ImageArray[]): Promise<Float32Array[]> {
    const t = this.requireTrunk();
    return extractBatched(images, this.batchSize, (chunk) => {
      const x = preprocessBatch(imagesToBatch(chunk, this.inputSize), t.preprocessing);
      const outs = t.model.predict(x);
      const maps = (Array.isArray(outs) ? outs : [outs]) as tf.Tensor4D[];
      return joinBlocks(
        maps.map((m) => {
          const st = styleStat(m, this.stat);
          return this.sqrt ? (tf.sign(st).mul(tf.sqrt(tf.abs(st))) as tf.Tensor2D) : st;
        }),
        this.blockNorm,
      );
    });
  }

  async extract(images: ImageArray[]): Promise<Float32Array[]> {
    if (this.pcaN > 0 && !this.pca) throw new Error(`${this.id}: pca is set (${this.pcaN} components) but the extractor was not fitted; call fit(trainImages) first`);
    if (this.useLda && !this.lda) throw new Error(`${this.id}: lda is set but the extractor was not fitted; call fit(trainImages, labels) first`);
    const out: (Float32Array | null)[] = images.map((img) => (this.pca ? (this.memo.get(imageKey(img)) ?? null) : null));
    const todo = images.filter((_, i) => out[i] === null);
    const raw = todo.length > 0 ? await this.extractRaw(todo) : [];
    let r = 0;
    for (let i = 0; i < images.length; i++) if (out[i] === null) out[i] = raw[r++]!;
    const reduced = this.pca ? out.map((v) => pcaTransform(this.pca!, v!)) : (out as Float32Array[]);
    const cnn = this.lda ? reduced.map((v) => ldaTransform(this.lda!, v)) : reduced;
    if (this.colour === 0) return cnn;
    return cnn.map((v, i) => joinRows([scaleTo(v, 1), scaleTo(colourDescriptor(images[i]!), this.colour)], "none"));
  }

  /** Fit the PCA on `images` and, with lda, the discriminant projection on the labelled ones. */
  private async fitProjection(images: ImageArray[], labels?: readonly (string | null)[]): Promise<void> {
    const n = Math.min(this.pcaN, images.length, this.rawDim);
    if (n < this.pcaN) throw new Error(`${this.id}: pca ${this.pcaN} needs at least ${this.pcaN} training images (got ${images.length}) and dims (have ${this.rawDim}); fit on more images or set the option pca to at most ${Math.min(images.length, this.rawDim)} (0 = no PCA)`);
    let labelled: number[] = [];
    if (this.useLda) {
      if (!labels || labels.length !== images.length) throw new Error(`${this.id}: lda learns from the training images' labels, and fit got ${labels ? `${labels.length} labels for ${images.length} images` : "none"}`);
      labelled = labelledForFit(this.id, labels);
    }
    const raw = await this.extractRaw(images);
    images.forEach((img, i) => this.memo.set(imageKey(img), raw[i]!));
    const pca = fitPca(raw, this.pcaN, { whiten: this.whiten });
    if (this.useLda) {
      const reduced = labelled.map((i) => pcaTransform(pca, raw[i]!));
      this.lda = fitLda(reduced, labelled.map((i) => labels![i]!));
    }
    this.pca = pca;
  }

  /** Save the fitted PCA (JSON; with lda, { pca, lda }) so `vocabulary: file` restores this extractor. */
  async saveVocabulary(file: string): Promise<void> {
    if (!this.pca) throw new Error(`${this.id}: nothing to save, the PCA is not fitted`);
    await writeJsonAtomic(file, this.lda ? { pca: pcaToJson(this.pca), lda: ldaToJson(this.lda) } : pcaToJson(this.pca));
  }

  dispose(): void {
    this.trunk?.dispose();
    this.trunk = null;
    this.memo.clear();
  }

  private requireTrunk(): StyleTrunk {
    if (!this.trunk) throw new Error(`${this.id} extractor was disposed`);
    return this.trunk;
  }
}

export function createStyleExtractor(net: StyleNet, opts: StyleOptions = {}): Promise<StyleExtractor> {
  return StyleExtractor.create(net, opts);
}
