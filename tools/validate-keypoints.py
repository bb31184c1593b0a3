#!/usr/bin/env python3
"""OpenCV side of tools/validate-keypoints.ts.

Reads <dir>/pairs.json written by the TypeScript script (8-bit PGM images and the known affine
transform from image a to image b), runs OpenCV's SIFT (and SURF when this OpenCV has the
non-free xfeatures2d module) on exactly the same pixels, matches with brute-force nearest
neighbour + Lowe's ratio test, counts a match correct when the a-keypoint mapped by the
transform lies within `tolerance` px of the b-keypoint, and writes <dir>/opencv.json.

Run with Debian's Python: /usr/bin/python3 tools/validate-keypoints.py <dir>
"""
import json
import sys
import time

import cv2
import numpy as np


def detectors():
    out = {"opencv-sift": lambda: cv2.SIFT_create()}
    try:
        cv2.xfeatures2d.SURF_create(100)  # raises when the non-free module is missing
        out["opencv-surf"] = lambda: cv2.xfeatures2d.SURF_create(100)
    except Exception:
        pass
    return out


def score(kpa, da, kpb, db, affine, ratio, tol):
    if da is None or db is None or len(kpb) < 2 or len(kpa) == 0:
        return 0, 0
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    knn = matcher.knnMatch(da.astype(np.float32), db.astype(np.float32), k=2)
    good = [m for m, n in (p for p in knn if len(p) == 2) if m.distance < ratio * n.distance]
    a, b, c, d, e, f = affine
    correct = 0
    for m in good:
        x, y = kpa[m.queryIdx].pt
        u, v = kpb[m.trainIdx].pt
        if np.hypot(a * x + b * y + c - u, d * x + e * y + f - v) <= tol:
            correct += 1
    return len(good), correct


def main():
    cv2.setNumThreads(1)  # one thread, like our single-threaded JavaScript; times are CPU seconds
    folder = sys.argv[1]
    with open(f"{folder}/pairs.json") as fh:
        spec = json.load(fh)
    ratio, tol = spec["ratio"], spec["tolerance"]
    results = []
    cache = {}
    for name, make in detectors().items():
        det = make()
        seconds = 0.0
        images = 0
        for pair in spec["pairs"]:
            feats = []
            for key in ("a", "b"):
                path = f"{folder}/{pair[key]}"
                if (name, path) not in cache:
                    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
                    if img is None:
                        raise SystemExit(f"validate-keypoints.py: cannot read {path}")
                    t = time.process_time()
                    cache[(name, path)] = det.detectAndCompute(img, None)
                    seconds += time.process_time() - t
                    images += 1
                feats.append(cache[(name, path)])
            (kpa, da), (kpb, db) = feats
            matches, correct = score(kpa, da, kpb, db, pair["transform"], ratio, tol)
            results.append({"method": name, "painting": pair["painting"], "transform": pair["name"],
                            "keypointsA": len(kpa), "keypointsB": len(kpb), "matches": matches, "correct": correct})
        results.append({"method": name, "timing": {"images": images, "seconds": seconds}})
    out = {"opencv": cv2.__version__, "surfAvailable": "opencv-surf" in detectors(), "results": results}
    with open(f"{folder}/opencv.json", "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
