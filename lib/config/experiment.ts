/**
 * One experiment = one JSON config, validated on load. Every value is documented here; the
 * resolved config (defaults filled in) is printed at the start of a run and stored with its results.
 */
import path from "node:path";
import { z } from "zod";
import { KMEANS_DEFAULTS } from "../cluster/kmeans.js";
import { ARCH_DEFAULTS } from "../gan/arch-defaults.js";
import { AUGMENT_POLICIES } from "../gan/augment.js";
import { MASK_TYPES } from "../masks/types.js";
import { initMethodName } from "../pipeline/layout.js";
import { readJson } from "../util/fs.js";

const archSchema = z
  .object({
    /** Image side in pixels (32, 64 or 128; the paper: 128). */
    imageSize: z
      .union([z.literal(32), z.literal(64), z.literal(128)], {
        errorMap: (_issue, ctx) => ({ message: `must be 32, 64 or 128 (got ${JSON.stringify(ctx.data)})` }),
      })
      .default(ARCH_DEFAULTS.imageSize),
    /** Latent size (pytorch/examples: 100; the paper: 10000). */
    nz: z.number().int().min(2).max(20000).default(ARCH_DEFAULTS.nz),
    /** Generator width (last hidden layer; earlier layers double it). */
    ngf: z.number().int().min(4).max(512).default(ARCH_DEFAULTS.ngf),
    /** Discriminator width (first layer; later layers double it). */
    ndf: z.number().int().min(4).max(512).default(ARCH_DEFAULTS.ndf),
    /** Image channels. */
    channels: z.literal(3).default(ARCH_DEFAULTS.channels),
    /**
     * How G upsamples: "resize" (nearest x2 + 3x3 conv; Odena et al. 2016: no checkerboard, far better
     * samples at our budgets) or "deconv" (4x4 stride-2 transposed conv, Radford et al. / pytorch/examples).
     */
    upsample: z.enum(["deconv", "resize"]).default(ARCH_DEFAULTS.upsample),
  })
  .strict();

const maskSchema = z
  .object({
    /** Mask type, see lib/masks. */
    type: z.enum(MASK_TYPES),
    /**
     * Target hole fraction of the area, where the type takes one (every type but "file"; each type's
     * default and how closely it is met: lib/masks/make.ts).
     */
    fraction: z.number().gt(0).lt(1).optional(),
    /** Mask image (white = missing) for type "file". */
    file: z.string().optional(),
  })
  .strict();

