/**
 * `heritage complete`: fill the hole of one painting with a trained DCGAN (Yeh et al. latent search
 * + Poisson blending). Which GAN:
 * - `--run NAME` (no --model): the run's GANs, found through its RunLayout: the painting is routed
 *   from its visible pixels with the run's clustering for K = cluster.k (clusters/k<K>/clusters.json)
 *   and completed by that cluster's GAN (gans/k<K>/cluster-<c>/, the study's "clustered" method);
 *   with --general, or K = 1, by the general GAN (gans/general/).
 * - `--model DIR`: that GAN folder; with --clusters FILE, routed as above to DIR/cluster-<c>/.
 * The settings are the stage commands' (--config, else the run's config.json, else the defaults;
 * then --set a.b=value; --iterations/--candidates/--lambda set completion.*). Paintings of any
 * shape are completed at their own size (lib/inpaint/full-resolution.ts: square windows over the
 * hole, image and mask scaled together, the fill pasted back into the hole pixels only).
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import path from "node:path";
import { loadClusterModel } from "../../cluster/model.js";
import type { ExperimentConfig } from "../../config/experiment.js";
import { toSignedRange } from "../../data/image.js";
import { saveImagePng } from "../../data/encode.js";
import { createModelExtractor } from "../../cluster/model-extractor.js";
import { completeFullResolution, cropImage, cropMask, holeBox, planWindows, resizeImage, resizeMaskConservative } from "../../inpaint/full-resolution.js";
import { GAN_FOLDERS, loadGanPair } from "../../gan/checkpoint.js";
import { completeBatch, routeVisible } from "../../inpaint/complete.js";
import { maskFraction, maskFromImage } from "../../masks/index.js";
import { loadImageUnit } from "../../metrics/io.js";
import { clusterFolder, clusterJobName, GENERAL_JOB, type RunLayout } from "../../pipeline/layout.js";
import { initBackend } from "../../runtime/backend.js";
import { info, warn } from "../../util/log.js";
import { progress } from "../../util/progress.js";
import { collect, intOption, numberOption, resolveStageConfig, type StageCliOptions } from "../options.js";

interface CompleteCli extends Omit<StageCliOptions, "out"> {
  image: string;
  mask: string;
  model?: string;
  out: string;
  clusters?: string;
  general?: boolean;
  iterations?: number;
  candidates?: number;
  lambda?: number;
  seed: number;
  blend: boolean;
  window?: number;
  json?: boolean;
}

/** Where the GAN comes from: a GAN folder (maybe with a clustering), or a run's clustering and GANs. */
interface GanSource {
  /** clusters.json to route with, or null (one GAN). */
  clusters: string | null;
  /** The GAN folder for cluster `c` (or for all, when `clusters` is null). */
  ganDir: (c: number | null) => string;
  /** How a missing clustering file or GAN folder is explained. */
  missing: (what: "clustering" | "GAN", file: string) => string;
}

/** The GAN source of the command line (see the module comment). */
function ganSource(o: CompleteCli, cfg: ExperimentConfig, layout: RunLayout): GanSource {
  if (o.model !== undefined) {
    if (o.general) throw new Error("--general picks the run's general GAN: use it with --run, without --model");
    const model = o.model;
    return {
      clusters: o.clusters ?? null,
      ganDir: (c) => (c === null ? model : path.join(model, clusterFolder(c))),
      missing: (what, file) => (what === "GAN" ? `${file} is not a trained GAN folder (${GAN_FOLDERS.G}/, ${GAN_FOLDERS.D}/)` : `${file} does not exist (--clusters)`),
    };
  }
  if (o.run === undefined) throw new Error("give --model DIR (a GAN folder) or --run NAME (a run whose GANs are used)");
  if (o.clusters !== undefined) throw new Error(`--clusters goes with --model; with --run the run's ${path.relative(layout.dir, layout.clusters(cfg.cluster.k))} is used`);
  const k = cfg.cluster.k;
  const general = o.general || k === 1;
  return {
    clusters: general ? null : layout.clusters(k),
    ganDir: (c) => layout.ganDir(c === null ? GENERAL_JOB : clusterJobName(k, c)),
    missing: (what, file) =>
      `${file}: the run ${layout.dir} has no ${what === "GAN" ? "trained GAN" : `clustering for K = ${k}`} there; make it first (heritage ${what === "GAN" ? "train" : "cluster"} --run ${o.run}), or pick another K with --set cluster.k=K`,
  };
}

