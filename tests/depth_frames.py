"""Small hand-built messages/signals frames for the depth tests (helpers, not a test module)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from analyzer.ingest.message import Message, messages_frame
from analyzer.signals.frame import SIGNAL_COLUMNS

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)


def msg(mid, hours, frm, direction, client="Acme", subject="Plan", reply_to=None, refs=None, to=None, cc=None,
        signature="", name="", text="Hello.", cid=None):
    """One attributed message ``hours`` after T0."""
    return Message(
        source="test.mbox", source_index=0, source_format="mbox", message_id=mid,
        content_hash=cid or f"hash-{mid}", date=None if hours is None else T0 + timedelta(hours=hours),
        subject=subject, from_name=name, from_address=frm, to_addresses=list(to or []),
        cc_addresses=list(cc or []), in_reply_to=reply_to, references=list(refs or ([reply_to] if reply_to else [])),
        body=text, new_text=text, signature=signature, client=client,
        client_domain=None if client is None else f"{client.lower()}.com", direction=direction,
    )


def frame(messages: list[Message]) -> pd.DataFrame:
    return messages_frame(messages)


def signals(rows: list[tuple[str, str, str]], messages: pd.DataFrame) -> pd.DataFrame:
    """Signals rows from (message_id, label, sentence); client/direction/date copied from the message."""
    by_id = messages.set_index("message_id")
    out = []
    for i, (mid, label, text) in enumerate(rows):
        m = by_id.loc[mid]
        out.append({"message_id": mid, "client": m["client"], "direction": m["direction"], "date": m["date"],
                    "sentence_index": 0, "start_char": 0, "end_char": len(text), "text": text, "label": label,
                    "score": 0.9, "model_score": 0.9, "rule_id": "test", "explanation": "test"})
    return pd.DataFrame(out, columns=list(SIGNAL_COLUMNS))


def client_feature_frame(rng, n: int, counts: dict, messages: tuple[int, int]) -> pd.DataFrame:
    """A client feature table (columns FEATURE_NAMES) of uniform noise, ``client_msg_share`` 0.5, a
    message count drawn from ``messages``, and for each label of ``counts`` a count drawn by
    ``counts[label](rng, n)`` with its matching share of the client's mails."""
    from analyzer.depth.features import FEATURE_NAMES

    F = pd.DataFrame(rng.uniform(0, 1, size=(n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES),
                     index=[f"c{i}" for i in range(n)])
    F["n_messages"] = rng.integers(*messages, n).astype(float)
    F["client_msg_share"] = 0.5
    for label, draw in counts.items():
        F[f"client_{label}_count"] = draw(rng, n).astype(float)
        F[f"client_{label}_rate"] = F[f"client_{label}_count"] / (F["n_messages"] * 0.5)
    return F


def assert_monotone_in_every_sign(model, base: pd.DataFrame) -> None:
    """Three more of a deeper sign never lower a fitted taxonomy ``DepthModel``'s raw score or a tier
    edge's probability, nor does three more of a shallower sign raise them."""
    from analyzer.depth.evidence import LABEL_SIGNS

    s0, t0 = model.raw_predict(base), model.tier_model_.edge_probabilities(base)
    for label, sign in LABEL_SIGNS.items():
        more = base.copy()
        more[f"client_{label}_count"] += 3
        more[f"client_{label}_rate"] += 0.1
        assert (sign * (model.raw_predict(more) - s0) >= -1e-9).all(), label
        assert (sign * (model.tier_model_.edge_probabilities(more) - t0) >= -1e-9).all(), label
