/**
 * The study's cases: every held-out painting damaged with every configured mask, deterministically
 * (the mask of image i and mask spec j is drawn from a generator seeded by (seed, i, j), so adding
 * images or masks never changes the others).
 */
import type { DatasetItem } from "../data/dataset.js";
import type { ImageArray, Mask } from "../data/image.js";
import { makeMask, type MaskSpec } from "../masks/index.js";
import { createRng } from "../util/random.js";

export interface StudyCase {
  /** `<image id>|<mask name>` (stable key for journals and file names). */
  key: string;
  item: DatasetItem;
  /** Mask name: its type, with the fraction when given ("center-0.25"). */
  maskName: string;
  /** The undamaged image at the GAN's side, values in [-1, 1]. */
  image: ImageArray;
  /** 1 = missing, same side as `image`. */
  mask: Mask;
}

export function maskName(spec: MaskSpec): string {
  return spec.fraction !== undefined ? `${spec.type}-${spec.fraction}` : spec.type;
}

export async function buildCases(
  items: readonly DatasetItem[],
  images: readonly ImageArray[],
  specs: readonly MaskSpec[],
  seed: number,
): Promise<StudyCase[]> {
  const cases: StudyCase[] = [];
  for (let i = 0; i < items.length; i++) {
    const image = images[i]!;
    for (let j = 0; j < specs.length; j++) {
      const rng = createRng((seed * 7919 + i * 104_729 + j * 1_299_709) >>> 0);
      const mask = await makeMask(specs[j]!, { width: image.width, height: image.height }, rng);
      const name = maskName(specs[j]!);
      cases.push({ key: `${items[i]!.id}|${name}`, item: items[i]!, maskName: name, image, mask });
    }
  }
  return cases;
}
