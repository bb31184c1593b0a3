// Export the default job's 32px training images as float32 [-1,1] NHWC raw + json meta.
import { loadExperiment } from "../dist/lib/config/experiment.js";
import { dataStage } from "../dist/lib/pipeline/data-stage.js";
import { loadImages } from "../dist/lib/data/load.js";
import { writeFileSync, mkdirSync } from "node:fs";
const cfg = await loadExperiment(process.argv[2] ?? "experiments/default.json");
const runDir = "scratch/run-" + cfg.name; mkdirSync(runDir, { recursive: true });
const d = await dataStage(cfg, runDir);
const S = 32;
const l = await loadImages(d.train, { size: S });
const n = l.images.length; const buf = new Float32Array(n * S * S * 3);
l.images.forEach((im, i) => buf.set(im.data, i * S * S * 3));
writeFileSync(runDir + "/train32.f32", Buffer.from(buf.buffer));
writeFileSync(runDir + "/train32.json", JSON.stringify({ n, S, labels: l.items.map((i) => i.label) }));
console.log(n, d.test.length);
