/** Image-quality metrics (PSNR, SSIM, L1; whole image and hole), matched to scikit-image. */
export { psnr, mse, type PsnrOptions } from "./psnr.js";
export { ssim, ssimMap, meanSsim, type SsimOptions, type SsimMap } from "./ssim.js";
export { l1, type L1Options } from "./l1.js";
export { allMetrics, type MetricValues, type AllMetricsOptions } from "./all.js";
export { gaussianKernel1d, filterSeparable, reflectIndex } from "./gaussian.js";
export { loadImageUnit } from "./io.js";
