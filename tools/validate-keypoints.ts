/**
 * Validate our SIFT and SURF against OpenCV's SIFT on real paintings (issue 4).
 *
 * Protocol: for M paintings (seeded choice from the shared paintings, longer side resized to
 * --size, 8-bit gray), apply known rotations and scalings (lib/features/keypoints/warp.ts,
 * STANDARD_TRANSFORMS); detect + describe on the original and the transformed image; match by
 * brute-force nearest neighbour with Lowe's ratio test (0.8); a match is correct when the original
 * keypoint, mapped by the known transform, lies within 3 px of its match. Reported per transform
 * and method: precision = correct / matches (pooled over paintings) and mean correct matches per
 * painting. OpenCV runs on exactly the same 8-bit pixels (tools/validate-keypoints.py, Debian's
 * /usr/bin/python3 with python3-opencv). SURF is non-free in OpenCV; when it is absent our SURF is
 * compared with the SIFTs only.
 *
 * Build and run:
 *   npx tsc -p tsconfig.json (the main build)
 *   node dist/tools/validate-keypoints.js --paintings 20 [--json out.json]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { parseCsvRecords } from "../lib/data/csv.js";
import { quantize8 } from "../lib/features/keypoints/gray.js";
import { matchDescriptors, scoreMatches } from "../lib/features/keypoints/matching.js";
import { sift } from "../lib/features/keypoints/sift.js";
import { surf } from "../lib/features/keypoints/surf.js";
import type { GrayImage, KeypointFeatures } from "../lib/features/keypoints/types.js";
import { STANDARD_TRANSFORMS, transformImage, type Affine } from "../lib/features/keypoints/warp.js";
import { writeJsonAtomic } from "../lib/util/fs.js";
import { info } from "../lib/util/log.js";
import { projectRoot, sharedPaintingsDir } from "../lib/util/paths.js";
import { progress } from "../lib/util/progress.js";
import { createRng, shuffled } from "../lib/util/random.js";

const { values: args } = parseArgs({
  options: {
    paintings: { type: "string", default: "20" },
    size: { type: "string", default: "384" },
    seed: { type: "string", default: "0" },
    ratio: { type: "string", default: "0.8" },
    tolerance: { type: "string", default: "3" },
    python: { type: "string", default: "/usr/bin/python3" },
    json: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(
    [
      "validate-keypoints: our SIFT/SURF beside OpenCV SIFT under known rotations and scalings",
      "  --paintings N   paintings to use (default 20)",
      "  --size PX       longer side after resizing (default 384)",
      "  --seed S        seed for choosing paintings (default 0)",
      "  --ratio R       Lowe ratio for matches (default 0.8)",
      "  --tolerance PX  max reprojection error of a correct match (default 3)",
      "  --python PATH   Python with OpenCV (default /usr/bin/python3)",
      "  --json FILE     also write all numbers as JSON",
      "  --keep          keep the temporary folder with the PGM images",
      "",
    ].join("\n"),
  );
  process.exit(0);
}
const M = Number(args.paintings);
const size = Number(args.size);
const ratio = Number(args.ratio);
const tolerance = Number(args.tolerance);

const dir = sharedPaintingsDir();
if (!dir) throw new Error("validate-keypoints: no shared paintings (set HERITAGE_PAINTINGS to a folder with manifest.csv)");
const manifest = parseCsvRecords(readFileSync(path.join(dir, "manifest.csv"), "utf8")).records;
const chosen = shuffled(manifest, createRng(Number(args.seed))).slice(0, M);

async function loadGray(file: string): Promise<GrayImage> {
  const { data, info: meta } = await sharp(file)
    .greyscale()
    .resize(size, size, { fit: "inside" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (meta.channels !== 1) throw new Error(`${file}: expected 1 channel after greyscale(), got ${meta.channels}`);
  return { width: meta.width, height: meta.height, data: Float32Array.from(data, (v) => v / 255) };
}

function writePgm(file: string, img: GrayImage): void {
  const header = Buffer.from(`P5\n${img.width} ${img.height}\n255\n`, "ascii");
  const body = Buffer.from(Uint8Array.from(img.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)));
  writeFileSync(file, Buffer.concat([header, body]));
}

interface Row {
  method: string;
  painting: string;
  transform: string;
  keypointsA: number;
  keypointsB: number;
  matches: number;
  correct: number;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "heritage-kp-validate-"));
const pairs: Array<{ painting: string; name: string; a: string; b: string; transform: Affine }> = [];
const rows: Row[] = [];
const ours: Record<string, (g: GrayImage) => KeypointFeatures> = { "ours-sift": (g) => sift(g), "ours-surf": (g) => surf(g) };
const timing: Record<string, { images: number; seconds: number }> = {};
const bar = progress("validate-keypoints", chosen.length);
for (const [pi, rec] of chosen.entries()) {
  const original = quantize8(await loadGray(path.join(dir, rec.file!)));
  const aName = `p${pi}.pgm`;
  writePgm(path.join(tmp, aName), original);
  const featsA: Record<string, KeypointFeatures> = {};
  const timed = (method: string, g: GrayImage): KeypointFeatures => {
    const t = process.cpuUsage();
    const f = ours[method]!(g);
    const used = process.cpuUsage(t);
    const s = (used.user + used.system) / 1e6;
    timing[method] ??= { images: 0, seconds: 0 };
    timing[method]!.images++;
    timing[method]!.seconds += s;
    return f;
  };
  for (const method of Object.keys(ours)) featsA[method] = timed(method, original);
  for (const spec of STANDARD_TRANSFORMS) {
    const { image, transform } = transformImage(original, spec);
    const warped = quantize8(image);
    const bName = `p${pi}-${spec.name}.pgm`;
    writePgm(path.join(tmp, bName), warped);
    pairs.push({ painting: rec.file!, name: spec.name, a: aName, b: bName, transform });
    for (const method of Object.keys(ours)) {
      const fa = featsA[method]!;
      const fb = timed(method, warped);
      const score = scoreMatches(matchDescriptors(fa, fb, { ratio }), fa.keypoints, fb.keypoints, transform, tolerance);
      rows.push({ method, painting: rec.file!, transform: spec.name, keypointsA: fa.keypoints.length, keypointsB: fb.keypoints.length, matches: score.matches, correct: score.correct });
    }
  }
  bar.tick(1, rec.file);
}
bar.stop();

writeFileSync(path.join(tmp, "pairs.json"), JSON.stringify({ ratio, tolerance, pairs }));
const script = path.join(projectRoot(), "tools", "validate-keypoints.py");
const py = spawnSync(args.python!, [script, tmp], { stdio: ["ignore", "inherit", "inherit"] });
let opencvVersion = "unavailable";
let surfAvailable = false;
if (py.status === 0) {
  const cv = JSON.parse(readFileSync(path.join(tmp, "opencv.json"), "utf8")) as {
    opencv: string;
    surfAvailable: boolean;
    results: Array<Row & { timing?: { images: number; seconds: number } }>;
  };
  opencvVersion = cv.opencv;
  surfAvailable = cv.surfAvailable;
  for (const r of cv.results) {
    if (r.timing) timing[r.method] = r.timing;
    else rows.push(r);
  }
} else {
  info(`validate-keypoints: the OpenCV side failed (exit ${py.status}); only our methods are reported`);
}
if (args.keep) info(`validate-keypoints: images kept in ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });

// Summaries per transform x method.
const methods = [...new Set(rows.map((r) => r.method))].sort();
const summary = STANDARD_TRANSFORMS.map((spec) => {
  const cells: Record<string, { precision: number; correctPerPainting: number; matchesPerPainting: number; keypoints: number }> = {};
  for (const m of methods) {
    const rs = rows.filter((r) => r.method === m && r.transform === spec.name);
    const matches = rs.reduce((s, r) => s + r.matches, 0);
    const correct = rs.reduce((s, r) => s + r.correct, 0);
    cells[m] = {
      precision: matches ? correct / matches : 0,
      correctPerPainting: rs.length ? correct / rs.length : 0,
      matchesPerPainting: rs.length ? matches / rs.length : 0,
      keypoints: rs.length ? rs.reduce((s, r) => s + r.keypointsA, 0) / rs.length : 0,
    };
  }
  return { transform: spec.name, cells };
});

const lines: string[] = [];
lines.push(`Keypoint matching under known transforms: ${chosen.length} paintings (seed ${args.seed}), longer side ${size} px, 8-bit gray;`);
lines.push(`NN + ratio ${ratio}, correct if within ${tolerance} px. OpenCV ${opencvVersion}${surfAvailable ? "" : " (no SURF: non-free module absent)"}.`);
lines.push("Cells: precision (correct / matches, pooled) | mean correct matches per painting.");
lines.push("");
lines.push(`| transform | ${methods.join(" | ")} |`);
lines.push(`|---|${methods.map(() => "---").join("|")}|`);
for (const s of summary) {
  lines.push(`| ${s.transform} | ${methods.map((m) => `${(s.cells[m]!.precision * 100).toFixed(1)}% / ${s.cells[m]!.correctPerPainting.toFixed(0)}`).join(" | ")} |`);
}
lines.push("");
lines.push(`Keypoints per original image (mean): ${methods.map((m) => `${m} ${summary[0]!.cells[m]!.keypoints.toFixed(0)}`).join(", ")}.`);
lines.push(`Detect + describe CPU time per image, one thread (mean over originals and transformed): ${Object.entries(timing).map(([m, t]) => `${m} ${((t.seconds / t.images) * 1000).toFixed(0)} ms`).join(", ")}.`);
process.stdout.write(lines.join("\n") + "\n");
if (args.json) await writeJsonAtomic(args.json, { paintings: chosen.map((r) => r.file), size, ratio, tolerance, opencv: opencvVersion, surfAvailable, timing, summary, rows });