export const experimentSchema = z
  .object({
    /** Run name; results go to results/<name>/. */
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' and '-' only"),
    /** Free text shown in the report. */
    description: z.string().default(""),
    /**
     * Master seed: the data split, k-means, GAN initialisations, masks and latent samples derive from
     * it. Any integer >= 0; the same config and seed give the same numbers.
     */
    seed: z.number().int().nonnegative().default(42),
    data: z
      .object({
        /** "synthetic": generate the embedded procedural dataset into `dir`; "folder": use images already in `dir`. */
        source: z.enum(["synthetic", "folder"]).default("synthetic"),
        /** Dataset folder (relative paths are relative to the project root). */
        dir: z.string().default("data/synthetic"),
        /** Synthetic data: images per style and the side they are rendered at. */
        perStyle: z.number().int().positive().default(60),
        synthSize: z.number().int().positive().default(64),
        /** Use at most this many images (stratified by label when there are labels); 0 = all. */
        limit: z.number().int().nonnegative().default(0),
        /**
         * Fraction held out for the completion study (stratified by label when there are labels).
         * Range: (0, 1). Larger: more study cases and tighter intervals, fewer paintings to train on.
         */
        testFraction: z.number().gt(0).lt(1).default(0.15),
        /**
         * Fraction of the remaining (non-test) images held out as a validation set: never clustered,
         * trained on or reported; `study.split: "validation"` runs the study on it, so completion
         * settings can be chosen without looking at the test set. Range: [0, 1). 0 = none (default).
         */
        validationFraction: z.number().min(0).lt(1).default(0),
      })
      .strict()
      .default({}),
    features: z
      .object({
        /** Feature extractor id (see `heritage features list`). */
        extractor: z.string().default("mobilenet_v2_block10-nsfwjs"),
        /** Images per extraction batch. Range: >= 1. Larger: faster on a GPU, more memory; same features. */
        batch: z.number().int().positive().default(16),
        /**
         * vgg16 / vgg19 / resnet50 (and their style-* variants): a Keras .h5 weight file of your own
         * (e.g. fine-tuned on paintings; relative to the project root) instead of the published
         * ImageNet file. The md5 check applies only to the published files.
         */
        weights: z.string().min(1).optional(),
        /** Extra options for the extractor (e.g. a style extractor's { layers, stat, pca }); see `heritage features list`. */
        options: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .default({}),
    cluster: z
      .object({
        /**
         * Number of clusters K, one cluster GAN each (the paper: an estimate of the number of visual
         * categories). Range: 1 to the number of training images; 1 = the general GAN alone. Larger K:
         * more specialised GANs, each on fewer paintings, and K times the training cost.
         */
        k: z.number().int().positive().default(4),
        /** K values for a sweep, each clustered and trained (K = 1 means the general GAN alone); [] = just `k`. */
        sweep: z.array(z.number().int().positive()).default([]),
        /**
         * Clusters smaller than this are dissolved into their nearest neighbours, so K can shrink
         * (0 = off). Range: 0 to half the training images. Larger: fewer starved cluster GANs.
         */
        minSize: z.number().int().nonnegative().default(0),
        /**
         * Size-balanced assignment: every cluster gets floor(n/K) or ceil(n/K) paintings (the paper asks
         * for an even distribution). true: no starved GAN, at the price of less coherent clusters.
         */
        balanced: z.boolean().default(false),
        /**
         * k-means restarts from different seeds; the lowest inertia is kept. Range: 1 to 100. More:
         * a more stable clustering, linearly more k-means time (small next to feature extraction).
         */
        nInit: z.number().int().positive().default(KMEANS_DEFAULTS.nInit),
      })
      .strict()
      .default({}),
    gan: z
      .object({
        arch: archSchema.default({}),
        /** Passes over each GAN's training images (the paper: 100). */
        epochs: z.number().int().positive().default(25),
        /** Minimum optimisation steps per GAN: small clusters get more epochs to reach it (0 = off). */
        minSteps: z.number().int().nonnegative().default(0),
        batchSize: z.number().int().positive().default(64),
        /** Adam learning rate (pytorch/examples: 2e-4; the paper: 1e-3). */
        lr: z.number().positive().default(2e-4),
        /** Adam beta1 (0.5, Radford et al.). */
        beta1: z.number().min(0).lt(1).default(0.5),
        /** Latent prior: U(-1,1) as in Yeh et al. (z is clipped to [-1, 1] during completion), or N(0,1). */
        latentPrior: z.enum(["uniform", "normal"]).default("uniform"),
        /** Random horizontal flips of training images. */
        flip: z.boolean().default(true),
        /** Save a checkpoint and a sample grid every this many epochs (the last epoch always). */
        checkpointEvery: z.number().int().positive().default(1),
        /** Parallel worker processes for per-cluster GANs (0 = one per core, capped by clusters). */
        workers: z.number().int().nonnegative().default(1),
        /**
         * DiffAugment policies (Zhao et al. 2020) for the general GAN and the cluster GANs trained from
         * scratch: any of "color", "translation", "cutout", applied to real and generated images before D.
         */
        augment: z.array(z.enum(AUGMENT_POLICIES)).default([]),
        /**
         * Decay of the moving average of G's weights that is sampled and saved (Yazici et al. 2019);
         * 0 = off (the last iterate). In [0, 1); 0.999 averages about the last thousand steps.
         */
        ema: z.number().min(0).lt(1).default(0),
        /**
         * How the cluster GANs of method "clustered" start: "scratch" (random weights; the paper) or
         * "general" (fine-tuned from the trained general GAN; Wang et al. 2018, "Transferring GANs").
         * The other one can be added to a study as method "clustered-scratch" / "clustered-transfer".
         */
        clusterInit: z.enum(["scratch", "general"]).default("general"),
        /** Fine-tuning of cluster GANs that start from the general GAN. */
        transfer: z
          .object({
            /** Optimisation steps on the cluster's images (fresh Adam state). */
            steps: z.number().int().positive().default(300),
            /** Adam learning rate of the fine-tune (default: gan.lr). */
            lr: z.number().positive().optional(),
            /** Freeze D's first n convolution blocks (Mo et al. 2020, "FreezeD"; 0 = none). */
            freezeD: z.number().int().nonnegative().default(0),
            /** DiffAugment policies of the fine-tune (clusters are small: tens of images). */
            augment: z.array(z.enum(AUGMENT_POLICIES)).default(["color", "translation", "cutout"]),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    completion: z
      .object({
        /** Adam steps on z (the paper: 40000; Yeh et al.: 1500). */
        iterations: z.number().int().positive().default(1500),
        /** z candidates optimised together per image; the lowest final loss wins. */
        candidates: z.number().int().positive().default(16),
        /**
         * Fill the hole with the mean G(z) of this many lowest-loss candidates (1 = Yeh et al.'s
         * single best). Range: 1..candidates. Larger: smoother fills, lower squared error, less detail
         * (an average of good fits estimates the posterior mean).
         */
        average: z.number().int().positive().default(1),
        /** Weight of the prior (discriminator) loss (Yeh et al.: 0.003). */
        lambda: z.number().nonnegative().default(0.003),
        /** Adam learning rate on z (Yeh et al.'s code: 0.01). */
        lr: z.number().positive().default(0.01),
        /** Window for the importance weights W (Yeh et al.: 7). */
        window: z.number().int().positive().default(7),
        /** Norm of the context loss: l1 (Yeh et al.) or l2 (the paper's text). */
        norm: z.enum(["l1", "l2"]).default("l1"),
        /** Blend the generated content into the image with Poisson blending (else paste). */
        poisson: z.boolean().default(true),
        /** Damaged images completed together (each with `candidates` z's, so one batch is batchImages x candidates). */
        batchImages: z.number().int().positive().default(8),
      })
      .strict()
      .default({}),
    study: z
      .object({
        /**
         * Which held-out set the study completes: "test" (the reported result) or "validation"
         * (data.validationFraction > 0; written to study-validation/, for choosing completion settings).
         */
        split: z.enum(["test", "validation"]).default("test"),
        /** Damage applied to every held-out image (one completion per image and mask). */
        masks: z.array(maskSchema).min(1).default([{ type: "center", fraction: 0.25 }]),
        /** Use at most this many held-out images (0 = all). */
        maxImages: z.number().int().nonnegative().default(0),
        /**
         * Methods compared; the clustered ones need K > 1. "clustered": cluster GANs started as
         * gan.clusterInit says; "clustered-scratch" / "clustered-transfer": the other start, trained as
         * extra GANs (only the one that differs from gan.clusterInit may be named).
         */
        methods: z
          .array(z.enum(["general", "clustered", "clustered-scratch", "clustered-transfer", "telea", "oracle-cluster"]))
          .min(1)
          .default(["general", "clustered", "telea"]),
        /** Images shown in the Table-2-style figure. */
        figureImages: z.number().int().nonnegative().default(6),
        /**
         * Generated samples per GAN for its KID (Binkowski et al. 2018; unbiased, so tens of samples
         * work) against its cluster's held-out paintings, on MobileNetV2 block-10 features (not
         * Inception: not comparable with published KID). 0 = no KID. Written into each model card,
         * the summary and the report; costs about one feature extraction per sample.
         */
        kidSamples: z.number().int().nonnegative().default(64),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ExperimentConfig = z.infer<typeof experimentSchema>;
export type ArchConfig = z.infer<typeof archSchema>;
export type MaskConfig = z.infer<typeof maskSchema>;
/**
 * The config's sections, for lib option types that take some of their fields (`Pick<GanConfig, "lr" | ...>`):
 * the fields are documented once, on the schema above.
 */
export type FeaturesConfig = ExperimentConfig["features"];
export type ClusterConfig = ExperimentConfig["cluster"];
export type GanConfig = ExperimentConfig["gan"];
export type TransferConfig = GanConfig["transfer"];
export type CompletionConfig = ExperimentConfig["completion"];
export type StudyConfig = ExperimentConfig["study"];

/** Validate a parsed config; the error lists every problem with its path, naming `source`. */
export function parseExperiment(value: unknown, source = "config"): ExperimentConfig {
  const result = experimentSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${source} is not a valid experiment config:\n${lines.join("\n")}`);
  }
  const cfg = result.data;
  if (cfg.cluster.sweep.some((k) => k < 1)) throw new Error(`${source}: cluster.sweep values must be >= 1`);
  const same = initMethodName(cfg.gan.clusterInit);
  if (cfg.study.methods.includes(same)) {
    throw new Error(
      `${source}: study.methods has "${same}", which is what "clustered" already is with gan.clusterInit "${cfg.gan.clusterInit}"; use "clustered" (or set gan.clusterInit to the other start)`,
    );
  }
  if (cfg.study.split === "validation" && cfg.data.validationFraction <= 0) {
    throw new Error(`${source}: study.split is "validation" but data.validationFraction is 0; set data.validationFraction (e.g. 0.15) so a validation set is held out`);
  }
  if (cfg.completion.average > cfg.completion.candidates) {
    throw new Error(`${source}: completion.average (${cfg.completion.average}) is more than completion.candidates (${cfg.completion.candidates}); it averages that many of the candidates`);
  }
  for (const m of cfg.study.masks) {
    if (m.type === "file" && !m.file) throw new Error(`${source}: study.masks entry of type "file" needs "file"`);
  }
  return cfg;
}

/** Read and validate an experiment config file. */
export async function loadExperiment(file: string): Promise<ExperimentConfig> {
  const cfg = parseExperiment(await readJson(file), file);
  return cfg;
}

/** Resolve a config path (data.dir) against the project root. */
export function resolveFromRoot(root: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(root, p);
}

/** The schema's defaults as a config (the one place defaults live; CLI flags take theirs from here). */
export function defaultExperiment(name = "defaults"): ExperimentConfig {
  return experimentSchema.parse({ name });
}
