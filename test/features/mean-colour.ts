/**
 * A test-only feature extractor: the mean colour of an image (3 numbers). Fast, and the synthetic
 * styles lie far apart in it, so clustering tests need no CNN.
 */
import type { ImageArray } from "../../lib/data/image.js";
import type { FeatureExtractor } from "../../lib/features/extractor.js";
import { registerExtractor } from "../../lib/features/registry.js";

export function meanColourExtractor(id: string, inputSize = 16): FeatureExtractor {
  return {
    id,
    options: {},
    inputSize,
    dim: () => 3,
    async extract(images: ImageArray[]) {
      return images.map((img) => {
        const f = new Float32Array(3);
        for (let p = 0; p < img.width * img.height; p++) for (let c = 0; c < 3; c++) f[c] += img.data[p * 3 + c]! / (img.width * img.height);
        return f;
      });
    },
    dispose() {},
  };
}

/** Registers `meanColourExtractor(id)` under `id` (config files and CLI flags can then name it). */
export function registerMeanColour(id: string): void {
  registerExtractor(id, { description: "test only", unavailable: () => null, create: async () => meanColourExtractor(id) });
}
