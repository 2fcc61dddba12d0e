"""Development reading (training mail only; fifty-second session): how often a run without a config
splits one designed client into several found clients, and whether those parts share threads or a
surname. Reads the hand-written training and judge mailboxes (never a test split) through the real
ingest, no config, as the depth build does.

    PYTHONPATH=. .venv/bin/python models/experiments/split_clients/run.py

Writes build/split_clients.csv (one row per designed client with two or more keys) and prints a summary."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd

from analyzer.ingest.pipeline import ingest_to_dir
from training.depth.independent import TEST_SPLITS, UNREAD_SPLITS, mailboxes, read_truth

ROOT = Path("data/independent")
rows = []
splits = sorted({p.parent.parent.name for p in ROOT.glob("*/*/truth.csv")} - set(TEST_SPLITS) - set(UNREAD_SPLITS))
with tempfile.TemporaryDirectory() as tmp:
    for split in splits:
        for box in mailboxes(split):
            out = Path(tmp) / split / box.name
            ingest_to_dir([box / "mail"], out, jobs=1)
            m = pd.read_parquet(out / "messages.parquet", columns=["client", "client_domain", "from_address", "from_name",
                                                                   "direction", "subject", "in_reply_to", "references", "message_id"])
            truth = read_truth(box)
            for _, t in truth.iterrows():
                keys = [k.strip().lower() for k in (t["domains"] + ";" + t["addresses"]).split(";") if k.strip()]
                if len(keys) < 2:
                    continue
                found = set()
                for k in keys:
                    hit = m[(m["client_domain"].str.lower() == k) | (m["from_address"].str.lower() == k)]["client"].dropna()
                    found |= set(hit)
                rows.append({"box": f"{split}/{box.name}", "client": t["client"], "keys": len(keys),
                             "free_mail": bool(t["addresses"].strip()), "found_clients": len(found),
                             "depth": t["depth"], "n_messages": t["n_messages"]})
df = pd.DataFrame(rows)
Path("build").mkdir(exist_ok=True)
df.to_csv("build/split_clients.csv", index=False)
print(f"designed clients with two or more keys: {len(df)}; found as one: {(df.found_clients == 1).sum()}; "
      f"split: {(df.found_clients > 1).sum()} (free mail {(df.free_mail & (df.found_clients > 1)).sum()})")
