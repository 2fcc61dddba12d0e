"""Client attribution: config vs inferred parties, directions, bulk senders, free-mail people."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.config import parse_config
from analyzer.errors import ConfigError, InputError
from analyzer.ingest.attribution import attribute
from analyzer.ingest.message import DIRECTIONS, Message, frame_to_table, messages_frame
from analyzer.ingest.parties import name_in_texts, normalise_address, readable_name, registrable

AG = "brightside.agency"
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def msg(frm, to=(), cc=(), *, name="", subject="Re: the spring campaign", **kw) -> Message:
    msg.n = getattr(msg, "n", 0) + 1
    return Message(
        source="hand.mbox", source_index=msg.n, source_format="mbox", message_id=f"m{msg.n}@test",
        content_hash=f"{msg.n:064x}", date=T0 + timedelta(hours=msg.n), subject=subject,
        from_name=name, from_address=frm, to_addresses=list(to), cc_addresses=list(cc), **kw,
    )


def mailbox() -> pd.DataFrame:
    """A small agency mailbox: two organisations, a free-mail client, bulk and one-way senders."""
    rows = [
        msg(f"ann@{AG}", ["bob@northwind.com"], name="Ann Agency"),                    # 0 agency -> Northwind
        msg("bob@mail.northwind.com", [f"ann@{AG}"], name="Bob North"),                # 1 subdomain reply
        msg("cat@northwind.co.uk", [f"ann@{AG}"], [f"dan@{AG}"]),                       # 2 second domain
        msg(f"ann@{AG}", [f"dan@{AG}"], subject="lunch?"),                              # 3 internal
        msg(f"dan@{AG}", ["eve@lumina.com"]),                                           # 4 agency -> Lumina
        msg("eve@lumina.com", [f"dan@{AG}"], name="Eve Lumen"),                         # 5 Lumina replies
        msg("jo.baker@gmail.com", [f"ann@{AG}"], name="Jo Baker"),                      # 6 free-mail person
        msg(f"ann@{AG}", ["jo.baker@gmail.com"]),                                       # 7 ... answered
        msg("editor@news.trade.io", [f"ann@{AG}"], list_id="<weekly.trade.io>"),        # 8 newsletter
        msg(f"ann@{AG}", ["editor@news.trade.io"], subject="unsubscribe"),              # 9 agency writes back
        msg("noreply@tools.example.com", [f"ann@{AG}"], subject="Your invoice"),        # 10 notification
        msg(f"ann@{AG}", ["support@tools.example.com"]),                                # 11 agency -> tool
        msg("notifications@tools.example.com", [f"ann@{AG}"]),                          # 12 another one
        msg("sales@coldpitch.com", [f"ann@{AG}"], subject="Boost your SEO"),            # 13 one-way sender
        msg(f"ann@{AG}", ["lead@prospect.com"], subject="Intro"),                       # 14 one-way outbound
        msg("lead@prospect.com", [f"ann@{AG}"], subject="Out of Office: Intro"),         # 15 auto-reply
        msg("sam@yahoo.co.uk", [f"ann@{AG}"], name="Sam Spam"),                         # 16 one-way free-mail
    ]
    return messages_frame(rows)


def by_row(out: pd.DataFrame, i: int) -> tuple:
    r = out.iloc[i]
    return r["client"], r["client_domain"], r["direction"]


# --- inferred parties -------------------------------------------------------------------


def test_inferred_clients_are_exactly_the_two_way_correspondents():
    out = attribute(mailbox())
    assert set(out["client"].dropna()) == {"Northwind", "Lumina", "Jo Baker"}
    assert by_row(out, 0) == ("Northwind", "northwind.com", "from_agency")
    assert by_row(out, 1) == ("Northwind", "northwind.com", "from_client")  # subdomain counts
    assert by_row(out, 2) == ("Northwind", "northwind.com", "from_client")  # same registrable name merged
    assert by_row(out, 3) == (None, None, "internal")
    assert by_row(out, 5) == ("Lumina", "lumina.com", "from_client")
    assert by_row(out, 6) == ("Jo Baker", "jo.baker@gmail.com", "from_client")
    assert by_row(out, 7) == ("Jo Baker", "jo.baker@gmail.com", "from_agency")


@pytest.mark.parametrize("i", [8, 9, 10, 11, 12, 13, 14, 15, 16])
def test_bulk_notification_and_one_way_senders_are_never_clients(i):
    out = attribute(mailbox())
    client, domain, direction = by_row(out, i)
    assert client is None and domain is None
    assert direction == "other"


def test_no_client_is_named_after_a_freemail_or_bulk_domain():
    names = {str(c).lower() for c in attribute(mailbox())["client"].dropna()}
    assert not names & {"gmail", "yahoo", "trade", "example", "coldpitch", "prospect", "tools"}


def test_two_people_on_a_national_free_mail_provider_are_two_clients_not_one_firm():
    # train72/pecsarchitects (forty-eighth session): a private client on freemail.hu became a client
    # named "Freemail", which would have merged every Hungarian free-mail writer into one firm
    df = messages_frame([
        msg("orosz.szilvia@freemail.hu", [f"ann@{AG}"], name="Orosz Szilvia"),
        msg(f"ann@{AG}", ["orosz.szilvia@freemail.hu"]),
        msg("kovacs.bela@freemail.hu", [f"ann@{AG}"], name="Kovács Béla"),
        msg(f"ann@{AG}", ["kovacs.bela@freemail.hu"]),
        msg("jana@seznam.cz", [f"ann@{AG}"], name="Jana Sýkorová"),
        msg(f"ann@{AG}", ["jana@seznam.cz"]),
        msg("siobhan.ryan@eircom.net", [f"ann@{AG}"], name="Siobhán Ryan"),
        msg(f"ann@{AG}", ["siobhan.ryan@eircom.net"]),
        msg("mere@xtra.co.nz", [f"ann@{AG}"], name="Mere Tane"),
        msg(f"ann@{AG}", ["mere@xtra.co.nz"]),
    ])
    clients = attribute(df)["client"].dropna()
    assert clients.nunique() == 5
    assert not {str(c).lower() for c in clients} & {"freemail", "seznam", "eircom", "xtra"}


def test_auto_reply_from_a_real_client_is_other_not_from_client():
    df = messages_frame([
        msg(f"ann@{AG}", ["eve@lumina.com"]),
        msg("eve@lumina.com", [f"ann@{AG}"]),
        msg("eve@lumina.com", [f"ann@{AG}"], subject="Automatic reply: brief"),
        msg("eve@lumina.com", [f"ann@{AG}"], auto_submitted="auto-replied"),
        msg("eve@lumina.com", [f"ann@{AG}"], subject="Abwesenheitsnotiz: brief"),
    ])
    out = attribute(df)
    assert list(out["direction"]) == ["from_agency", "from_client", "other", "other", "other"]
    assert list(out["client"].iloc[2:]) == [None, None, None]


def test_free_mail_people_are_clients_by_address_named_and_disambiguated():
    df = messages_frame([
        msg("sam.lee@gmail.com", [f"ann@{AG}"], name="Sam Lee"),
        msg(f"ann@{AG}", ["sam.lee@gmail.com"]),
        msg("samlee82@hotmail.co.uk", [f"ann@{AG}"], name="Sam Lee"),
        msg(f"ann@{AG}", ["samlee82@hotmail.co.uk"]),
        msg("kim@gmail.com", [f"ann@{AG}"]),  # no display name: named by address
        msg(f"ann@{AG}", ["kim@gmail.com"]),
    ])
    out = attribute(df)
    assert list(out["client"]) == ["Sam Lee (sam.lee@gmail.com)"] * 2 + ["Sam Lee (samlee82@hotmail.co.uk)"] * 2 \
        + ["kim@gmail.com"] * 2
    assert list(out["client_domain"].iloc[::2]) == ["sam.lee@gmail.com", "samlee82@hotmail.co.uk", "kim@gmail.com"]


def test_inferred_org_names_are_spelled_as_their_people_write_them():
    sig = "Aisha Quinlan\nMarketing Manager\nFernhill Brewing Co\nwww.fernhillbrewing.co.uk"
    df = messages_frame([
        msg(f"ann@{AG}", ["aisha@fernhillbrewing.co.uk"]),
        msg("aisha@fernhillbrewing.co.uk", [f"ann@{AG}"], signature=sig),
        msg(f"ann@{AG}", ["c@mapleandstone.ca"]),
        msg("c@mapleandstone.ca", [f"ann@{AG}"], new_text="Thanks from all of us at Maple & Stone!"),
        msg(f"ann@{AG}", ["t@tidewaterhotels.com"]),
        msg("t@tidewaterhotels.com", [f"ann@{AG}"], signature="t@tidewaterhotels.com | tidewaterhotels.com"),
    ])
    assert list(attribute(df)["client"].iloc[1::2]) == ["Fernhill Brewing", "Maple & Stone", "Tidewaterhotels"]
    # the same frame with plain object text columns holding a missing value and a number (a frame
    # built by hand, not by ingest): the names are found the same way
    hand = df.assign(signature=df["signature"].astype(object), new_text=df["new_text"].astype(object))
    hand.loc[0, "signature"], hand.loc[2, "new_text"] = None, 12345
    assert list(attribute(hand)["client"].iloc[1::2]) == ["Fernhill Brewing", "Maple & Stone", "Tidewaterhotels"]


def test_agency_is_the_side_in_most_messages_even_if_a_client_writes_more():
    rows = [msg("x@bigclient.com", [f"ann@{AG}", f"dan@{AG}"]) for _ in range(5)]
    rows += [msg(f"ann@{AG}", ["x@bigclient.com"]), msg(f"dan@{AG}", ["y@small.de"]), msg("y@small.de", [f"dan@{AG}"])]
    out = attribute(messages_frame(rows))
    assert set(out["client"].dropna()) == {"Bigclient", "Small"}
    assert (out["direction"].iloc[:5] == "from_client").all()


def test_freelancer_on_free_mail_is_the_agency_when_in_most_messages():
    me = "maya.design@gmail.com"
    rows = [msg(me, ["ops@acme.com"]), msg("ops@acme.com", [me]), msg("li@beta.io", [me]), msg(me, ["li@beta.io"]),
            msg("li@beta.io", [me])]
    out = attribute(messages_frame(rows))
    assert list(out["direction"]) == ["from_agency", "from_client", "from_client", "from_agency", "from_client"]
    assert set(out["client"]) == {"Acme", "Beta"}


def test_client_to_client_without_the_agency_is_other():
    base = [msg(f"ann@{AG}", ["bob@northwind.com"]), msg("bob@northwind.com", [f"ann@{AG}"]),
            msg(f"ann@{AG}", ["eve@lumina.com"]), msg("eve@lumina.com", [f"ann@{AG}"])]
    extra = [msg("bob@northwind.com", ["eve@lumina.com"]),              # other client only
             msg("bob@northwind.com", ["eve@lumina.com", f"ann@{AG}"]),  # agency on it
             msg("bob@northwind.com", ["al@northwind.com"])]             # own colleague (agency in Bcc)
    out = attribute(messages_frame(base + extra))
    assert [by_row(out, i) for i in (4, 5, 6)] == [
        (None, None, "other"), ("Northwind", "northwind.com", "from_client"),
        ("Northwind", "northwind.com", "from_client")]


# --- directions ---------------------------------------------------------------------------


def test_agency_to_several_clients_picks_the_first_client_in_to_then_cc():
    cfg = parse_config({"agency": {"domains": [AG]},
                        "clients": {"Northwind": {"domains": ["northwind.com"]}, "Lumina": {"domains": ["lumina.com"]}}})
    df = messages_frame([
        msg(f"ann@{AG}", [f"dan@{AG}", "eve@lumina.com", "bob@northwind.com"]),
        msg(f"ann@{AG}", ["bob@northwind.com", "eve@lumina.com"]),
        msg(f"ann@{AG}", ["someone@printer.com"], ["eve@lumina.com", "bob@northwind.com"]),
        msg(f"ann@{AG}", ["eve@lumina.com"], ["bob@northwind.com"]),
        msg(f"ann@{AG}", ["someone@printer.com"]),  # third party only
        msg(f"ann@{AG}", []),                        # no visible recipients
    ])
    out = attribute(df, cfg)
    assert list(out["client"]) == ["Lumina", "Northwind", "Lumina", "Lumina", None, None]
    assert list(out["direction"]) == ["from_agency"] * 4 + ["other", "other"]


def test_staff_only_mail_is_internal_and_belongs_to_no_client():
    df = messages_frame([msg(f"ann@{AG}", [f"dan@{AG}"], [f"lucy@mail.{AG}"]), msg(f"dan@{AG}", [f"ann@{AG}"]),
                         msg(f"ann@{AG}", ["bob@northwind.com"]), msg("bob@northwind.com", [f"ann@{AG}"])])
    out = attribute(df)
    assert list(out["direction"].iloc[:2]) == ["internal", "internal"]
    assert out["client"].iloc[:2].isna().all()


def test_client_is_set_exactly_for_from_client_and_from_agency():
    out = attribute(mailbox())
    assert set(out["direction"]) <= set(DIRECTIONS)
    attributed = out["direction"].isin(["from_client", "from_agency"])
    assert (out["client"].notna() == attributed).all()
    assert (out["client_domain"].notna() == attributed).all()


# --- config ---------------------------------------------------------------------------------


def config() -> object:
    return parse_config({
        "agency": {"domains": [AG]},
        "clients": {
            "Northwind Traders": {"domains": ["northwind.com", "northwind.co.uk"]},
            "Jo Baker Ceramics": {"addresses": ["jo.baker@gmail.com", "jo.studio@gmail.com"]},
            "Coldpitch Ltd": {"domains": ["coldpitch.com"]},
        },
    })


def test_config_names_clients_and_nobody_else_is_one():
    out = attribute(mailbox(), config())
    assert by_row(out, 0) == ("Northwind Traders", "northwind.com", "from_agency")
    assert by_row(out, 1) == ("Northwind Traders", "northwind.com", "from_client")  # subdomain of a listed domain
    assert by_row(out, 2) == ("Northwind Traders", "northwind.com", "from_client")  # second listed domain
    assert by_row(out, 6) == ("Jo Baker Ceramics", "jo.baker@gmail.com", "from_client")
    assert by_row(out, 5) == (None, None, "other")  # Lumina is two-way but not in the config
    assert by_row(out, 4) == (None, None, "other")
    assert by_row(out, 13) == ("Coldpitch Ltd", "coldpitch.com", "from_client")  # config says so
    assert by_row(out, 8)[2] == by_row(out, 10)[2] == "other"


def test_config_domain_match_is_by_label_boundary_not_substring():
    cfg = parse_config({"agency": {"domains": [AG]}, "clients": {"N": {"domains": ["northwind.com"]}}})
    df = messages_frame([msg("x@evilnorthwind.com", [f"ann@{AG}"]), msg("x@northwind.com.evil.io", [f"ann@{AG}"]),
                         msg("x@EU.Mail.Northwind.COM", [f"ann@{AG}"])])
    assert list(attribute(df, cfg)["client"]) == [None, None, "N"]


def test_config_with_only_an_agency_infers_the_clients_and_vice_versa():
    only_agency = parse_config({"agency": {"domains": [AG]}})
    assert set(attribute(mailbox(), only_agency)["client"].dropna()) == {"Northwind", "Lumina", "Jo Baker"}
    only_clients = parse_config({"clients": {"Lumina Health": {"domains": ["lumina.com"]}}})
    out = attribute(mailbox(), only_clients)
    assert set(out["client"].dropna()) == {"Lumina Health"}
    assert by_row(out, 4) == ("Lumina Health", "lumina.com", "from_agency")  # agency inferred


def test_config_putting_one_address_on_two_sides_is_a_config_error():
    cfg = parse_config({"agency": {"addresses": ["jo@gmail.com"]}, "clients": {"Jo": {"addresses": ["jo@gmail.com"]}}})
    with pytest.raises(ConfigError, match="jo@gmail.com"):
        attribute(mailbox(), cfg)


# --- frame contract and bad input ------------------------------------------------------------


def test_input_frame_is_not_mutated_and_output_round_trips_to_parquet_schema():
    df = mailbox()
    before = df.copy(deep=True)
    out = attribute(df, config())
    pd.testing.assert_frame_equal(df, before)
    assert out is not df
    assert list(out.columns) == list(df.columns)
    assert frame_to_table(out).num_rows == len(df)


def test_deterministic_under_row_order():
    df = mailbox()
    a = attribute(df)
    shuffled = df.sample(frac=1, random_state=7)
    b = attribute(shuffled).loc[df.index]
    pd.testing.assert_frame_equal(a[["client", "client_domain", "direction"]], b[["client", "client_domain", "direction"]])


def test_messy_values_and_empty_frames():
    df = pd.DataFrame({
        "from_address": ["Bob <BOB@Northwind.com>", None, "", f"ann@{AG}", f"ann@{AG}"],
        "to_addresses": [[f"ann@{AG}"], None, [], np.array(["bob@northwind.com"]), "dan@" + AG],
        "cc_addresses": [None, [], [None, ""], [], []],
    }, index=[10, 11, 12, 13, 14])
    out = attribute(df)
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert list(out["direction"]) == ["from_client", "other", "other", "from_agency", "internal"]
    nothing = pd.DataFrame({"from_address": [None, np.nan], "to_addresses": [None, []], "cc_addresses": [None, None]})
    assert list(attribute(nothing)["direction"]) == ["other", "other"]
    empty = attribute(df.iloc[:0])
    assert len(empty) == 0 and {"client", "client_domain", "direction"} <= set(empty.columns)


def test_bad_input_raises_input_error():
    with pytest.raises(InputError, match="to_addresses"):
        attribute(pd.DataFrame({"from_address": ["a@b.com"], "cc_addresses": [[]]}))
    with pytest.raises(InputError):
        attribute([{"from_address": "a@b.com"}])


def test_address_helpers():
    assert normalise_address(" Jo <JO@X.COM> ") == "jo@x.com"
    assert normalise_address("undisclosed-recipients:;") == "" and normalise_address(None) == ""
    assert registrable("mail.northwind.co.uk") == ("northwind.co.uk", "northwind")
    assert registrable("a.b.bluebirdlearning.com.au") == ("bluebirdlearning.com.au", "bluebirdlearning")
    assert name_in_texts("pixelforge", ["www.pixelforge.gg", "PixelForge Games"]) == "PixelForge"
    assert name_in_texts("pixelforge", ["pixelforge.gg"]) is None
    assert readable_name("blue-harbor") == "Blue Harbor" and readable_name("ibm") == "IBM"
    assert name_in_texts("maplestone", ["Regards, MAPLE & Stone", "Maple & Stone Ltd"]) is None  # & squashes to "and"
    assert name_in_texts("mapleandstone", ["Maple & Stone Ltd", "maple & stone"]) == "Maple & Stone"
    assert name_in_texts("ﬁnch", ["Team ﬁnch: Finch Co"]) == "Finch"  # casefolded before squashing ("ﬁ" -> "fi")


def test_squashed_is_the_casefolded_text_without_non_alphanumerics(realmail):
    """``_squashed`` (bytes.translate) keeps exactly what ``re.sub("[^0-9a-z]", "", casefold)`` keeps, on
    the text of real mail in many charsets and on characters whose casefold is ASCII."""
    import re

    from analyzer.ingest.parties import _squashed

    texts = ["Straße & Söhne", "ﬁne ﬂow", "İstanbul", "K (Kelvin sign)", "Ⅻ", "ǅ", "१२३ digits", "", "a_b-c.d"]
    for path in sorted(realmail.rglob("*.eml"))[:300]:
        texts.append(path.read_bytes()[:4000].decode("utf-8", "replace"))
    assert len(texts) > 50
    for text in texts:
        assert _squashed(text) == re.sub("[^0-9a-z]", "", text.casefold())


# --- real mail -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ingest_fn():
    pipeline = pytest.importorskip("analyzer.ingest.pipeline", reason="analyzer.ingest.pipeline (ingest) is missing")
    return pipeline.ingest


def test_real_spam_and_business_mail_yields_no_clients(realmail, ingest_fn):
    """spamscope's corpus is one-way mail from strangers (spam, phishing): nobody corresponds back."""
    out = ingest_fn([realmail / "spamscope-mail-parser"], jobs=1).messages
    assert len(out) >= 20
    assert out["client"].isna().all()
    assert not out["direction"].isin(["from_client", "from_agency"]).any()