export function register(program: Command): void {
  program
    .command("complete")
    .description(
      "complete one damaged painting with a trained DCGAN: a run's (--run, with the same --config/--set as the stage commands; routed to a cluster's GAN by its clustering), " +
        "or --model DIR (routing to DIR/cluster-<c> with --clusters)",
    )
    .requiredOption("--image <file>", "the painting (any format sharp reads)")
    .requiredOption("--mask <file>", "mask image, white = missing, the painting's size (or its shape, then resized)")
    .option("--model <dir>", "a GAN folder (generator/, discriminator/), or with --clusters the folder holding cluster-<c>/ (default with --run: the run's GANs)")
    .requiredOption("--out <file>", "output PNG at the painting's own size (the hole filled, known pixels unchanged)")
    .option("--clusters <file>", "with --model: clusters.json; route the painting to its nearest cluster from the visible pixels")
    .option("--config <file>", "experiment config whose completion section is used (default: the run's config.json, else the built-in defaults)")
    .option("--run <name>", "run name (results/<name>) or run folder (a path): its config, and without --model its clustering (cluster.k) and GANs")
    .option("--set <a.b=value>", "override a config field (repeatable), e.g. --set completion.iterations=300 --set cluster.k=8", collect, [])
    .option("--general", "with --run: the run's general GAN, no routing")
    .option("--iterations <n>", "latent-search steps (completion.iterations)", intOption("iterations", 1, 1e9))
    .option("--candidates <n>", "z candidates optimised together (completion.candidates)", intOption("candidates", 1, 1e6))
    .option("--lambda <x>", "weight of the prior (discriminator) loss (completion.lambda)", numberOption("lambda", 0, Number.POSITIVE_INFINITY))
    .option("--seed <k>", "seed of the starting z", intOption("seed", 0, 2 ** 31), 0)
    .option("--no-blend", "paste the generated pixels instead of Poisson blending")
    .option("--window <px>", "side of the square search window in painting pixels (default: the painting's shorter side)", intOption("window", 1, 1e9))
    .option("--json", "print losses and the chosen model as JSON")
    .action(async (o: CompleteCli) => {
      const flags = { iterations: o.iterations, candidates: o.candidates, lambda: o.lambda };
      const completion = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
      // --out is the output image here, not a run folder
      const { cfg, layout } = await resolveStageConfig({ config: o.config, run: o.run, set: o.set }, { completion });
      const source = ganSource(o, cfg, layout);
      await initBackend();
      // the painting at its own size, and a mask of the same size (so the hole is where it was drawn)
      const img = toSignedRange(await loadImageUnit(o.image));
      let mask = await maskFromImage(o.mask);
      if (mask.width !== img.width || mask.height !== img.height) {
        if (Math.abs(mask.width / mask.height - img.width / img.height) > 0.01) {
          throw new Error(`${o.mask} is ${mask.width}x${mask.height} but ${o.image} is ${img.width}x${img.height}; the mask must have the painting's shape`);
        }
        info(`complete: ${o.mask} is ${mask.width}x${mask.height}; resized to the painting's ${img.width}x${img.height}`);
        mask = await maskFromImage(o.mask, { width: img.width, height: img.height });
      }
      const hole = maskFraction(mask);
      if (hole === 1) throw new Error(`${o.mask} is all white (every pixel missing): there is nothing to complete from; white marks only the missing pixels`);
      const box = holeBox(mask);
      let cluster: number | null = null;
      if (!box) {
        warn(`${o.mask} is all black (no missing pixel): ${o.out} is the painting unchanged`);
        await saveImagePng(img, o.out);
        const report = { out: o.out, width: img.width, height: img.height, model: null, cluster, windows: [], hole: 0 };
        if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
        return;
      }
      const windows = planWindows(img.width, img.height, box, o.window);
      if (source.clusters) {
        if (!existsSync(source.clusters)) throw new Error(source.missing("clustering", source.clusters));
        const cm = await loadClusterModel(source.clusters);
        const ex = await createModelExtractor(cm, source.clusters);
        try {
          // route from the first search window, scaled with its mask (the same pixels the GAN will see)
          const w = windows[0]!;
          const big = resizeImage(cropImage(img, w), ex.inputSize, ex.inputSize);
          const m = resizeMaskConservative(cropMask(mask, w), ex.inputSize, ex.inputSize);
          [cluster] = (await routeVisible(cm, ex, [big], [m])) as [number];
        } finally {
          ex.dispose();
        }
        info(`complete: routed to cluster ${cluster} (${source.ganDir(cluster)})`);
      }
      const modelDir = source.ganDir(cluster);
      if (!existsSync(path.join(modelDir, GAN_FOLDERS.G, "model.json"))) throw new Error(source.missing("GAN", modelDir));
      const { G, D } = await loadGanPair(modelDir);
      const S = G.outputs[0]!.shape[1] as number;
      const iterations = cfg.completion.iterations;
      const losses: { loss: number; context: number; prior: number }[] = [];
      let done: Awaited<ReturnType<typeof completeFullResolution>>;
      try {
        done = await completeFullResolution(
          img,
          mask,
          async (crop, m, _w, index) => {
            const bar = progress(windows.length > 1 ? `latent search ${index + 1}/${windows.length}` : "latent search", iterations);
            let last = 0;
            const { completed } = await completeBatch(G, D, [crop], [m], {
              ...cfg.completion,
              iterations,
              prior: cfg.gan.latentPrior,
              seed: o.seed + index,
              blend: o.blend,
              onStep: (step, loss) => {
                bar.tick(step - last, `loss ${loss.toFixed(3)}`);
                last = step;
              },
            });
            bar.stop();
            const r = completed[0]!;
            losses.push({ loss: r.loss, context: r.context, prior: r.prior });
            return r.image;
          },
          { side: S, window: o.window },
        );
        await saveImagePng(done.image, o.out);
      } finally {
        G.dispose();
        D.dispose();
      }
      const mean = (k: "loss" | "context" | "prior") => losses.reduce((a, l) => a + l[k], 0) / Math.max(1, losses.length);
      const report = { out: o.out, width: img.width, height: img.height, size: S, model: modelDir, cluster, iterations, windows: done.windows, loss: mean("loss"), context: mean("context"), prior: mean("prior"), hole };
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else info(`complete: wrote ${o.out} (${img.width}x${img.height}, ${done.windows.length} window(s) of ${done.windows[0]?.side ?? 0} px searched at ${S}x${S}, loss ${report.loss.toFixed(3)})`);
    });
}
