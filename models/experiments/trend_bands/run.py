"""Development reading (training mail only; fifty-second session, models/depth/HISTORY.md): the
out-of-fold quarterly slopes of the shipped depth model's hand-written training clients, rebuilt from
models/depth/training_features.csv.gz with the build's own cross-validation, and the trend calls that
separate bands per direction would make.

    PYTHONPATH=. .venv/bin/python models/experiments/trend_bands/run.py

Writes build/trend_slopes.csv and prints, per band pair, the moving clients called right and the share
of steady clients called steady (the shipped symmetric band first)."""
import json
from pathlib import Path
import numpy as np, pandas as pd
from analyzer.depth.features import FEATURE_NAMES
from analyzer.depth.model import DepthModel
from analyzer.depth.trend import score_slopes
from training.depth.selection import cross_validate
from training.depth.rows import is_independent

T = pd.read_csv("models/depth/training_features.csv.gz", keep_default_na=True)
T["period"] = T["period"].fillna("").astype(str)
T["trend"] = T["trend"].fillna("")
m = json.load(open("models/depth/metrics.json"))
mod, data = m["model"], m["data"]
boxes = []
for box, g in T.groupby("box", sort=False):
    c = g[g["kind"] == "client"].set_index("client")
    p = g[g["kind"] == "period"].set_index(["client", "period"])
    boxes.append({"box": box, "F": c[list(FEATURE_NAMES)], "P": p[list(FEATURE_NAMES)],
                  "truth": c[["target", "trend"]].rename(columns={"target": "depth"}),
                  "weight": float(c["weight"].iloc[0]) if len(c) else 1.0})
params = {"alpha": mod["alpha"], "prior_messages": mod["prior_messages"], "generated_weight": data["generated_weight"],
          "log_counts": mod["log_counts"], "backed_praise": mod["fit_backed_praise"], "people": tuple(mod["people"]),
          "people_scope": mod["people_scope"], "quarterly_splits": data["quarterly_splits"],
          "praise_backing": mod["praise_backing"], "praise_share": mod["praise_share"]}
cv = cross_validate(T, boxes, params)
rows = []
for name, b, per, overall in cv["trend_rows"]:
    dm = DepthModel(period_prior=mod["period_prior"], trend_band=mod["trend_band"], period_target=mod["period_target"])
    sp = dm.shrink_periods(per, overall)
    sl = score_slopes(sp)
    nq = sp.groupby(level="client").size()
    last_n = sp.groupby(level="client")["n_messages"].last()
    for client, s in sl.items():
        if client in b["truth"].index:
            rows.append({"box": name, "client": client, "truth": b["truth"].loc[client, "trend"], "slope": s,
                         "quarters": int(nq.get(client, 0)), "last_n": float(last_n.get(client, np.nan))})
df = pd.DataFrame(rows)
Path("build").mkdir(exist_ok=True)
df.to_csv("build/trend_slopes.csv", index=False)
ind = df[is_independent(df["box"])]
print(ind.groupby("truth")["slope"].describe())
st, co, de = (ind.loc[ind["truth"] == t, "slope"] for t in ("steady", "cooling", "deepening"))
print(f"steady slopes: median {st.median():.2f}, 2nd and 98th percentiles {st.quantile(.02):.2f} {st.quantile(.98):.2f}")
for lo, hi in [(mod["trend_band"], mod["trend_band"])] + [(lo, hi) for lo in (2.25, 2.5, 2.75, 3.0) for hi in (1.75, 2.0, 2.25)]:
    movers = int((co < -lo).sum() + (de > hi).sum())
    steady = float(((st >= -lo) & (st <= hi)).mean())
    print(f"cooling band {lo:.2f}, deepening band {hi:.2f}: movers right {movers} of {len(co) + len(de)}, steady {steady:.3f}")