def test_real_rfc_examples_attribute_both_ways_and_never_a_bounce(realmail, ingest_fn):
    out = ingest_fn([realmail / "mikel-mail"], jobs=1).messages
    assert set(out["direction"]) <= set(DIRECTIONS)
    attributed = out["direction"].isin(["from_client", "from_agency"])
    assert (out["client"].notna() == attributed).all()
    # the RFC 2822 A.2 exchange (John Doe <-> Mary Smith) is two-way: John's side becomes a client
    assert set(out.loc[out["direction"] == "from_client", "from_address"]) == {"jdoe@machine.example"}
    bounces = out["from_address"].str.contains(r"^(?:mailer-daemon|postmaster)@", case=False, regex=True) \
        | out["auto_submitted"].ne("")
    assert bounces.any()
    assert (out.loc[bounces, "direction"] == "other").all() and out.loc[bounces, "client"].isna().all()


def test_mailing_list_archive_has_no_clients(realmail, ingest_fn):
    mbox = realmail / "bigbang" / "tests" / "data" / "3GPP_mbox" / "3GPP_TSG_SA_WG4_EVS.mbox"
    out = ingest_fn([mbox], jobs=1).messages
    assert len(out) > 40 and out["client"].isna().all() and (out["direction"] == "other").all()


# --- the generated demo mailbox ----------------------------------------------------------------

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def _split(value: str) -> list[str]:
    return [v.strip().lower() for v in str(value or "").replace(",", ";").replace(" ", ";").split(";") if v.strip()]


