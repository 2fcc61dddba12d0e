"""Leave-one-mailbox-out reading of a long-text stage on real_long.py's windows (experiment helper).

    PYTHONPATH=. .venv/bin/python models/experiments/stacker/cv_real.py /tmp/stacker/real_long.npz
"""
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from analyzer.signals.labels import LABELS
d=np.load(__import__("sys").argv[1]); X,G,B=d["X"],d["gold"],d["box"]
L=13; found=X[:,2*L:3*L]>0
def f1(y,p):
    tp=(y&p).sum(); return 2*tp/max(1,(2*tp+(y&~p).sum()+(~y&p).sum()))
P=np.zeros_like(G, dtype=float)
for b in np.unique(B):
    tr, te = B!=b, B==b
    for j in range(L-1):
        m=HistGradientBoostingClassifier(max_depth=3, max_iter=100, learning_rate=0.05, min_samples_leaf=10, l2_regularization=1.0, random_state=0)
        m.fit(X[tr], G[tr,j]); P[te,j]=m.predict_proba(X[te])[:,1]
for t in (0.3,0.4,0.5):
    res={l: (round(f1(G[:,j].astype(bool), found[:,j]),2), round(f1(G[:,j].astype(bool), P[:,j]>=t),2)) for j,l in enumerate(LABELS[:-1])}
    print(t, "macro comb", round(np.mean([v[0] for v in res.values()]),3), "stage", round(np.mean([v[1] for v in res.values()]),3))
print(res)
