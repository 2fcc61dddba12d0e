"""Labelled snippets for training and evaluation: reading, the fixed dev split, spaCy DocBins.

Files (all JSONL, one ``{"id", "text", "labels"}`` object per line):

- ``../shared/data/signals_dev.jsonl`` - the dev set. It is split once, stratified by label with a
  fixed seed, into ``train`` / ``tune`` / ``heldout``; the ids are recorded in
  ``data/signals/dev_split.json`` and reused as long as that file exists, so the held-out part
  stays the same across retrains. Training never sees ``heldout``; ``tune`` is spaCy's dev corpus
  (model selection) and the slice the per-label thresholds are tuned on.
- ``data/signals/train_extra.jsonl`` - extra training data (optional; ~15% of it, chosen by a hash
  of the id, also goes to ``tune``).
- ``data/signals/neutral_extra.jsonl`` - ordinary business and technical email prose (mostly without
  any signal: specs, minutes, status reports, boilerplate), so the classifier sees the long, plain
  text of real mail during training; treated exactly like the extra data (optional).
- ``data/signals/eval_independent.jsonl`` - independently written evaluation data: read only by
  ``evaluate``; never used for training or tuning.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path

from analyzer.errors import InputError
from analyzer.signals.labels import LABELS
from analyzer.signals.quoted import strip_quoted
from training.signals.snippet_sets import independent_kind, independent_paths

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEV_PATH = PROJECT_ROOT.parent / "shared" / "data" / "signals_dev.jsonl"
DATA_DIR = PROJECT_ROOT / "data" / "signals"
#: The spaCy config the signal pipeline is trained from (``make model``).
CONFIG_PATH = PROJECT_ROOT / "models" / "signals.cfg"
SPLIT_PATH = DATA_DIR / "dev_split.json"
EXTRA_PATH = DATA_DIR / "train_extra.jsonl"
NEUTRAL_PATH = DATA_DIR / "neutral_extra.jsonl"
BOUNDARY_PATH = DATA_DIR / "train_boundary.jsonl"
NEUTRAL_MAIL_PATH = DATA_DIR / "neutral_mail.jsonl"
#: Paraphrase, mixed-message and look-alike training snippets written by hand apart from the
#: evaluation sets (train_paraphrase_*.jsonl; treated like the extra data).
PARAPHRASE_PATHS = (DATA_DIR / "train_paraphrase_a.jsonl", DATA_DIR / "train_paraphrase_b.jsonl")
#: Training snippets in four registers (terse/mobile, formal/understated, non-native English, long
#: mails and sign flips), written by four more authors from one brief (train_register_*.jsonl).
REGISTER_PATHS = tuple(DATA_DIR / f"train_register_{k}.jsonl" for k in "abcd")
#: Training snippets for the detection errors that moved depth scores most on the depth model's
#: training mailboxes (inbound referrals, gushing praise read as forgiveness, haggling questions,
#: being sidelined, formal vendor processes), by two more authors (train_families_*.jsonl).
FAMILY_PATHS = tuple(DATA_DIR / f"train_families_{k}.jsonl" for k in "ab")
#: Complaints and their look-alikes, mixed messages with two or three labels, sign flips and mail
#: furniture, by three more authors in the seventh session (train_mixed_*.jsonl). Not read by
#: :func:`training_parts`: the detectors retrained with them failed the rules fixed for shipping them
#: (data/signals/README_eval_independent5.md and README_eval_independent6.md: each time the any-signal
#: share rose on real mailing-list archives), so the shipped detector, and the baseline it is compared
#: with, are trained without them.
MIXED_PATHS = tuple(DATA_DIR / f"train_mixed_{k}.jsonl" for k in "abc")
#: Peer and technical mail that is not about the client relationship (with true signals in the same
#: register), and the boundaries of appreciation, complaint, fee pushback and help requests, by two
#: more authors in the eighth session (train_peer_*.jsonl). Not read by :func:`training_parts` either
#: (same rule, same outcome).
PEER_PATHS = tuple(DATA_DIR / f"train_peer_{k}.jsonl" for k in "ab")
#: Praise told as a story with complaint words ("still", "waited"), short warm whole mails of clients
#: who rarely write, success reports, device and system states ("off", "down"), routine logistics:
#: the families of detection errors read on the depth model's training mailboxes, by one more author
#: in the twelfth session (train_flip_a.jsonl); fact lines in warm mail, old fights told as history,
#: money, trouble and cancel words in other senses, and the same words as quiet true negatives, by
#: another author in the thirteenth session from errors on train10 (train_flip_b.jsonl). Read by
#: :func:`training_parts` only with ``flip=True`` (``python -m training.signals.train --flip``): the
#: twelfth session's detector retrained with train_flip_a failed the rule fixed for shipping it
#: (data/signals/README_eval_independent7.md), and so did the fourteenth session's, with both
#: (data/signals/README_eval_independent8.md: more false alarms on the real mailing-list mail).
FLIP_PATHS = (DATA_DIR / "train_flip_a.jsonl", DATA_DIR / "train_flip_b.jsonl")
#: Courtesy rows (fifteenth session, ``BRIEF_courtesy.md``): bare thanks that is not appreciation, and
#: appreciation carried by what is praised; read by the recipe with ``silent_furniture`` (``courtesy``).
COURTESY_PATHS = (DATA_DIR / "train_courtesy_a.jsonl", DATA_DIR / "train_courtesy_b.jsonl")
#: Money rows (forty-fifth session, ``BRIEF_money.md``, ``README_train_money.md``): fee pushback and
#: understated complaints as clients write them without the obvious words (invoice discrepancies, budget
#: caps, quiet increases, payment terms, value for money), with look-alike negatives (money admin, the
#: agency's own fees, disputes with third parties); three registers. Read with ``money``.
MONEY_PATHS = tuple(DATA_DIR / f"train_money_{k}.jsonl" for k in "abc")
#: Paragraphs of whole labelled agency mail (``train17``'s six depth mailboxes, from the message-by-message
#: labels of ``data/signals/mail_labels_more``; made by :mod:`training.signals.mail_rows`). Read by
#: :func:`training_parts` only with ``mail=True`` (``python -m training.signals.train --mail``: the
#: twentieth session's candidate, data/signals/README_eval_independent9.md).
MAIL_PATH = DATA_DIR / "train_mail.jsonl"
#: The same labelled mail with each quote, not its paragraph, as the labelled row
#: (``mail_rows --unit quote``); read with ``mail="quote"`` (``train --mail quote``).
MAIL_QUOTES_PATH = DATA_DIR / "train_mail_quotes.jsonl"
#: The file of each kind of whole-mail row (``--mail paragraph|quote``).
MAIL_FILES = {"paragraph": MAIL_PATH, "quote": MAIL_QUOTES_PATH}
#: Languages other than English with labelled snippets written natively in them: French, German,
#: Spanish and Portuguese (twenty-first session), Italian and Dutch (twenty-second)
#: (``BRIEF_snippets_languages.md``; ``README_train_languages.md``).
LANGUAGES = ("fr", "de", "es", "pt", "it", "nl")
#: Their training rows; read by :func:`training_parts` only with ``languages=True`` or
#: ``only_languages=True`` (``python -m training.signals.train --only-languages``).
LANGUAGE_PATHS = tuple(DATA_DIR / f"train_lang_{k}.jsonl" for k in LANGUAGES)
#: Blind test rows in the first four, by other helpers told they write a test set: never trained on.
LANGUAGE_EVAL_PATHS = tuple(DATA_DIR / f"eval_lang_{k}.jsonl" for k in LANGUAGES[:4])
#: The second blind set in those four (end of the twenty-first session): never trained on.
LANGUAGE_EVAL2_PATHS = tuple(DATA_DIR / f"eval_lang2_{k}.jsonl" for k in LANGUAGES[:4])
#: The blind set in Italian and Dutch (twenty-second session, candidate R2's rule): never trained on.
LANGUAGE_EVAL3_PATHS = tuple(DATA_DIR / f"eval_lang3_{k}.jsonl" for k in ("it", "nl"))


def mail_file(mail: bool | str) -> Path | None:
    """The whole-mail rows file that ``training_parts(mail=...)`` reads: None when ``mail`` is off,
    :data:`MAIL_PATH` for True or ``"paragraph"``, :data:`MAIL_QUOTES_PATH` for ``"quote"``."""
    return MAIL_FILES["paragraph" if mail is True else mail] if mail else None


def labelled_mailboxes(folders: tuple[str, ...]) -> tuple[str, ...]:
    """The mailbox names of labels folders under ``data/signals`` (``mail_labels_more``, ...): the
    stems of their ``<mailbox>.jsonl`` files, sorted; an unknown folder is an error."""
    names = []
    for folder in folders:
        path = DATA_DIR / folder
        if not folder.startswith("mail_labels") or not path.is_dir():
            raise ValueError(f"not a labels folder under {DATA_DIR}: {folder!r}")
        names += [p.stem for p in path.glob("*.jsonl")]
    return tuple(sorted(names))


def mail_kind(path: str | None) -> str | bool:
    """The inverse of :func:`mail_file` on a recorded path (``metrics.json``): the kind, or False."""
    return next((k for k, p in MAIL_FILES.items() if path and Path(path).name == p.name), False)

SEED = 13
HELDOUT_FRACTION = 0.25
TUNE_FRACTION = 0.15  # of what is left after the held-out part


def read_labelled(path: Path | str) -> list[dict]:
    """Rows ``{"id", "text", "labels"}``; InputError naming file and line for anything malformed."""
    from analyzer.signals.jsonl import iter_text_records

    path = Path(path)
    rows, seen = [], set()
    for lineno, row in iter_text_records(path):
        labels = row.get("labels")
        if not isinstance(labels, list) or any(lab not in LABELS for lab in labels):
            raise InputError(f"{path}:{lineno}: 'labels' must be a list of labels from docs/SIGNALS.md")
        if row["id"] in seen:
            raise InputError(f"{path}:{lineno}: duplicate id {row['id']!r}")
        seen.add(row["id"])
        rows.append({"id": str(row["id"]), "text": row["text"], "labels": sorted(set(labels))})
    return rows


def stratified_split(rows: list[dict], seed: int = SEED, heldout: float = HELDOUT_FRACTION,
                     tune: float = TUNE_FRACTION) -> dict[str, list[str]]:
    """Ids per part. Each example is stratified by its rarest label (negatives form their own stratum)."""
    freq = Counter(lab for r in rows for lab in r["labels"])
    strata: dict[str, list[str]] = {}
    for r in rows:
        key = min(r["labels"], key=lambda lab: (freq[lab], lab)) if r["labels"] else "_none"
        strata.setdefault(key, []).append(r["id"])
    rng = random.Random(seed)
    parts: dict[str, list[str]] = {"train": [], "tune": [], "heldout": []}
    for key in sorted(strata):
        ids = sorted(strata[key])
        rng.shuffle(ids)
        n_held = round(len(ids) * heldout)
        n_tune = round((len(ids) - n_held) * tune)
        parts["heldout"] += ids[:n_held]
        parts["tune"] += ids[n_held:n_held + n_tune]
        parts["train"] += ids[n_held + n_tune:]
    return {k: sorted(v) for k, v in parts.items()}


def load_dev_split(dev_rows: list[dict], path: Path = SPLIT_PATH, create: bool = True) -> dict[str, list[str]]:
    """The recorded split (creating and writing it when missing and ``create``)."""
    ids = {r["id"] for r in dev_rows}
    if path.is_file():
        split = json.loads(path.read_text(encoding="utf-8"))
        recorded = set(split["train"]) | set(split["tune"]) | set(split["heldout"])
        if recorded != ids:
            raise InputError(f"{path} does not cover the ids of the dev data ({len(recorded ^ ids)} differ); "
                             "delete it to re-split")
        return {k: split[k] for k in ("train", "tune", "heldout")}
    if not create:
        raise InputError(f"no dev split at {path}: run `python -m training.signals.train` first")
    split = stratified_split(dev_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"source": "../shared/data/signals_dev.jsonl", "seed": SEED, "heldout_fraction": HELDOUT_FRACTION,
              "tune_fraction": TUNE_FRACTION, "stratified_by": "rarest label of each example", **split}
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return split


def is_tune_extra(row_id: str, fraction: float = TUNE_FRACTION) -> bool:
    """Deterministic choice of the extra rows that go to ``tune`` (stable while the file grows)."""
    h = int(hashlib.sha256(f"{SEED}:{row_id}".encode()).hexdigest()[:8], 16)
    return h < fraction * 0x100000000


def training_parts(dev_path: Path = DEV_PATH, extra_path: Path = EXTRA_PATH,
                   split_path: Path = SPLIT_PATH, neutral_path: Path | None = NEUTRAL_PATH,
                   boundary_path: Path | None = BOUNDARY_PATH,
                   neutral_mail_path: Path | None = NEUTRAL_MAIL_PATH, flip: bool = False,
                   courtesy: bool = False, money: bool = False, mail: bool | str = False, languages: bool = False,
                   only_languages: bool = False, language_codes: tuple[str, ...] = LANGUAGES,
                   mixed_pairs: int = 0, independent: bool | str | tuple = False,
                   mail_without: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """``train``, ``tune`` and ``heldout`` rows (dev split + the extra, boundary, neutral and neutral-mail
    data when present; both neutral files are ``source: "neutral"``). ``flip``: with
    :data:`FLIP_PATHS` too (the sign-flip rows that the shipped recipe does not read); ``courtesy``: with
    :data:`COURTESY_PATHS` too; ``money``: with :data:`MONEY_PATHS` too; ``mail``: with :data:`MAIL_PATH` too (``"quote"``: :data:`MAIL_QUOTES_PATH`),
    as ``source: "mail"``; ``languages``: with :data:`LANGUAGE_PATHS` too, as ``source: "language"``;
    ``only_languages``: ``train`` and ``tune`` hold the language rows alone (a classifier for text that
    is not English; ``heldout`` stays the English dev split, to show what such a model reads there);
    ``language_codes``: which of :data:`LANGUAGES` the language rows come from; ``mixed_pairs``: that
    many more ``train`` rows, each two labelled English snippets of ``train`` joined into one paragraph
    with both label sets (:func:`mixed_pair_rows`); ``independent``: with the read snippet sets of
    :func:`independent_paths` too, as ``source: "independent"``; ``mail_without``: mailboxes whose mail rows are left out (ids
    ``mail:<mailbox>:...``; :func:`labelled_mailboxes`)."""
    dev = read_labelled(dev_path)
    split = load_dev_split(dev, split_path)
    by_id = {r["id"]: r for r in dev}
    parts = {k: [by_id[i] for i in ids] for k, ids in split.items()}
    english = () if only_languages else (
        (extra_path, "extra"), (boundary_path, "boundary"), (neutral_path, "neutral"), (neutral_mail_path, "neutral"),
        *((p, "extra") for p in PARAPHRASE_PATHS + REGISTER_PATHS + FAMILY_PATHS + (FLIP_PATHS if flip else ())
          + (COURTESY_PATHS if courtesy else ())),
        *((p, "money") for p in (MONEY_PATHS if money else ())),
        *(((mail_file(mail), "mail"),) if mail else ()),
        *((p, "independent") for p in independent_paths(independent)))
    if only_languages:
        parts["train"], parts["tune"] = [], []
    chosen = tuple(p for k, p in zip(LANGUAGES, LANGUAGE_PATHS) if k in language_codes)
    dropped = set(mail_without)
    for path, source in (*english, *((p, "language") for p in (chosen if languages or only_languages else ()))):
        if path is not None and Path(path).is_file():
            for row in read_labelled(path):
                if source == "mail" and row["id"].split(":")[1] in dropped:
                    continue
                parts["tune" if is_tune_extra(row["id"]) else "train"].append(row | {"source": source})
    if mixed_pairs:
        parts["train"] = parts["train"] + mixed_pair_rows(parts["train"], mixed_pairs)
    return parts


def mixed_pair_rows(rows: list[dict], n: int, seed: int = SEED) -> list[dict]:
    """``n`` rows that each join two labelled English snippets of ``rows`` with different label sets
    into one paragraph, labelled with both sets (``source: "pair"``; deterministic for a seed).

    Written snippets mostly carry one label; messages that do two things at once are where the
    detector loses a label (praise beside another signal, a help request as the second thing a text
    does: issue 12), and a linear model trained on whole texts learns from the pairs that a label's
    evidence still counts when another label's words surround it."""
    pool = [r for r in rows if r["labels"] and r.get("source") not in ("mail", "language", "pair")]
    if len({frozenset(r["labels"]) for r in pool}) < 2:  # no two label sets to join: none can be made
        return []
    rng = random.Random(seed)
    out: list[dict] = []
    while len(out) < n:
        a, b = rng.sample(pool, 2)
        if set(a["labels"]) == set(b["labels"]):
            continue
        text = " ".join(t.strip().replace("\n\n", " ").replace("\n", " ") for t in (a["text"], b["text"]))
        out.append({"id": f"pair-{len(out)}-{a['id']}-{b['id']}", "text": text,
                    "labels": sorted(set(a["labels"]) | set(b["labels"])), "source": "pair",
                    "pair_of": [a["id"], b["id"]]})
    return out