def _truth_rows(path: Path) -> list[dict]:
    if not path.is_file():
        pytest.skip(f"{path.relative_to(DEMO.parents[1])} is missing: the data/mailgen demo generator has not written it")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _keys(row: dict) -> set[str]:
    """Domains and addresses named in a truth/nonclients row (whatever the column is called)."""
    out: set[str] = set()
    for col, value in row.items():
        if col and any(w in col.lower() for w in ("domain", "address", "email")):
            out.update(_split(value))
    return out


def _owner(address_or_domain: str, truth: dict[str, set[str]]) -> set[str]:
    """Truth clients whose domains (subdomains count) or addresses cover ``address_or_domain``."""
    domain = address_or_domain.rpartition("@")[2]
    return {name for name, keys in truth.items()
            if address_or_domain in keys or any(domain == k or domain.endswith("." + k) for k in keys if "@" not in k)}


@pytest.fixture(scope="module")
def demo_truth() -> dict[str, set[str]]:
    rows = _truth_rows(DEMO / "truth.csv")
    name_col = next((c for c in ("client", "name", "client_name") if rows and c in rows[0]), None)
    assert name_col, f"truth.csv has no client column: {list(rows[0]) if rows else 'empty'}"
    truth = {r[name_col]: _keys(r) for r in rows}
    assert all(truth.values()), "every truth.csv client needs its domains or addresses"
    return truth


