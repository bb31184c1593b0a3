import assert from "node:assert/strict";
import { test } from "node:test";
import { quantize8 } from "../../../lib/features/keypoints/gray.js";
import { boxSum, boxSumF, integralImage } from "../../../lib/features/keypoints/integral-image.js";
import { matchDescriptors, scoreMatches } from "../../../lib/features/keypoints/matching.js";
import { surf, SURF_DIM } from "../../../lib/features/keypoints/surf.js";
import type { GrayImage } from "../../../lib/features/keypoints/types.js";
import { transformImage, type TransformSpec } from "../../../lib/features/keypoints/warp.js";
import { loadTestPainting } from "./real-painting.js";
import { BLOB_IMAGE, blobImage, texturedImage } from "./synthetic-images.js";

function selfMatch(img: GrayImage, spec: TransformSpec) {
  const { image, transform } = transformImage(img, spec);
  const a = surf(img);
  const b = surf(quantize8(image));
  return scoreMatches(matchDescriptors(a, b, { ratio: 0.8 }), a.keypoints, b.keypoints, transform, 3);
}

test("integral image box sums equal direct sums, also at fractional edges", () => {
  const img = texturedImage(40, 30, 5);
  const ii = integralImage(img);
  let direct = 0;
  for (let y = 3; y < 17; y++) for (let x = 5; x < 21; x++) direct += img.data[y * 40 + x]!;
  assert.ok(Math.abs(boxSum(ii, 5, 3, 21, 17) - direct) < 1e-9);
  assert.ok(Math.abs(boxSumF(ii, 5, 3, 21, 17) - direct) < 1e-9);
  // Half of column 4 and half of row 17 join the box.
  let frac = direct;
  for (let y = 3; y < 17; y++) frac += 0.5 * img.data[y * 40 + 4]!;
  for (let x = 5; x < 21; x++) frac += 0.5 * img.data[17 * 40 + x]!;
  frac += 0.25 * img.data[17 * 40 + 4]!;
  assert.ok(Math.abs(boxSumF(ii, 4.5, 3, 21, 17.5) - frac) < 1e-9);
  // Outside the image counts as zero.
  assert.ok(Math.abs(boxSum(ii, -5, -5, 45, 35) - boxSum(ii, 0, 0, 40, 30)) < 1e-9);
});

test("SURF finds each Gaussian blob at its centre with size proportional to the blob", () => {
  const { keypoints } = surf(blobImage());
  for (const blob of BLOB_IMAGE.blobs) {
    const near = keypoints.filter((k) => Math.hypot(k.x - blob.x, k.y - blob.y) < 1);
    assert.ok(near.length >= 1, `no SURF keypoint on blob sigma=${blob.sigma}`);
    const k = near[0]!;
    assert.ok(Math.hypot(k.x - blob.x, k.y - blob.y) < 0.2, `blob ${blob.sigma}: centre (${k.x}, ${k.y})`);
    // The area-normalised 9x9 box Dxx of OpenCV/Bay peaks on a Gaussian blob of sigma_b at filter
    // size L = 5.37 sigma_b (integrating the box lobes against the blob in closed form), not at the
    // nominal 7.5 sigma_b of the "9 <-> sigma 1.2" convention; with filter sizes sampled every 6 px
    // and quadratic interpolation we accept 15%.
    const expected = 5.37 * blob.sigma;
    assert.ok(Math.abs(k.size / expected - 1) < 0.15, `blob ${blob.sigma}: size ${k.size} vs ${expected}`);
  }
});

test("SURF descriptors are 64-d and unit-norm", () => {
  const f = surf(texturedImage(256, 192, 1));
  assert.equal(f.dim, SURF_DIM);
  assert.equal(SURF_DIM, 64);
  assert.ok(f.keypoints.length > 50, `only ${f.keypoints.length} keypoints`);
  assert.equal(f.descriptors.length, f.keypoints.length * 64);
  for (let i = 0; i < f.keypoints.length; i++) {
    const row = f.descriptors.subarray(i * 64, (i + 1) * 64);
    let n2 = 0;
    for (const v of row) n2 += v * v;
    assert.ok(Math.abs(Math.sqrt(n2) - 1) < 1e-5, `descriptor ${i} has norm ${Math.sqrt(n2)}`);
    // |dx| and |dy| sums bound the signed sums.
    for (let c = 0; c < 16; c++) {
      assert.ok(row[c * 4 + 2]! >= Math.abs(row[c * 4]!) - 1e-6 && row[c * 4 + 3]! >= Math.abs(row[c * 4 + 1]!) - 1e-6);
    }
  }
  const capped = surf(texturedImage(256, 192, 1), { maxKeypoints: 25 });
  assert.ok(capped.keypoints.length <= 25 && capped.keypoints.length >= 20);
});

// Thresholds: on this image we measured precision 1.00 with 190 correct (rot90) and 0.86 with 55
// correct (scale 0.5). On real paintings (tools/validate-keypoints) our SURF reaches ~0.99 (rot90)
// and ~0.75 (scale 0.5), below SIFT's 0.93 there; the bounds catch regressions, not noise.
test("SURF matches a textured image to itself rotated by 90 degrees and halved", () => {
  const img = texturedImage(256, 256, 3);
  const rot = selfMatch(img, { name: "rot90", angle: 90, scale: 1 });
  assert.ok(rot.precision > 0.95 && rot.correct > 100, `rot90: ${JSON.stringify(rot)}`);
  const half = selfMatch(img, { name: "scale0.5", angle: 0, scale: 0.5 });
  assert.ok(half.precision > 0.7 && half.correct > 30, `scale0.5: ${JSON.stringify(half)}`);
});

test("SURF matches a real painting to itself rotated and halved", async (t) => {
  const got = await loadTestPainting(256);
  if ("skip" in got) {
    t.skip(got.skip);
    return;
  }
  const { image: img, file } = got;
  const rot = selfMatch(img, { name: "rot90", angle: 90, scale: 1 });
  const half = selfMatch(img, { name: "scale0.5", angle: 0, scale: 0.5 });
  t.diagnostic(`${file}: rot90 ${JSON.stringify(rot)}, scale0.5 ${JSON.stringify(half)}`);
  assert.ok(rot.precision > 0.95 && rot.correct > 100, `rot90: ${JSON.stringify(rot)}`);
  assert.ok(half.precision > 0.5 && half.correct > 15, `scale0.5: ${JSON.stringify(half)}`);
});

test("SURF on flat, tiny and thin images returns no keypoints instead of failing", () => {
  const flat = { width: 64, height: 48, data: new Float32Array(64 * 48).fill(0.5) };
  for (const img of [flat, texturedImage(10, 10, 1), texturedImage(200, 12, 1), texturedImage(27, 27, 1)]) {
    const f = surf(img);
    assert.equal(f.descriptors.length, f.keypoints.length * 64);
    if (img === flat) assert.equal(f.keypoints.length, 0);
  }
});
