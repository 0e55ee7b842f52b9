"""The gazetteer: every Indonesian region with its Kemendagri code, and the rules on codes.

Codes are stored dotted (`15.08.01.2001`). Levels: province (`15`), district (`15.08`),
subdistrict/kecamatan (`15.08.01`) and village (`15.08.01.2001`); a village whose last part
starts with 2 is a desa, with 3 a desa adat (a customary village of Papua, also a desa), with 1
a kelurahan (an urban ward, which has no village budget).

The current edition is Kepmendagri 2025 (38 provinces). The edition before the 2022 Papua split
is kept only to recognise the codes 2025 retired (most moved to the new Papua provinces 93-96).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from importlib import resources

import pandas as pd

from rantai.distinct import map_distinct

# The undotted lengths of each level: 2, 4, 6 and 10 digits.
_DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_UNDOTTED = re.compile(r"^(\d{2}|\d{4}|\d{6}|\d{10})$")


class Level(StrEnum):
    """Administrative level of a region code."""

    PROVINCE = "province"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    VILLAGE = "village"


_LEVEL_BY_PARTS = {1: Level.PROVINCE, 2: Level.DISTRICT, 3: Level.SUBDISTRICT, 4: Level.VILLAGE}


def normalise_code(raw: object) -> str | None:
    """Return the dotted form of a code written dotted or undotted, or None if it is not a code."""
    if raw is None:
        return None
    text = str(raw).strip()
    if _DOTTED.match(text):
        return text
    if _UNDOTTED.match(text):
        parts = [text[0:2], text[2:4], text[4:6], text[6:10]]
        return ".".join(p for p in parts if p)
    return None


def normalise_codes(raw: pd.Series) -> pd.Series:
    """Vectorised `normalise_code`: dotted codes, or None where a value is not a code.

    Each distinct cell is worked out once, in plain Python: a column of millions of rows
    names a few tens of thousands of regions, and pandas' string methods cost more per cell.
    """
    dotted = map_distinct(raw, lambda v: normalise_code(v if isinstance(v, str) else str(v)))
    return pd.Series(dotted, index=raw.index, dtype=object)


def level_of(code: str) -> Level:
    """The level of a dotted code (its number of parts)."""
    return _LEVEL_BY_PARTS[code.count(".") + 1]


def province_of(code: str) -> str:
    """The province part of a dotted code (`15.08.01.2001` -> `15`)."""
    return code[:2]


def district_of(code: str) -> str | None:
    """The district part of a dotted code, or None for a province code."""
    return code[:5] if len(code) >= 5 else None


# The first digit of a village code's last part that marks a desa: 2xxx a desa, 3xxx a desa
# adat (also a desa, with its own village budget); 1xxx is a kelurahan. The one place this is said.
_DESA_DIGITS = frozenset("23")
EDITION = "Kepmendagri 2025"
_CURRENT = "data/wilayah/kemendagri_2025.csv"
_BEFORE_2022 = "data/wilayah/kemendagri_regions.csv"


def is_desa_code(code: str) -> bool:
    """True for a dotted village code whose last part marks a desa (2xxx) or a desa adat (3xxx),
    not a kelurahan (1xxx)."""
    return len(code) == 13 and code[9] in _DESA_DIGITS


def desa_codes(codes: pd.Series) -> pd.Series:
    """Vectorised `is_desa_code` over dotted codes (False where missing or not a village)."""
    text = codes.astype(object).where(codes.notna(), "").astype(str)
    return (text.str.len() == 13) & text.str.slice(9, 10).isin(_DESA_DIGITS)


@dataclass(frozen=True)
class Gazetteer:
    """All regions of the current edition by dotted code, with their names; and the codes of
    the older edition that the current one retired, with the names they had."""

    names: dict[str, str]
    retired: dict[str, str] = field(default_factory=dict)
    edition: str = EDITION
    older: dict[str, str] = field(default_factory=dict, repr=False)  # the whole older edition

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self.names

    def name(self, code: str) -> str:
        """The official name of a region (`Kabupaten Bungo`, `Keude Bakongan`)."""
        return self.names[code]

    def retirement(self, code: object) -> str | None:
        """What became of a code the current edition does not have but the older one had, or
        None: `retired in the Kepmendagri 2025 edition; was Nasem, now 93.01.01.2001` (`now`
        where `successors` knows the place's current code)."""
        was = self.retired.get(code) if isinstance(code, str) else None
        if was is None:
            return None
        now = self.successors.get(str(code))
        return f"retired in the {self.edition} edition; was {was}" + (f", now {now}" if now else "")

    @cached_property
    def successors(self) -> dict[str, str]:
        """The current code of a retired one, where the names tell it: the one code of its level
        whose district, kecamatan and own names are the retired code's (Nasem of Merauke,
        Kabupaten Merauke: `91.01.01.2001` before the Papua split, `93.01.01.2001` now); else,
        for a village, the one village of its district's name with its name (a kecamatan split).
        Worked out on first use: only a delivery with retired codes needs it."""
        return _successors(self.older, self.names, self.retired)

    def level(self, code: str) -> Level:
        """The level of a known code."""
        return level_of(code)

    def is_desa(self, code: str) -> bool:
        """True when the code is a known desa."""
        return code in self.names and is_desa_code(code)

    def within(self, code: str, parent: str) -> bool:
        """True when `code` lies inside (or is) the region `parent`."""
        return code == parent or code.startswith(parent + ".")

    def children(self, parent: str, level: Level) -> list[str]:
        """Known codes of a level inside a region, sorted."""
        return sorted(c for c in self.names if level_of(c) is level and self.within(c, parent))

    def desa_in(self, parent: str) -> list[str]:
        """Every desa inside a region, sorted."""
        return [c for c in self.children(parent, Level.VILLAGE) if is_desa_code(c)]

    def frame(self) -> pd.DataFrame:
        """The gazetteer as a frame: code, name, level, province, district, is_desa."""
        codes = pd.Series(list(self.names), dtype=object)
        return pd.DataFrame(
            {
                "code": codes,
                "name": pd.Series(list(self.names.values()), dtype=object),
                "level": codes.map(lambda c: level_of(c).value),
                "province": codes.str.slice(0, 2),
                "district": codes.str.slice(0, 5).where(codes.str.len() >= 5),
                "is_desa": desa_codes(codes),
            }
        )


def _read_edition(path: str) -> dict[str, str]:
    text = resources.files("rantai").joinpath(path).read_text(encoding="utf-8")
    return {row[0]: row[1] for row in csv.reader(io.StringIO(text, newline="")) if row}


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Load the bundled Kemendagri gazetteer, the 2025 edition and the codes it retired (read
    once per process)."""
    names = _read_edition(_CURRENT)
    older = _read_edition(_BEFORE_2022)
    retired = {code: name for code, name in older.items() if code not in names}
    return Gazetteer(names=names, retired=retired, older=older)


def _plain(name: str) -> str:
    """A name as both editions agree on it: `KAB. MERAUKE` and `Kabupaten Merauke` -> `merauke`,
    `KOTA ADM. JAKARTA PUSAT` and `Kota Administrasi Jakarta Pusat` -> `kotajakartapusat`."""
    text = _KABUPATEN.sub("", name.lower())
    text = _ADMINISTRASI.sub("", text)
    return _NOT_ALNUM.sub("", text)


_KABUPATEN = re.compile(r"^(kab\.|kabupaten)\s*")
_ADMINISTRASI = re.compile(r"\b(adm\.|administrasi)\s*")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _successors(
    older: dict[str, str], names: dict[str, str], retired: dict[str, str]
) -> dict[str, str]:
    """See `Gazetteer.successors`."""
    plain_now = {code: _plain(name) for code, name in names.items()}
    plain_then = {code: _plain(name) for code, name in older.items()}

    def path(plain: dict[str, str], code: str) -> tuple[str, ...]:
        # Below the province (several districts moved to the new Papua provinces).
        return tuple(plain.get(code[:end], "") for end in (5, 8, 13) if end <= len(code))

    def by(
        key: Callable[[dict[str, str], str], tuple[str, ...]],
    ) -> dict[tuple[str, ...], list[str]]:
        index: dict[tuple[str, ...], list[str]] = {}
        for code in names:
            if len(code) > 2:
                index.setdefault(key(plain_now, code), []).append(code)
        return index

    def district_and_village(plain: dict[str, str], code: str) -> tuple[str, ...]:
        return (plain.get(code[:5], ""), plain.get(code, "")) if len(code) == 13 else ()

    full, loose = by(path), by(district_and_village)
    found: dict[str, str] = {}
    for code in retired:
        if len(code) == 2:
            continue
        hits = full.get(path(plain_then, code), [])
        if len(hits) != 1 and len(code) == 13:
            hits = loose.get(district_and_village(plain_then, code), [])
        if len(hits) == 1:
            found[code] = hits[0]
    return found
