/** Every image-quality number the study reports, on the whole image and on the hole. */
import type { ImageArray, Mask } from "../data/image.js";
import { l1 } from "./l1.js";
import { psnr } from "./psnr.js";
import { meanSsim, ssimMap } from "./ssim.js";

export interface MetricValues {
  /** PSNR over the whole image, dB (Infinity when identical). */
  psnr: number;
  /** SSIM over the whole image (skimage's cropped, channel-averaged mean). */
  ssim: number;
  /** Mean absolute error over the whole image. */
  l1: number;
  /** PSNR over the hole pixels only (null without a mask). */
  psnrHole: number | null;
  /** Mean of the SSIM map over the hole pixels (null without a mask). */
  ssimHole: number | null;
  /** Mean absolute error over the hole pixels (null without a mask). */
  l1Hole: number | null;
}

export interface AllMetricsOptions {
  /** The span of possible values: 1 for [0, 1] images (default), 2 for [-1, 1]. */
  dataRange?: number;
}

/**
 * All metrics for a completed image `b` against the ground truth `a` (values in [0, 1] unless
 * `dataRange` says otherwise). The SSIM map is computed once and reduced twice.
 */
export function allMetrics(a: ImageArray, b: ImageArray, mask?: Mask | null, opts: AllMetricsOptions = {}): MetricValues {
  const dataRange = opts.dataRange ?? 1;
  const map = ssimMap(a, b, { dataRange });
  const pad = 5; // radius of the 11-tap window at sigma 1.5
  const hasHole = mask != null && mask.data.some((v) => v !== 0);
  return {
    psnr: psnr(a, b, { dataRange }),
    ssim: meanSsim(map, undefined, pad),
    l1: l1(a, b),
    psnrHole: hasHole ? psnr(a, b, { mask: mask!, dataRange }) : null,
    ssimHole: hasHole ? meanSsim(map, mask!, pad) : null,
    l1Hole: hasHole ? l1(a, b, { mask: mask! }) : null,
  };
}