def _client_people(out: pd.DataFrame) -> pd.DataFrame:
    """(client, address) of every client-side person, from both directions."""
    fc = out[out["direction"] == "from_client"][["client", "from_address"]].rename(columns={"from_address": "who"})
    fa = out[out["direction"] == "from_agency"][["client", "client_domain"]].rename(columns={"client_domain": "who"})
    return pd.concat([fc, fa], ignore_index=True)


@pytest.fixture(scope="module")
def demo_messages(ingest_fn, demo_truth) -> pd.DataFrame:
    """The demo mailbox ingested once, without a config."""
    return ingest_fn([DEMO], jobs=1).messages


def test_demo_inferred_clients_equal_the_truth(demo_messages, demo_truth):
    out = demo_messages
    people = _client_people(out)
    mapped = {client: set().union(*(_owner(w, demo_truth) for w in grp["who"])) for client, grp in people.groupby("client")}
    strays = {c: sorted(set(g["who"])) for c, g in people.groupby("client") if not mapped[c]}
    assert not strays, f"inferred clients that are not clients in truth.csv: {strays}"
    ambiguous = {c: m for c, m in mapped.items() if len(m) != 1}
    assert not ambiguous, f"inferred clients spanning several truth clients: {ambiguous}"
    assert set().union(*mapped.values()) == set(demo_truth), "truth.csv clients not found without a config"
    # organisations are named as their people write the name (a prefix of the truth name)
    orgs = out[out["client"].notna() & ~out["client_domain"].str.contains("@", na=False)]
    for client in set(orgs["client"]):
        (truth_name,) = mapped[client]
        assert truth_name.casefold().startswith(client.casefold()), (client, truth_name)
    nonclient_path = DEMO / "nonclients.csv"
    if nonclient_path.is_file():
        outsiders = set().union(*(_keys(r) for r in _truth_rows(nonclient_path)))
        hits = {w for w in people["who"] if w in outsiders or w.rpartition("@")[2] in outsiders}
        assert not hits, f"newsletter/notification/colleague addresses attributed to a client: {sorted(hits)}"


