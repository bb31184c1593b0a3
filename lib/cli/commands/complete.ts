/**
 * `heritage complete`: fill the hole of one painting with a trained DCGAN (Yeh et al. latent search
 * + Poisson blending). With --clusters, the painting is first routed to the nearest cluster from its
 * visible pixels and that cluster's GAN (<model>/cluster-<c>/) is used.
 */
import type { Command } from "commander";
import path from "node:path";
import { loadClusterModel, routeFeatures } from "../../cluster/model.js";
import { neutralFill } from "../../cluster/route.js";
import { loadExperiment, parseExperiment } from "../../config/experiment.js";
import { decodeImage } from "../../data/decode.js";
import { saveImagePng } from "../../data/encode.js";
import { createModelExtractor } from "../../cluster/model-extractor.js";
import { loadLayersModel } from "../../gan/checkpoint.js";
import { poissonBlend } from "../../inpaint/poisson.js";
import { pasteIntoHole, semanticComplete } from "../../inpaint/semantic.js";
import { maskFromImage } from "../../masks/index.js";
import { initBackend } from "../../runtime/backend.js";
import { holeToZero } from "../../study/methods.js";
import { info } from "../../util/log.js";
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
    .requiredOption("--mask <file>", "mask image, white = missing (resized to the GAN's side)")
    .requiredOption("--model <dir>", "a GAN folder (generator/, discriminator/), or with --clusters the folder holding cluster-<c>/")
    .requiredOption("--out <file>", "output PNG (at the GAN's side)")
    .option("--clusters <file>", "clusters.json: route the painting to its nearest cluster from the visible pixels")
    .option("--config <file>", "experiment config whose completion section is used (default: the built-in defaults)")
    .option("--iterations <n>", "latent-search steps (overrides the config)", num)
    .option("--candidates <n>", "z candidates optimised together (overrides the config)", num)
    .option("--lambda <x>", "weight of the prior (discriminator) loss (overrides the config)", num)
    .option("--seed <k>", "seed of the starting z", num, 0)
    .option("--no-blend", "paste the generated pixels instead of Poisson blending")
    .option("--json", "print losses and the chosen model as JSON")
    .action(async (o: CompleteCli) => {
      await initBackend();
      const cfg = o.config ? await loadExperiment(o.config) : parseExperiment({ name: "complete" });
      let modelDir = o.model;
      let cluster: number | null = null;
      if (o.clusters) {
        const cm = await loadClusterModel(o.clusters);
        const ex = await createModelExtractor(cm, o.clusters);
        try {
          const big = await decodeImage(o.image, ex.inputSize);
          const m = await maskFromImage(o.mask, ex.inputSize);
          const [f] = await ex.extract([neutralFill(holeToZero(big, m), m, "blur")]);
          cluster = routeFeatures(cm, f!);
        } finally {
          ex.dispose();
        }
        modelDir = path.join(o.model, `cluster-${cluster}`);
        info(`complete: routed to cluster ${cluster} (${modelDir})`);
      }
      const G = await loadLayersModel(path.join(modelDir, "generator"));
      const D = await loadLayersModel(path.join(modelDir, "discriminator"));
      const S = G.outputs[0]!.shape[1] as number;
      const img = await decodeImage(o.image, S);
      const mask = await maskFromImage(o.mask, S);
      const damaged = holeToZero(img, mask);
      const iterations = o.iterations ?? cfg.completion.iterations;
      const bar = progress("latent search", iterations);
      let last = 0;
      const res = await semanticComplete(G, D, [damaged], [mask], {
        ...cfg.completion,
        iterations,
        candidates: o.candidates ?? cfg.completion.candidates,
        lambda: o.lambda ?? cfg.completion.lambda,
        prior: cfg.gan.latentPrior,
        seed: o.seed,
        onStep: (step, loss) => {
          bar.tick(step - last, `loss ${loss.toFixed(3)}`);
          last = step;
        },
      });
      bar.stop();
      const out = o.blend ? poissonBlend(res.generated[0]!, damaged, mask, { clamp: [-1, 1] }) : pasteIntoHole(damaged, res.generated[0]!, mask);
      await saveImagePng(out, o.out);
      G.dispose();
      D.dispose();
      const report = { out: o.out, size: S, model: modelDir, cluster, loss: res.loss[0], context: res.context[0], prior: res.prior[0], hole: mask.data.reduce((s, v) => s + v, 0) / (S * S) };
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else info(`complete: wrote ${o.out} (loss ${report.loss!.toFixed(3)})`);
    });
}
