# Proxy quality: style classifier (logreg on 16x16 pixels of real train images) + KID (poly kernel) on PCA-64 pixel features.
import sys, json, numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.decomposition import PCA
m = json.load(open("run-default/train32.json")); n = m["n"]; labels = np.array(m["labels"])
X = np.fromfile("run-default/train32.f32", dtype=np.float32).reshape(n, 32, 32, 3)
def feat(A): return A.reshape(-1, 16, 2, 16, 2, 3).mean((2, 4)).reshape(len(A), -1)
F = feat(X); pca = PCA(32, random_state=0).fit(F)
cls = LogisticRegression(max_iter=2000, C=1.0).fit(pca.transform(F), labels)
def kid(a, b):
    d = a.shape[1]; k = lambda x, y: (x @ y.T / d + 1) ** 3
    m_ = len(a); nb = len(b)
    kxx = k(a, a); kyy = k(b, b); kxy = k(a, b)
    return (kxx.sum() - np.trace(kxx)) / (m_*(m_-1)) + (kyy.sum() - np.trace(kyy)) / (nb*(nb-1)) - 2 * kxy.mean()
Fr = pca.transform(F); sc = Fr.std()
for f in sys.argv[1:]:
    S = np.fromfile(f, dtype=np.float32).reshape(-1, 32, 32, 3)
    Fs = pca.transform(feat(S))
    pr = cls.predict_proba(Fs); conf = pr.max(1).mean()
    hist = np.bincount(pr.argmax(1), minlength=6) / len(S)
    ent = -(hist[hist > 0] * np.log(hist[hist > 0])).sum() / np.log(6)
    # diversity: mean pairwise pixel distance over real's
    def mpd(A): A = A.reshape(len(A), -1)[:128]; d = np.sqrt(((A[:, None] - A[None]) ** 2).sum(-1)); return d[np.triu_indices(len(A), 1)].mean()
    print(f"{f}: KIDproxy {1000*kid(Fs/sc, Fr/sc):.1f}e-3  conf {conf:.2f}  coverage-entropy {ent:.2f}  classes {np.round(hist,2).tolist()}  div {mpd(S)/mpd(X):.2f}")