def recipe_rows(model_dir: Path | str | None) -> dict:
    """The :func:`training_parts` options a trained pipeline was fitted with (``flip``, ``courtesy``, ``money``,
    ``mail``, ``languages``, ``mixed_pairs``, ``independent``), read from its ``metrics.json`` (the shipped pipeline when ``model_dir`` is None), so that
    a baseline can be trained on exactly its rows; all off when the file does not say."""
    path = Path(model_dir or PROJECT_ROOT / "models" / "signals") / "metrics.json"
    data = json.loads(path.read_text(encoding="utf-8")).get("data", {}) if path.is_file() else {}
    return {"flip": bool(data.get("flip")), "courtesy": bool(data.get("courtesy")), "money": bool(data.get("money")),
            "mail": mail_kind(data.get("mail")),
            "languages": bool(data.get("languages")), "mixed_pairs": int(data.get("mixed_pairs") or 0),
            "independent": independent_kind(data.get("independent"))}


def docbin(nlp, rows: list[dict]):
    """A DocBin of the rows' new text (quotes stripped) with ``doc.cats`` 0/1 over all labels."""
    from spacy.tokens import DocBin

    db = DocBin(store_user_data=False)
    for row, doc in zip(rows, nlp.tokenizer.pipe(strip_quoted(r["text"]) for r in rows)):
        doc.cats = {lab: float(lab in row["labels"]) for lab in LABELS}
        db.add(doc)
    return db
