"""Product codes across HS digit levels, and HS → broad sectors.

HS codes are strings of digits: chapter (HS2), heading (HS4), subheading (HS6),
then national lines (US HTS8/HTS10, Chinese HS8/HS10). Sources drop leading zeros
(BACI writes ``10121`` for ``010121``); :func:`hs_pad` restores them.

Sector groupings map HS2 chapters to sectors. The project's table
``tables/hs_sectors.csv`` has 20 sectors that follow the sections of the
Harmonized System (WCO, HS Nomenclature 2017, sections I–XXI), with two changes
so that every sector sits inside one sector of the coarser grouping:

* section V (mineral products) is split into ``MIN`` (chapters 25–26: salt,
  stone, ores) and ``FUE`` (chapter 27: fuels, electricity);
* sections XIX–XXI (arms; miscellaneous manufactures; works of art) are one
  sector ``MSC``, which also takes the national chapters 98–99 (special
  classification provisions) found in US and other national data.

The coarser grouping ``broad`` (7 goods sectors ``AGR ENE CHM MET MAC VEH OTH``)
is the demo World's (``data/demo/sectors.csv``): its chapters are the union of
its members' chapters. A test checks that the two files agree.

ITPD-E reports industries, not HS codes; ``tables/itpde_industries.csv`` gives
each of its 153 goods industries the HS2 chapter where most of its products sit
(our judgement from the industry names, e.g. "Dairy products" → 04; services
have none), so that any HS-based grouping applies to ITPD-E too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tariffsim.errors import DataError

__all__ = [
    "HS_CHAPTERS",
    "SectorGrouping",
    "GROUPINGS",
    "sector_grouping",
    "hs_pad",
    "hs_truncate",
    "hs_pad_array",
    "parse_chapters",
    "aggregate_hs",
    "hs_sectors",
    "itpde_industries",
]

HS_CHAPTERS: tuple[str, ...] = tuple(f"{c:02d}" for c in range(1, 100) if c != 77)
"""HS2 chapters 01–99 (77 is reserved and unused; 98–99 are national special provisions)."""

GROUPINGS = ("broad", "hs20")
"""Names of the built-in sector groupings."""


def _table(name: str) -> pd.DataFrame:
    with resources.files("tariffsim.data").joinpath("tables", name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


# ---------------------------------------------------------------------- HS codes
def hs_pad(code: str | int, digits: int = 6) -> str:
    """An HS code as a zero-padded string: ``hs_pad(10121) == "010121"``.

    Codes of odd length come from dropped leading zeros (``10121`` is HS6 ``010121``);
    ``digits`` is the level the code is at.
    """
    text = str(code).strip()
    if not text.isdigit() or len(text) > digits:
        raise DataError(f"'{code}' is not an HS code of at most {digits} digits")
    return text.zfill(digits)


def hs_truncate(code: str, digits: int) -> str:
    """The code at a coarser level: ``hs_truncate("01012100", 6) == "010121"``."""
    if digits not in (2, 4, 6, 8, 10) or len(code) < digits:
        raise DataError(f"cannot cut HS code '{code}' to {digits} digits")
    return code[:digits]


def hs_pad_array(codes: pa.Array, digits: int) -> pa.Array:
    """Vectorised :func:`hs_pad` on a string array (no validation)."""
    return pc.utf8_lpad(pc.utf8_trim_whitespace(codes), width=digits, padding="0")


def parse_chapters(spec: str | Iterable[str]) -> list[str]:
    """HS2 chapters from a spec such as ``"01-24;27"`` or ``["25-26", "68-83"]``.

    Raises
    ------
    DataError
        On chapters outside 01–99, reversed ranges or text that is not a range.
    """
    parts: list[str] = []
    items = [spec] if isinstance(spec, str) else list(spec)
    for item in items:
        parts.extend(p.strip() for p in re.split(r"[;,]", str(item)) if p.strip())
    out: list[str] = []
    for part in parts:
        m = re.fullmatch(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?", part)
        if not m:
            raise DataError(f"'{part}' is not an HS chapter or range (write e.g. '01-24' or '27')")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if not (1 <= lo <= hi <= 99):
            raise DataError(f"chapter range '{part}' is outside 01-99 or reversed")
        out.extend(f"{c:02d}" for c in range(lo, hi + 1) if f"{c:02d}" in HS_CHAPTERS)
    return out


def aggregate_hs(frame: pd.DataFrame, code: str, digits: int, values: Sequence[str],
                 by: Sequence[str] = ()) -> pd.DataFrame:
    """Sum ``values`` over products up to ``digits``-digit codes (e.g. HS8 → HS6).

    Parameters
    ----------
    frame
        Long table with a code column of zero-padded digit strings.
    code
        Name of the code column; the result's code column has the same name.
    digits
        Target level (2, 4, 6, 8); codes shorter than that raise :class:`DataError`.
    values
        Columns to sum (units unchanged).
    by
        Other key columns kept (e.g. ``exporter``, ``importer``).
    """
    codes = frame[code].astype(str)
    short = codes.str.len() < digits
    if short.any():
        raise DataError(f"codes shorter than {digits} digits cannot be aggregated to HS{digits}: "
                        f"{', '.join(codes[short].unique()[:5])}", column=code)
    out = frame.assign(**{code: codes.str[:digits]})
    return out.groupby([*by, code], as_index=False, sort=True)[list(values)].sum()


# ---------------------------------------------------------------------- groupings
@dataclass(frozen=True)
class SectorGrouping:
    """HS2 chapters → sectors.

    Attributes
    ----------
    name
        ``broad``, ``hs20`` or ``custom``.
    sectors
        Sector labels in order.
    labels
        Sector → description.
    chapters
        HS2 chapter → sector, for every chapter the grouping covers.
    """

    name: str
    sectors: tuple[str, ...]
    labels: Mapping[str, str]
    chapters: Mapping[str, str] = field(repr=False)

    def sector_of(self, hs_code: str) -> str:
        """Sector of an HS code at any level (its first two digits)."""
        try:
            return self.chapters[hs_code[:2]]
        except KeyError:
            raise DataError(f"HS chapter {hs_code[:2]} is not in sector grouping '{self.name}'") from None

    def frame(self) -> pd.DataFrame:
        """``hs2, sector`` table, one row per chapter (for joins)."""
        return pd.DataFrame({"hs2": list(self.chapters), "sector": list(self.chapters.values())})

    def chapter_ranges(self) -> dict[str, str]:
        """Sector → chapters written as ranges (``"25-26;68-83"``)."""
        out: dict[str, str] = {}
        for sector in self.sectors:
            nums = sorted(int(c) for c, s in self.chapters.items() if s == sector)
            out[sector] = _ranges(nums)
        return out


def _ranges(nums: list[int]) -> str:
    spans: list[tuple[int, int]] = []
    for n in nums:
        if spans and (n == spans[-1][1] + 1 or (n == 78 and spans[-1][1] == 76)):
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((n, n))
    return ";".join(f"{a:02d}" if a == b else f"{a:02d}-{b:02d}" for a, b in spans)


@cache
def hs_sectors() -> pd.DataFrame:
    """The project's 20-sector table: ``sector, label, hs_section, hs2_chapters, broad``."""
    return _table("hs_sectors.csv")


