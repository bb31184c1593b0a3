/** The real painting the keypoint tests use (from the shared paintings), as 8-bit gray in [0, 1]. */
import { existsSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { GrayImage } from "../../../lib/features/keypoints/types.js";
import { sharedPaintingsDir } from "../../../lib/util/paths.js";

/**
 * The thresholds in the tests were measured on this painting (a village scene, many corners), so
 * it is pinned rather than "the first in the manifest": precision under a 0.5 scaling ranges from
 * 0.52 to 0.99 over paintings, for OpenCV's SIFT as for ours.
 */
export const TEST_PAINTING = "Impressionism/adam-baltatu_houses-in-bretania-1.jpg";

/** The test painting resized to `side` px on its longer side, or a reason why it is not available. */
export async function loadTestPainting(side = 256): Promise<{ image: GrayImage; file: string } | { skip: string }> {
  const dir = sharedPaintingsDir();
  if (!dir) return { skip: "no shared paintings (../shared/paintings or HERITAGE_PAINTINGS): real-painting check skipped" };
  const file = path.join(dir, TEST_PAINTING);
  if (!existsSync(file)) return { skip: `${file} is not there: real-painting check skipped` };
  const { data, info } = await sharp(file).greyscale().resize(side, side, { fit: "inside" }).raw().toBuffer({ resolveWithObject: true });
  return { image: { width: info.width, height: info.height, data: Float32Array.from(data, (v) => v / 255) }, file: TEST_PAINTING };
}
