/**
 * heritage-inpaint as a library: one namespace per pipeline stage. Deep imports
 * (`heritage-inpaint/cluster/kmeans`) reach every module; notebooks import `../dist/lib/...`.
 */
export * as backend from "./runtime/backend.js";
export * as config from "./config/experiment.js";
export * as dataset from "./data/dataset.js";
export * as load from "./data/load.js";
export * as synth from "./data/synth/index.js";
export * as harvest from "./harvest/index.js";
export * as features from "./features/registry.js";
export * as kmeans from "./cluster/kmeans.js";
export * as clusterMetrics from "./cluster/metrics.js";
export * as dcgan from "./gan/dcgan.js";
export * as train from "./gan/train.js";
export * as masks from "./masks/index.js";
export * as metrics from "./metrics/index.js";
export * as semantic from "./inpaint/semantic.js";
export * as poisson from "./inpaint/poisson.js";
export * as classic from "./inpaint/telea.js";
export * as pipeline from "./pipeline/run.js";
