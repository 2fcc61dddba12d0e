"""Development reading (training mail only; fifty-second session): for every pair of clients a run
without a config finds in one mailbox, whether the truth calls them one client, and whether they share
a surname (the last word of a From display name) or a thread (the first Message-ID of References, else
In-Reply-To, else the message's own). Sizes a join rule for the split clients of ``run.py``.

    PYTHONPATH=. .venv/bin/python models/experiments/split_clients/pairs.py

Writes build/split_pairs.csv and prints the counts per rule. The fifty-third session shipped the join on
both for free-mail keys (``analyzer.ingest.joint.household_pairs``), so a run of this script on the
current ingest no longer sees the pairs it joins; its reading above is the one taken before."""
from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pandas as pd
from no_config import no_config_runs

from training.depth.independent import truth_keys

WORD = re.compile(r"[^\W\d_]{3,}")


def surname(name: str) -> str:
    words = WORD.findall(re.sub(r"\([^)]*\)", " ", str(name or "")).casefold())
    return words[-1] if len(words) >= 2 else ""


def root(row) -> str:
    refs = list(row["references"]) if row["references"] is not None else []
    if len(refs):
        return str(refs[0])
    reply = row["in_reply_to"]
    return str(reply if isinstance(reply, str) and reply else row["message_id"])


rows = []
for name, m, truth in no_config_runs():
    m = m[m["client"].notna()]
    owner = {k: t["client"] for _, t in truth.iterrows() for k in truth_keys(t)}
    info = {}
    for client, g in m.groupby("client"):
        keys = set(g["client_domain"].dropna().str.lower()) | set(
            g.loc[g["direction"] == "from_client", "from_address"].dropna().str.lower())
        info[client] = {"truth": {owner[k] for k in keys if k in owner},
                        "surnames": {s for s in g.loc[g["direction"] == "from_client", "from_name"].map(surname) if s},
                        "threads": set(g.apply(root, axis=1))}
    for a, b in combinations(sorted(info), 2):
        ia, ib = info[a], info[b]
        rows.append({"box": name, "a": a, "b": b,
                     "same": bool(ia["truth"] & ib["truth"]),
                     "share_surname": bool(ia["surnames"] & ib["surnames"]),
                     "share_thread": bool(ia["threads"] & ib["threads"]),
                     "surnames": ";".join(sorted(ia["surnames"] & ib["surnames"]))})
df = pd.DataFrame(rows)
Path("build").mkdir(exist_ok=True)
df.to_csv("build/split_pairs.csv", index=False)
print(f"pairs {len(df)}; the truth's one client: {int(df['same'].sum())}")
for rule in ("share_surname", "share_thread"):
    hit = df[df[rule]]
    print(f"{rule}: {len(hit)} pairs, {int(hit['same'].sum())} of them one client, {int((~hit['same']).sum())} two")
