/** One entry point for every mask type, driven by a small spec (what experiment configs store). */
import type { MaskConfig } from "../config/experiment.js";
import type { Mask } from "../data/image.js";
import type { Rng } from "../util/random.js";
import { randomBlocksMask } from "./blocks.js";
import { centerSquareMask } from "./center.js";
import { damageMask, DEFAULT_DAMAGE_FRACTION } from "./damage.js";
import { maskFromImage } from "./io.js";
import type { MaskSize } from "./raster.js";
import { strokeMask } from "./strokes.js";
import { MASK_TYPES, type MaskType } from "./types.js";

export { MASK_TYPES, type MaskType };

/**
 * What mask to make. Hole fractions produced (area, at any size):
 * - center: exactly `fraction` (default 0.25), to the pixel;
 * - blocks: `fraction` (default 0.25) within ~1 %;
 * - thick / medium / thin: NTIRE 2022 / LaMa distributions; means 0.26 / 0.22 / 0.26 with a wide spread
 *   (5-95 %: 0.04-0.48 / 0.025-0.38 / 0.075-0.45). With `fraction`, only masks within +-`fractionTolerance`
 *   of it are kept (rejection sampling; e.g. thin 0.1 or thick 0.4 work, anything outside the spread fails);
 * - cracks / scratches / lost-patches: `fraction` (defaults 0.05 / 0.03 / 0.15), overshoot at most one element
 *   (measured means 0.054 / 0.034 / 0.164);
 * - file: whatever the image holds (`file` required; white = missing).
 * `type`, `fraction` and `file` are the fields of a config's `study.masks` entry (../config/experiment.ts).
 */
export interface MaskSpec extends MaskConfig {
  /** For thick / medium / thin with `fraction`: accepted distance from it. Default 0.025. */
  fractionTolerance?: number;
}

/** The default hole fraction of a type, or null where the type decides it (strokes, file). */
export function defaultFraction(type: MaskType): number | null {
  switch (type) {
    case "center":
    case "blocks":
      return 0.25;
    case "cracks":
    case "scratches":
    case "lost-patches":
      return DEFAULT_DAMAGE_FRACTION[type];
    default:
      return null;
  }
}

/** Make a generated mask synchronously (every type except "file"). */
export function generateMask(spec: MaskSpec, size: MaskSize, rng: Rng): Mask {
  switch (spec.type) {
    case "center":
      return centerSquareMask(size, spec.fraction ?? 0.25);
    case "blocks":
      return randomBlocksMask(size, { fraction: spec.fraction ?? 0.25, rng });
    case "thick":
    case "medium":
    case "thin":
      if (spec.fraction !== undefined) {
        const tol = spec.fractionTolerance ?? 0.025;
        return strokeMask(size, { width: spec.type, rng, fractionRange: [spec.fraction - tol, spec.fraction + tol] });
      }
      return strokeMask(size, { width: spec.type, rng });
    case "cracks":
    case "scratches":
    case "lost-patches":
      return damageMask(size, { kind: spec.type, rng, fraction: spec.fraction });
    case "file":
      throw new Error('generateMask: type "file" reads an image; use makeMask (async) or maskFromImage');
    default:
      throw new Error(`unknown mask type "${String((spec as MaskSpec).type)}"; expected one of ${MASK_TYPES.join(", ")}`);
  }
}

/** Make any mask, including "file" (read, resized nearest, white = missing). Seeded by `rng`. */
export async function makeMask(spec: MaskSpec, size: MaskSize, rng: Rng): Promise<Mask> {
  if (spec.type === "file") {
    if (!spec.file) throw new Error('mask spec of type "file" needs a "file" path');
    return maskFromImage(spec.file, size);
  }
  return generateMask(spec, size, rng);
}