def test_demo_with_its_config_has_exactly_the_truth_clients(demo_messages, demo_truth):
    """Ingest attributes last, so re-attributing the ingested frame equals ingesting with the config."""
    from analyzer.config import load_config

    toml = DEMO / "analyzer.toml"
    if not toml.is_file():
        pytest.skip("data/demo/analyzer.toml is missing: the data/mailgen demo generator has not written it")
    out = attribute(demo_messages, load_config(toml))
    assert set(out["client"].dropna()) == set(demo_truth)
    people = _client_people(out)
    wrong = {(c, w) for c, w in zip(people["client"], people["who"]) if c not in _owner(w, demo_truth)}
    assert not wrong, f"messages attributed to the wrong client: {sorted(wrong)[:10]}"


def test_recipients_of_arrow_lists_equal_those_of_python_lists():
    """The messages frame's Arrow-backed recipient lists are flattened in Arrow (no Python list per
    message); rows, addresses and positions equal the exploded Python lists', nulls and all."""
    import pyarrow as pa

    from analyzer.ingest.attribution import _recipients

    vals = [["a@x.com", "b@y.org"], None, [], ["c@z.net", None, "d@z.net"], ["e@x.com"], None]
    arrow = pd.Series(vals, dtype=pd.ArrowDtype(pa.list_(pa.string())))
    plain = pd.Series(vals, dtype=object)
    got, want = _recipients(arrow), _recipients(plain)
    for g, w in zip(got, want, strict=True):
        assert g.tolist() == w.tolist()
    assert got[0].tolist() == [0, 0, 3, 3, 4] and got[2].tolist() == [0, 1, 0, 1, 0]
    assert all(len(a) == 0 for a in _recipients(arrow.iloc[:0]))
    assert _recipients(pd.Series(["solo@x.com", None], dtype=object))[1].tolist() == ["solo@x.com"]


