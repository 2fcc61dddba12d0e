"""Development reading (training mail only; fifty-second session): how often a run without a config
splits one designed client into several found clients. Reads the mail of :mod:`no_config`; whether
the parts share threads or a surname is ``pairs.py``'s reading.

    PYTHONPATH=. .venv/bin/python models/experiments/split_clients/run.py

Writes build/split_clients.csv (one row per designed client with two or more keys) and
build/merged_clients.csv (found clients that hold two or more designed clients) and prints a summary."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from no_config import no_config_runs

from training.depth.independent import truth_keys

rows, merged = [], []
for name, m, truth in no_config_runs(columns=["client", "client_domain", "from_address"]):
    owner = {k: t["client"] for _, t in truth.iterrows() for k in truth_keys(t)}
    for client, g in m[m["client"].notna()].groupby("client"):
        keys = set(g["client_domain"].dropna().str.lower()) | set(g["from_address"].dropna().str.lower())
        designed = sorted({owner[k] for k in keys if k in owner})
        if len(designed) > 1:  # one found client holding two designed ones: a false join
            merged.append({"box": name, "client": client, "designed": ";".join(designed)})
    for _, t in truth.iterrows():
        keys = truth_keys(t)
        if len(keys) < 2:
            continue
        found = set()
        for k in keys:
            hit = m[(m["client_domain"].str.lower() == k) | (m["from_address"].str.lower() == k)]["client"].dropna()
            found |= set(hit)
        rows.append({"box": name, "client": t["client"], "keys": len(keys),
                     "free_mail": bool(t["addresses"].strip()), "found_clients": len(found),
                     "depth": t["depth"], "n_messages": t["n_messages"]})
df = pd.DataFrame(rows)
Path("build").mkdir(exist_ok=True)
df.to_csv("build/split_clients.csv", index=False)
pd.DataFrame(merged, columns=["box", "client", "designed"]).to_csv("build/merged_clients.csv", index=False)
print(f"designed clients with two or more keys: {len(df)}; found as one: {(df.found_clients == 1).sum()}; "
      f"split: {(df.found_clients > 1).sum()} (free mail {(df.free_mail & (df.found_clients > 1)).sum()}); "
      f"found clients holding two or more designed clients: {len(merged)}")
