/**
 * `heritage train`: the general DCGAN on every image of a dataset, or one DCGAN per cluster of a
 * clustering (clusters.json from `heritage cluster`). A rerun with the same --out resumes.
 */
import type { Command } from "commander";
import path from "node:path";
import { loadClusterModel } from "../../cluster/model.js";
import { loadExperiment } from "../../config/experiment.js";
import { listDataset } from "../../data/dataset.js";
import { gitCommit } from "../../pipeline/record.js";
import { trainStage, type GanJob } from "../../pipeline/train-stage.js";
import { initBackend } from "../../runtime/backend.js";
import { info } from "../../util/log.js";

interface TrainCli {
  config: string;
  data: string;
  clusters?: string;
  general?: boolean;
  out?: string;
  workers?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("train")
    .description("train DCGANs: the general one on all images, or one per cluster with --clusters (resumes with the same --out)")
    .requiredOption("--config <file>", "experiment config (its gan section is used)")
    .requiredOption("--data <dir>", "dataset folder")
    .option("--clusters <file>", "clusters.json: train one GAN per cluster on its images")
    .option("--general", "with --clusters, also train the general GAN on all images")
    .option("--out <dir>", "output folder (default results/<config name>/gans)")
    .option("--workers <n>", "parallel training processes (0 = one per core or per GPU in HERITAGE_GPUS); overrides gan.workers")
    .option("--json", "print what was trained as JSON on stdout")
    .action(async (o: TrainCli) => {
      const cfg = await loadExperiment(o.config);
      if (o.workers !== undefined) {
        const w = Number(o.workers);
        if (!Number.isInteger(w) || w < 0) throw new Error(`--workers must be a whole number >= 0, got "${o.workers}"`);
        cfg.gan.workers = w;
      }
      await initBackend();
      const listing = await listDataset(o.data);
      const out = o.out ?? path.join("results", cfg.name, "gans");
      const jobs: GanJob[] = [];
      if (!o.clusters || o.general) {
        jobs.push({ name: "general", outDir: path.join(out, "general"), ids: listing.items.map((i) => i.id), cluster: null, k: 1, init: "scratch" });
      }
      if (o.clusters) {
        const model = await loadClusterModel(o.clusters);
        const known = new Set(listing.items.map((i) => i.id));
        const missing = model.ids.filter((id) => !known.has(id));
        if (missing.length) info(`train: ${missing.length} clustered images are not in ${o.data} (e.g. ${missing[0]}); they are left out`);
        for (let c = 0; c < model.k; c++) {
          const ids = model.ids.filter((id, i) => model.labels[i] === c && known.has(id));
          // gan.clusterInit "general": fine-tuned from the general GAN in <out>/general (trained first with --general)
          const start = cfg.gan.clusterInit === "general" ? { init: "general" as const, initFrom: path.join(out, "general") } : { init: "scratch" as const };
          jobs.push({ name: `cluster-${c}`, outDir: path.join(out, `cluster-${c}`), ids, cluster: c, k: model.k, ...start });
        }
      }
      const res = await trainStage(cfg, listing.items, jobs, { data: o.data, config: o.config, clusters: o.clusters ?? null, commit: gitCommit().commit });
      const rows = [...res.results].map(([name, r]) => ({ name, outDir: r.outDir, epochs: r.epochs, seconds: r.seconds, warnings: r.warnings }));
      const untrained = jobs.filter((j) => !res.results.has(j.name));
      if (rows.length === 0) {
        // exit non-zero: nothing was trained, and saying so in a log line only would read as success
        const what = untrained.map((j) => `${j.name} (${j.ids.length} listed)`).join(", ");
        throw new Error(
          `nothing was trained: a GAN needs at least 2 images that decode, and ${what || "no job"} had fewer in ${o.data}` +
            ` (${listing.items.length} image(s) listed). Add images, or check the files named above`,
        );
      }
      if (untrained.length) info(`train: ${untrained.length} of ${jobs.length} GAN(s) not trained (fewer than 2 images): ${untrained.map((j) => j.name).join(", ")}`);
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      for (const r of rows) info(`${r.name}: ${r.epochs} epochs, ${r.seconds.toFixed(0)} s -> ${r.outDir}`);
    });
}