@cache
def itpde_industries() -> pd.DataFrame:
    """ITPD-E industries: ``industry_id`` (int), ``description``, ``broad_sector``, ``hs2`` ("" for services).

    Industry names: Borchert, Larch, Shikher and Yotov (2021), "The International
    Trade and Production Database for Estimation (ITPD-E)", International Economics
    166, table 1. The ``hs2`` column is this project's assignment (see module doc).
    """
    table = _table("itpde_industries.csv")
    table["industry_id"] = table["industry_id"].astype(int)
    return table


def sector_grouping(spec: str | Mapping[str, str | Sequence[str]] | SectorGrouping = "broad") -> SectorGrouping:
    """A sector grouping by name or from ``sector -> chapters``.

    Parameters
    ----------
    spec
        ``"broad"`` (7 goods sectors, the demo World's), ``"hs20"`` (20 HS-section
        sectors), or a mapping such as ``{"AGR": "01-24", "IND": ["25-97"]}``.

    Raises
    ------
    DataError
        For unknown names, a chapter in two sectors, or chapters left out (every
        chapter 01–97 must belong to a sector; 98–99 may be left out).
    """
    if isinstance(spec, SectorGrouping):
        return spec
    table = hs_sectors()
    if isinstance(spec, str):
        if spec == "hs20":
            groups: dict[str, list[str]] = {s: parse_chapters(c) for s, c in zip(table["sector"],
                                                                               table["hs2_chapters"], strict=True)}
            labels = dict(zip(table["sector"], table["label"], strict=True))
            return _grouping("hs20", groups, labels)
        if spec == "broad":
            broad = _table("broad_sectors.csv")
            groups = {s: [] for s in broad["sector"]}
            for sector_chapters, parent in zip(table["hs2_chapters"], table["broad"], strict=True):
                groups[parent].extend(parse_chapters(sector_chapters))
            return _grouping("broad", groups, dict(zip(broad["sector"], broad["label"], strict=True)))
        raise DataError(f"unknown sector grouping '{spec}'; use one of {', '.join(GROUPINGS)} "
                        "or a mapping sector -> HS2 chapters")
    groups = {str(s): parse_chapters(c) for s, c in spec.items()}
    return _grouping("custom", groups, {s: s for s in groups})


def _grouping(name: str, groups: Mapping[str, list[str]], labels: Mapping[str, str]) -> SectorGrouping:
    chapters: dict[str, str] = {}
    for sector, members in groups.items():
        for chapter in members:
            if chapter in chapters:
                raise DataError(f"HS chapter {chapter} is in two sectors ('{chapters[chapter]}' and '{sector}')")
            chapters[chapter] = sector
    missing = [c for c in HS_CHAPTERS if c not in chapters and c < "98"]
    if missing:
        raise DataError(f"sector grouping '{name}' leaves out HS chapters {_ranges([int(c) for c in missing])}; "
                        "every chapter 01-97 must belong to a sector")
    empty = [s for s, members in groups.items() if not members]
    if empty:
        raise DataError(f"sectors without chapters in grouping '{name}': {', '.join(empty)}")
    return SectorGrouping(name=name, sectors=tuple(groups), labels=dict(labels),
                          chapters=dict(sorted(chapters.items())))