def test_org_texts_are_distinct_non_blank_in_column_then_row_order_and_capped():
    import pyarrow as pa

    from analyzer.ingest.parties import _OrgTexts

    signatures = pa.array(["Acme Ltd", "  ", None, "Acme Ltd", "Beta Co", "x"], type=pa.large_string())
    new_texts = pa.array(["hello", "Acme Ltd", "bye", "hello", "Beta!", "y"], type=pa.large_string())
    texts = _OrgTexts({"acme.example": (0, 4), "beta.example": (4, 6)}, [signatures, new_texts], per_org=3)
    assert texts.get("acme.example") == ["Acme Ltd", "hello", "bye"]  # blank, null and repeats skipped; capped at 3
    assert texts.get("beta.example") == ["Beta Co", "x", "Beta!"]
    assert texts.get("nobody.example", ()) == ()


def test_arrow_backed_and_python_object_columns_attribute_the_same(ingest_fn):
    """A run's frame holds its addresses in Arrow and attribution factorises them there; a hand-made
    frame of Python objects takes the pandas path. Both give the same clients, domains and sides,
    and a value that is not text at all is no participant rather than an error."""
    demo = Path(__file__).resolve().parents[1] / "data" / "demo" / "mail"
    frame = ingest_fn([demo], jobs=1).messages.drop(columns=["client", "client_domain", "direction"])
    cols = ["client", "client_domain", "direction"]
    arrow = attribute(frame)
    objects = frame.assign(from_address=frame["from_address"].astype(object),
                           to_addresses=pd.Series(frame["to_addresses"].tolist(), index=frame.index, dtype=object),
                           cc_addresses=pd.Series(frame["cc_addresses"].tolist(), index=frame.index, dtype=object))
    pd.testing.assert_frame_equal(attribute(objects)[cols], arrow[cols], check_exact=True)
    assert arrow["client"].nunique() >= 8
    odd = objects.copy()
    odd.loc[odd.index[0], "from_address"] = 12345
    out = attribute(odd)
    assert out.loc[odd.index[0], "direction"] == "other"
    pd.testing.assert_frame_equal(out[cols].iloc[1:], arrow[cols].iloc[1:], check_exact=True)
