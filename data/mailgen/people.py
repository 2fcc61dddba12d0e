"""Who writes: the agency and its staff, client organisations and their contacts.

A :class:`Person` carries everything rendering needs (address, title for the signature, writing
register, British spelling, time zone).  A :class:`Client` is an organisation (one or two domains)
or a free-mail individual (a client by address).  Contacts are ordered by role: ``main`` (the day to
day manager), ``exec`` (the senior person), ``colleague`` and ``finance``; how many of them actually
write depends on the client's depth (see :mod:`mailgen.behaviour`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

AGENCY_NAME = "Brightside Studio"
AGENCY_DOMAIN = "brightside.studio"
AGENCY_SHORT = "Brightside"

FIRST = (
    "Olivia", "James", "Amara", "Daniel", "Sophie", "Ravi", "Hannah", "Marcus", "Chloe", "Tomasz",
    "Grace", "Leon", "Aisha", "Peter", "Isabel", "Kwame", "Eleanor", "Mateo", "Fiona", "Hiro",
    "Rachel", "Owen", "Nadia", "Connor", "Zoe", "Samuel", "Lena", "Victor", "Harriet", "Jamal",
    "Clara", "Felix", "Maeve", "Andre", "Ruth", "Stefan", "Imogen", "Diego", "Yasmin", "Callum",
)
LAST = (
    "Whitfield", "Osei", "Brennan", "Kowalski", "Hartley", "Nakamura", "Patel", "Lindqvist", "Moreau",
    "Dunmore", "Achebe", "Fischer", "Gallagher", "Sousa", "Thornton", "Varga", "Ellison", "Mbeki",
    "Carrick", "Delgado", "Ashworth", "Novak", "Pemberton", "Quinlan", "Rahman", "Sterling", "Tanaka",
    "Underwood", "Vance", "Wexley", "Yilmaz", "Zeller", "Abbott", "Blake", "Chowdhury", "Drummond",
)
GERMAN_FIRST = ("Katrin", "Jürgen", "Anja", "Matthias", "Sabine", "Florian", "Petra", "Tobias")
GERMAN_LAST = ("Kessler", "Hoffmann", "Brandt", "Schäfer", "Neumann", "Krüger", "Vogel", "Lorenz")

PHONE_PREFIX = {"Europe/London": "+44 20", "America": "+1 212", "Europe/Berlin": "+49 711", "Europe/Paris": "+33 1",
                "Europe/Amsterdam": "+31 20", "Australia/Sydney": "+61 2", "Europe/Dublin": "+353 1"}
TITLES = {
    "main": ("Marketing Manager", "Brand Manager", "Senior Marketing Manager", "Communications Manager",
             "Digital Marketing Manager", "Project Manager, Marketing", "Content Lead"),
    "exec": ("CEO", "Founder & CEO", "Managing Director", "Chief Marketing Officer", "VP Marketing",
             "Director of Communications", "Head of Brand", "Co-founder", "Managing Partner", "COO"),
    "colleague": ("Marketing Executive", "Marketing Assistant", "Junior Brand Executive",
                  "Social Media Coordinator", "Product Marketing Manager", "Events Coordinator"),
    "finance": ("Procurement Officer", "Accounts Payable", "Finance Assistant", "Purchasing Coordinator",
                "Procurement Manager"),
}


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    address: str
    title: str
    role: str  # main | exec | colleague | finance | staff
    register: str  # formal | chatty | mobile | nonnative | any
    british: bool
    tz: str
    phone: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


@dataclass
class Client:
    name: str
    domains: tuple[str, ...]
    people: list[Person]
    quote_style: str  # gmail | outlook | underscore | german | french | apple
    html_mode: str  # plain | alternative | html
    currency: str
    british: bool
    freemail: bool = False
    short: str = ""
    index: int = 0
    notes: dict = field(default_factory=dict)

    @property
    def addresses(self) -> tuple[str, ...]:
        return tuple(p.address for p in self.people) if self.freemail else ()

    def contact(self, role: str) -> Person | None:
        return next((p for p in self.people if p.role == role), None)


# name, domains, tz, british, currency, quote styles, html modes, register, kind
CATALOGUE: tuple[dict, ...] = (
    dict(name="Northwind Traders", domains=("northwind.co.uk", "northwind.com"), tz="Europe/London",
         british=True, cur="£", quote=("outlook",), html=("alternative",), reg="formal"),
    dict(name="Kessler Maschinenbau GmbH", short="Kessler", domains=("kessler-maschinenbau.de",),
         tz="Europe/Berlin", british=True, cur="€", quote=("german",), html=("alternative", "plain"),
         reg="nonnative", german=True),
    dict(name="Jo Baker Ceramics", short="Jo", domains=("gmail.com",), tz="Europe/London", british=True,
         cur="£", quote=("gmail",), html=("alternative",), reg="chatty", freemail=True,
         fixed=("Jo", "Baker")),
    dict(name="Lumina Health", domains=("luminahealth.com",), tz="America/New_York", british=False,
         cur="$", quote=("underscore",), html=("html",), reg="formal"),
    dict(name="Fernhill Brewing Co", short="Fernhill", domains=("fernhillbrewing.co.uk",),
         tz="Europe/London", british=True, cur="£", quote=("gmail", "apple"), html=("plain",), reg="chatty"),
    dict(name="Quanta Robotics", domains=("quantarobotics.io",), tz="America/Los_Angeles", british=False,
         cur="$", quote=("gmail",), html=("alternative",), reg="mobile"),
    dict(name="Harbour Trust", domains=("harbourtrust.org.uk",), tz="Europe/London", british=True,
         cur="£", quote=("outlook", "underscore"), html=("html", "alternative"), reg="formal"),
    dict(name="Sable Cosmetiques", short="Sable", domains=("sable-cosmetiques.fr",), tz="Europe/Paris",
         british=True, cur="€", quote=("french",), html=("alternative",), reg="nonnative"),
    dict(name="Coastline Insurance", domains=("coastline-insurance.com",), tz="Europe/London",
         british=True, cur="£", quote=("underscore",), html=("html",), reg="formal"),
    dict(name="Maple & Stone Interiors", short="Maple & Stone", domains=("mapleandstone.ca",),
         tz="America/Toronto", british=False, cur="$", quote=("apple", "gmail"), html=("plain",), reg="chatty"),
    dict(name="Oakridge Capital", domains=("oakridgecapital.com",), tz="America/New_York", british=False,
         cur="$", quote=("outlook",), html=("alternative",), reg="formal"),
    dict(name="Verdant Foods", domains=("verdantfoods.com",), tz="Europe/London", british=True, cur="£",
         quote=("gmail",), html=("plain", "alternative"), reg="any"),
    dict(name="Bluebird Learning", domains=("bluebirdlearning.com.au",), tz="Australia/Sydney",
         british=True, cur="$", quote=("gmail",), html=("alternative",), reg="chatty"),
    dict(name="Greenway Energie", short="Greenway", domains=("greenway-energie.nl",),
         tz="Europe/Amsterdam", british=True, cur="€", quote=("underscore",), html=("alternative",),
         reg="nonnative"),
    dict(name="Tidewater Hotels", domains=("tidewaterhotels.com",), tz="America/Chicago", british=False,
         cur="$", quote=("outlook",), html=("html",), reg="any"),
    dict(name="Pixelforge Games", domains=("pixelforge.gg",), tz="Europe/Dublin", british=True, cur="€",
         quote=("gmail",), html=("plain",), reg="mobile"),
)
_PREFIX = ("Aster", "Birch", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Helix", "Iris", "Juniper",
           "Kelp", "Lark", "Meridian", "Nimbus", "Onyx", "Pebble", "Quarry", "Russet", "Saffron", "Topaz")
_SUFFIX = ("Logistics", "Dental", "Homes", "Software", "Foods", "Partners", "Retail", "Labs", "Travel",
           "Fitness", "Media", "Legal", "Clinics", "Outdoors", "Bakery", "Analytics")
_TZS = ("Europe/London", "Europe/London", "America/New_York", "Europe/Dublin", "America/Chicago")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _ascii(text: str) -> str:
    return text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e"})).lower()


def agency_staff() -> list[Person]:
    """The fixed staff of the agency: names, roles and phone numbers for signatures."""
    rows = (
        ("Maya", "Okafor", "Founder & Managing Director", "formal"),
        ("Tom", "Hensley", "Account Director", "chatty"),
        ("Priya", "Raman", "Senior Account Manager", "any"),
        ("Jonas", "Weber", "Creative Director", "chatty"),
        ("Lucy", "Tran", "Account Executive", "any"),
        ("Ben", "Carver", "Finance & Operations Manager", "formal"),
    )
    return [
        Person(f, l, f"{f.lower()}@{AGENCY_DOMAIN}", t, "staff", reg, True, "Europe/London",
               f"+44 20 7946 0{410 + i:03d}")
        for i, (f, l, t, reg) in enumerate(rows)
    ]


def _person(rng: random.Random, spec: dict, role: str, domain: str, used: set[str]) -> Person:
    german = spec.get("german", False)
    for _ in range(50):
        first = rng.choice(GERMAN_FIRST if german else FIRST)
        last = rng.choice(GERMAN_LAST if german else LAST)
        if role == "main" and spec.get("fixed"):
            first, last = spec["fixed"]
        if f"{first} {last}" not in used:
            break
    used.add(f"{first} {last}")
    if spec.get("freemail"):
        local = f"{_ascii(first)}.{_ascii(last)}{rng.choice(('', '.studio', '82', '.ceramics'))}"
    else:
        local = rng.choice((f"{_ascii(first)}.{_ascii(last)}", f"{_ascii(first)[0]}.{_ascii(last)}",
                            f"{_ascii(first)}", f"{_ascii(first)}{_ascii(last)[0]}"))
    register = spec["reg"]
    if register == "any" or (role == "exec" and register != "nonnative" and rng.random() < 0.5):
        register = rng.choice(("formal", "chatty", "mobile", "any")) if role == "exec" else \
            rng.choice(("formal", "chatty", "any"))
    title = rng.choice(TITLES[role])
    if spec.get("freemail"):
        title = "Owner" if role == "main" else "Studio Manager"
    prefix = PHONE_PREFIX.get(spec["tz"].split("/")[0] if spec["tz"].startswith("America") else spec["tz"], "+44 20")
    phone = f"{prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return Person(first, last, f"{local}@{domain}", title, role, register, spec["british"], spec["tz"], phone)


def make_client(rng: random.Random, spec: dict, index: int) -> Client:
    """Build one client organisation (or free-mail individual) and its four possible contacts."""
    used: set[str] = set()
    domains = tuple(spec["domains"])
    roles = ("main", "colleague") if spec.get("freemail") else ("main", "exec", "colleague", "finance")
    people = []
    for i, role in enumerate(roles):
        domain = domains[0] if role == "main" else domains[-1]  # two-domain clients: staff on both
        people.append(_person(rng, spec, role, domain, used))
    return Client(
        name=spec["name"], domains=domains, people=people, quote_style=rng.choice(spec["quote"]),
        html_mode=rng.choice(spec["html"]), currency=spec["cur"], british=spec["british"],
        freemail=bool(spec.get("freemail")), short=spec.get("short") or spec["name"].split()[0], index=index,
    )


def synthetic_spec(rng: random.Random, i: int) -> dict:
    """A generated organisation for large corpora (beyond the hand-written catalogue)."""
    name = f"{rng.choice(_PREFIX)} {rng.choice(_SUFFIX)}"
    tz = rng.choice(_TZS)
    british = tz.startswith("Europe")
    tld = ".co.uk" if tz == "Europe/London" else (".ie" if tz == "Europe/Dublin" else ".com")
    return dict(
        name=f"{name} {i}", short=name.split()[0], domains=(f"{slug(name)}-{i}{tld}",), tz=tz, british=british,
        cur="£" if tld == ".co.uk" else ("€" if tld == ".ie" else "$"),
        quote=(rng.choice(("gmail", "outlook", "underscore", "apple")),),
        html=(rng.choice(("plain", "alternative", "html")),), reg=rng.choice(("formal", "chatty", "any", "mobile")),
    )


def make_clients(seed: int, n: int) -> list[Client]:
    """The first ``min(n, 3)`` are the special cases (two domains, German quoting, free-mail);
    the rest are sampled from the catalogue, then synthetic organisations."""
    rng = random.Random(f"{seed}:clients")
    specials = list(CATALOGUE[:3])
    others = list(CATALOGUE[3:])
    rng.shuffle(others)
    specs = (specials + others)[:n]
    while len(specs) < n:
        specs.append(synthetic_spec(rng, len(specs)))
    clients = [make_client(random.Random(f"{seed}:client:{i}"), spec, i) for i, spec in enumerate(specs)]
    if len(clients) >= 4 and not any(c.html_mode == "html" for c in clients):
        clients[-1].html_mode = "html"  # every corpus has HTML-only mail (Outlook web users)
    return clients
