/**
 * `heritage complete`: fill the hole of one painting with a trained DCGAN (Yeh et al. latent search
 * + Poisson blending). With --clusters, the painting is first routed to the nearest cluster from its
 * visible pixels and that cluster's GAN (<model>/cluster-<c>/) is used. Paintings of any shape are
 * completed at their own size (lib/inpaint/full-resolution.ts: square windows over the hole, image and
 * mask scaled together, the fill pasted back into the hole pixels only).
 */
import type { Command } from "commander";
import path from "node:path";
import { loadClusterModel } from "../../cluster/model.js";
import { loadExperiment, parseExperiment } from "../../config/experiment.js";
import { toSignedRange } from "../../data/image.js";
import { saveImagePng } from "../../data/encode.js";
import { createModelExtractor } from "../../cluster/model-extractor.js";
import { completeFullResolution, cropImage, cropMask, holeBox, planWindows, resizeImage, resizeMaskConservative } from "../../inpaint/full-resolution.js";
import { loadGanPair } from "../../gan/checkpoint.js";
import { completeBatch, routeVisible } from "../../inpaint/complete.js";
import { maskFraction, maskFromImage } from "../../masks/index.js";
import { loadImageUnit } from "../../metrics/io.js";
import { initBackend } from "../../runtime/backend.js";
import { info, warn } from "../../util/log.js";
import { progress } from "../../util/progress.js";

interface CompleteCli {
  image: string;
  mask: string;
  model: string;
  out: string;
  clusters?: string;
  config?: string;
  iterations?: number;
  candidates?: number;
  lambda?: number;
  seed: number;
  blend: boolean;
  window?: number;
  json?: boolean;
}

const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: "${v}"`);
  return n;
};

export function register(program: Command): void {
  program
    .command("complete")
    .description("complete one damaged painting with a trained DCGAN (routing to a cluster's GAN with --clusters)")
    .requiredOption("--image <file>", "the painting (any format sharp reads)")
    .requiredOption("--mask <file>", "mask image, white = missing, the painting's size (or its shape, then resized)")
    .requiredOption("--model <dir>", "a GAN folder (generator/, discriminator/), or with --clusters the folder holding cluster-<c>/")
    .requiredOption("--out <file>", "output PNG at the painting's own size (the hole filled, known pixels unchanged)")
    .option("--clusters <file>", "clusters.json: route the painting to its nearest cluster from the visible pixels")
    .option("--config <file>", "experiment config whose completion section is used (default: the built-in defaults)")
    .option("--iterations <n>", "latent-search steps (overrides the config)", num)
    .option("--candidates <n>", "z candidates optimised together (overrides the config)", num)
    .option("--lambda <x>", "weight of the prior (discriminator) loss (overrides the config)", num)
    .option("--seed <k>", "seed of the starting z", num, 0)
    .option("--no-blend", "paste the generated pixels instead of Poisson blending")
    .option("--window <px>", "side of the square search window in painting pixels (default: the painting's shorter side)", num)
    .option("--json", "print losses and the chosen model as JSON")
    .action(async (o: CompleteCli) => {
      await initBackend();
      const cfg = o.config ? await loadExperiment(o.config) : parseExperiment({ name: "complete" });
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
      let modelDir = o.model;
      let cluster: number | null = null;
      if (!box) {
        warn(`${o.mask} is all black (no missing pixel): ${o.out} is the painting unchanged`);
        await saveImagePng(img, o.out);
        const report = { out: o.out, width: img.width, height: img.height, model: null, cluster, windows: [], hole: 0 };
        if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
        return;
      }
      const windows = planWindows(img.width, img.height, box, o.window);
      if (o.clusters) {
        const cm = await loadClusterModel(o.clusters);
        const ex = await createModelExtractor(cm, o.clusters);
        try {
          // route from the first search window, scaled with its mask (the same pixels the GAN will see)
          const w = windows[0]!;
          const big = resizeImage(cropImage(img, w), ex.inputSize, ex.inputSize);
          const m = resizeMaskConservative(cropMask(mask, w), ex.inputSize, ex.inputSize);
          [cluster] = (await routeVisible(cm, ex, [big], [m])) as [number];
        } finally {
          ex.dispose();
        }
        modelDir = path.join(o.model, `cluster-${cluster}`);
        info(`complete: routed to cluster ${cluster} (${modelDir})`);
      }
      const { G, D } = await loadGanPair(modelDir);
      const S = G.outputs[0]!.shape[1] as number;
      const iterations = o.iterations ?? cfg.completion.iterations;
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
              candidates: o.candidates ?? cfg.completion.candidates,
              lambda: o.lambda ?? cfg.completion.lambda,
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
      const report = { out: o.out, width: img.width, height: img.height, size: S, model: modelDir, cluster, windows: done.windows, loss: mean("loss"), context: mean("context"), prior: mean("prior"), hole };
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else info(`complete: wrote ${o.out} (${img.width}x${img.height}, ${done.windows.length} window(s) of ${done.windows[0]?.side ?? 0} px searched at ${S}x${S}, loss ${report.loss.toFixed(3)})`);
    });
}
