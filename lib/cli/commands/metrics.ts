/** `heritage metrics A B [--mask M] [--json]`: PSNR, SSIM and L1 of image B against image A, whole and on the hole. */
import type { Command } from "commander";
import { maskFraction, maskFromImage } from "../../masks/index.js";
import { allMetrics, loadImageUnit } from "../../metrics/index.js";
import { warn } from "../../util/log.js";

interface MetricsCliOptions {
  mask?: string;
  json?: boolean;
}

function fmt(v: number | null, digits: number): string {
  if (v === null) return "-";
  if (v === Infinity) return "inf";
  return v.toFixed(digits);
}

/**
 * JSON of a metrics result that keeps "identical" and "not measured" apart: JSON.stringify would
 * write both an infinite PSNR (identical pixels) and a missing hole metric as null, so infinities
 * become the strings "Infinity" / "-Infinity" and null keeps meaning "no hole". Parse back with
 * `Number(v)` (Number("Infinity") is Infinity).
 */
export function metricsJson(result: object): string {
  return JSON.stringify(result, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) && !Number.isNaN(v) ? (v > 0 ? "Infinity" : "-Infinity") : v));
}

export function register(program: Command): void {
  program
    .command("metrics")
    .description(
      "Compare image B (e.g. a completion) with image A (the ground truth): PSNR (dB), SSIM (Gaussian 11x11, sigma 1.5, as scikit-image) and L1, on the whole image and, with --mask, on the hole. Values are computed on 8-bit sRGB scaled to [0, 1].",
    )
    .argument("<a>", "reference image file (ground truth)")
    .argument("<b>", "image file to score (same width and height as A)")
    .option("--mask <file>", "mask image, white = missing (threshold 0.5; resized nearest to A's size if it differs)")
    .option(
      "--json",
      'print one JSON object on stdout instead of a table: PSNR of identical pixels is the string "Infinity" ' +
        "(JSON has no infinite number); hole metrics are null when there is no hole (no --mask, or a mask without white)",
    )
    .action(async (aFile: string, bFile: string, opts: MetricsCliOptions) => {
      const [a, b] = await Promise.all([loadImageUnit(aFile), loadImageUnit(bFile)]);
      if (a.width !== b.width || a.height !== b.height) {
        throw new Error(`${bFile} is ${b.width}x${b.height} but ${aFile} is ${a.width}x${a.height}; metrics need the same size`);
      }
      let mask = null;
      if (opts.mask) {
        mask = await maskFromImage(opts.mask, { width: a.width, height: a.height });
        if (maskFraction(mask) === 0) warn(`${opts.mask} has no white (missing) pixels; hole metrics are not reported`);
      }
      const m = allMetrics(a, b, mask);
      const result = {
        a: aFile,
        b: bFile,
        mask: opts.mask ?? null,
        width: a.width,
        height: a.height,
        holeFraction: mask ? maskFraction(mask) : null,
        ...m,
      };
      if (opts.json) {
        process.stdout.write(metricsJson(result) + "\n");
        return;
      }
      const lines = [
        `A: ${aFile}`,
        `B: ${bFile}  (${a.width}x${a.height})`,
        mask ? `mask: ${opts.mask}  (hole ${(100 * result.holeFraction!).toFixed(1)} %)` : "mask: none",
        "",
        "          whole     hole",
        `PSNR dB  ${fmt(m.psnr, 3).padStart(7)}  ${fmt(m.psnrHole, 3).padStart(7)}`,
        `SSIM     ${fmt(m.ssim, 4).padStart(7)}  ${fmt(m.ssimHole, 4).padStart(7)}`,
        `L1       ${fmt(m.l1, 4).padStart(7)}  ${fmt(m.l1Hole, 4).padStart(7)}`,
      ];
      process.stdout.write(lines.join("\n") + "\n");
    });
}
