"""The TOML config file: which domains are the agency, which are clients.

Example::

    [agency]
    domains = ["brightside.agency"]

    [clients."Northwind Traders"]
    domains = ["northwind.com", "northwind.co.uk"]

    [clients."Jo Baker (freelance)"]
    addresses = ["jo.baker@gmail.com"]

Without a config the analyzer infers the agency and the clients (see
:mod:`analyzer.ingest.attribution`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.errors import ConfigError


@dataclass(frozen=True)
class ClientSpec:
    name: str
    domains: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    agency_domains: tuple[str, ...] = ()
    agency_addresses: tuple[str, ...] = ()
    clients: tuple[ClientSpec, ...] = ()
    extra_freemail_domains: tuple[str, ...] = ()
    source: str | None = field(default=None, compare=False)

    @property
    def has_agency(self) -> bool:
        return bool(self.agency_domains or self.agency_addresses)


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip().lower().lstrip("@") for v in value)


def parse_config(data: dict, source: str | None = None) -> Config:
    """Build a :class:`Config` from an already-parsed TOML mapping."""
    where = source or "config"
    known = {"agency", "clients", "freemail"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown section(s) {sorted(unknown)}; expected {sorted(known)}")
    agency = data.get("agency", {})
    if not isinstance(agency, dict):
        raise ConfigError(f"{where}: [agency] must be a table")
    clients_tbl = data.get("clients", {})
    if not isinstance(clients_tbl, dict):
        raise ConfigError(f'{where}: [clients."Name"] must be tables')
    clients = []
    for name, spec in clients_tbl.items():
        if not isinstance(spec, dict):
            raise ConfigError(f'{where}: [clients."{name}"] must be a table')
        c = ClientSpec(
            name=name,
            domains=_str_list(spec.get("domains"), f'{where}: clients."{name}".domains'),
            addresses=_str_list(spec.get("addresses"), f'{where}: clients."{name}".addresses'),
        )
        if not (c.domains or c.addresses):
            raise ConfigError(f'{where}: clients."{name}" needs domains or addresses')
        clients.append(c)
    cfg = Config(
        agency_domains=_str_list(agency.get("domains"), f"{where}: agency.domains"),
        agency_addresses=_str_list(agency.get("addresses"), f"{where}: agency.addresses"),
        clients=tuple(clients),
        extra_freemail_domains=_str_list(
            data.get("freemail", {}).get("domains") if isinstance(data.get("freemail"), dict) else None,
            f"{where}: freemail.domains",
        ),
        source=source,
    )
    overlap = set(cfg.agency_domains) & {d for c in cfg.clients for d in c.domains}
    if overlap:
        raise ConfigError(f"{where}: domain(s) {sorted(overlap)} are both agency and client")
    return cfg


def load_config(path: str | Path | None) -> Config | None:
    """Read a TOML config file; ``None`` in gives ``None`` out (infer everything)."""
    if path is None:
        return None
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config {p}: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config {p} is not valid TOML: {exc}") from exc
    return parse_config(data, source=str(p))
