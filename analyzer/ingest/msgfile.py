"""Reading the MAPI properties of an Outlook ``.msg`` file (an OLE2 compound file) with olefile.

The layout is Microsoft's [MS-OXMSG]: each property is either a stream
``__substg1.0_<ID><TYPE>`` (strings, binaries) or an entry in the fixed-size
``__properties_version1.0`` stream (integers, times); recipients and attachments are storages
``__recip_version1.0_#N`` and ``__attach_version1.0_#N`` with the same layout. Only what the
analyzer needs is read; an attachment's data stream is sized, never read.
"""

from __future__ import annotations

import io
import struct
from datetime import datetime, timedelta, timezone

_UNICODE, _STRING8, _BINARY, _LONG, _SYSTIME = 0x001F, 0x001E, 0x0102, 0x0003, 0x0040
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


class MapiObject:
    """The properties of the message (``prefix=""``), a recipient or an attachment storage."""

    def __init__(self, ole, prefix: str = "", header_size: int = 32):
        self.ole = ole
        self.prefix = prefix
        self.header_size = header_size
        self._fixed: dict[int, tuple[int, bytes]] | None = None

    def _path(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def string(self, prop_id: int) -> str:
        for ptype, enc in ((_UNICODE, "utf-16-le"), (_STRING8, "cp1252")):
            path = self._path(f"__substg1.0_{prop_id:04X}{ptype:04X}")
            if self.ole.exists(path):
                raw = self.ole.openstream(path).read()
                return raw.decode(enc, "replace").replace("\x00", "")
        return ""

    def binary(self, prop_id: int) -> bytes | None:
        path = self._path(f"__substg1.0_{prop_id:04X}{_BINARY:04X}")
        return self.ole.openstream(path).read() if self.ole.exists(path) else None

    def binary_size(self, prop_id: int) -> int | None:
        path = self._path(f"__substg1.0_{prop_id:04X}{_BINARY:04X}")
        return self.ole.get_size(path) if self.ole.exists(path) else None

    def _fixed_props(self) -> dict[int, tuple[int, bytes]]:
        if self._fixed is None:
            self._fixed = {}
            path = self._path("__properties_version1.0")
            if self.ole.exists(path):
                data = self.ole.openstream(path).read()[self.header_size:]
                for off in range(0, len(data) - 15, 16):
                    tag, _flags = struct.unpack_from("<II", data, off)
                    self._fixed[tag >> 16] = (tag & 0xFFFF, data[off + 8: off + 16])
        return self._fixed

    def integer(self, prop_id: int) -> int | None:
        ptype, value = self._fixed_props().get(prop_id, (None, b""))
        return struct.unpack("<i", value[:4])[0] if ptype == _LONG else None

    def time(self, prop_id: int) -> datetime | None:
        ptype, value = self._fixed_props().get(prop_id, (None, b""))
        if ptype != _SYSTIME:
            return None
        ticks = struct.unpack("<Q", value)[0]
        if ticks == 0:
            return None
        try:
            return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
        except OverflowError:
            return None

    def children(self, kind: str) -> list["MapiObject"]:
        """The recipient (``"recip"``) or attachment (``"attach"``) storages, in order."""
        base = [part for part in self.prefix.split("/") if part]
        depth = len(base)
        names = {entry[depth] for entry in self.ole.listdir(streams=True, storages=True)
                 if entry[:depth] == base and len(entry) > depth + 1
                 and entry[depth].startswith(f"__{kind}_version1.0_#")}
        return [MapiObject(self.ole, f"{self.prefix}{name}/", header_size=8) for name in sorted(names)]


def open_msg(data: bytes):
    """The olefile handle of a .msg file's bytes (raises on anything that is not OLE2)."""
    import olefile

    return olefile.OleFileIO(io.BytesIO(data))
