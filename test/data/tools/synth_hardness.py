"""How hard is a synthetic dataset for clustering? (a measurement, not a test)

Usage: /usr/bin/python3 test/data/tools/synth_hardness.py DATASET_DIR
       (DATASET_DIR from `heritage data synth`, or any folder with manifest.csv)

Prints, for two simple global features (per-channel mean+sd; 4x4x4 colour histogram), the adjusted
Rand index of k-means (K = number of labels, 3 seeds) against the labels, and the 5-fold accuracy of
a logistic regression. Needs Debian's python3-sklearn and python3-pil.
"""
import csv
import sys

import numpy as np
from PIL import Image
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler

d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/manifest.csv")))
X = np.stack([np.asarray(Image.open(d + "/" + r["file"]).convert("RGB"), dtype=np.float32) / 255 for r in rows])
y = np.array([r["label"] for r in rows])
k = len(set(y))


def hist(im):
    h, _ = np.histogramdd(im.reshape(-1, 3), bins=(4, 4, 4), range=[(0, 1)] * 3)
    return h.ravel() / h.sum()


feats = {
    "mean+sd": np.stack([np.concatenate([im.mean((0, 1)), im.std((0, 1))]) for im in X]),
    "hist4x4x4": np.stack([hist(im) for im in X]),
}
print(f"{len(X)} images, {k} labels")
for name, F in feats.items():
    aris = [adjusted_rand_score(y, KMeans(k, n_init=10, random_state=s).fit_predict(F)) for s in range(3)]
    acc = cross_val_score(LogisticRegression(max_iter=5000), StandardScaler().fit_transform(F), y, cv=5).mean()
    print(f"{name:10s} k-means ARI {np.round(aris, 3).tolist()}  logistic regression 5-fold accuracy {acc:.3f}")
