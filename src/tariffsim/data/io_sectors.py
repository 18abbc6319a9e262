"""Sector classifications of the input-output sources: OECD ICIO, WIOD, KITE; ISIC 3 → ICIO; HS → ICIO.

* :func:`icio_sectors` — the 28 sectors of the ICIO cubes of Lashkaripour's ``tariffwar``
  (OECD ICIO 2023 edition: 27 goods and industry codes ``A01`` … ``C31T33`` and the
  services aggregate, labelled ``SER`` here), ``tables/icio_sectors.csv``;
* :func:`wiod_sectors` — the 16 sectors of the WIOD cubes with the **corrected** labels
  (the cubes' upstream labels of sectors 5–15 name the neighbouring industries) and,
  per sector, the upstream sector whose tariff belongs to it (``tariff_from``: the
  tariffs follow the upstream labels; the realignment reproduces the ICIO cubes'
  tariffs of the same pairs, a test checks it on the 2014 cubes), ``tables/wiod_sectors.csv``;
* :data:`KITE_SECTOR_LABELS` — KITE's sectors ``C01`` … ``C22`` are WIOD rows r1–r22;
  ``C23`` … ``C50`` are the remaining WIOD sectors (utilities, construction, services)
  with some merges, whose mapping KITE does not give;
* :func:`isic3_icio` — ISIC Rev. 3 (2 digits, with the few 3- and 4-digit classes that
  ISIC Rev. 4 moved to another ICIO sector) → ICIO sector, ``tables/isic3_icio.csv``;
* :func:`hs_icio_concordance` — HS prefix → ICIO sector, from the WITS HS6 → ISIC 3
  table (``../shared/data/concordances/wits_hs6_to_isic3.csv``) and :func:`isic3_icio`,
  compressed to the shortest prefixes that map every listed HS6 code exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources

import pandas as pd

from tariffsim.errors import DataError

__all__ = ["ROW", "KITE_SECTOR_LABELS", "icio_sectors", "wiod_sectors", "isic3_icio", "icio_sector_of_isic3",
           "hs_icio_concordance"]

ROW = "ROW"
"""The rest-of-the-world label of the ICIO, WIOD and KITE data (not an ISO code)."""

KITE_SECTOR_LABELS: dict[str, str] = {
    "C01": "Crop and animal production (WIOD r1: A01)", "C02": "Forestry and logging (r2: A02)",
    "C03": "Fishing and aquaculture (r3: A03)", "C04": "Mining and quarrying (r4: B)",
    "C05": "Food, beverages, tobacco (r5: C10-C12)", "C06": "Textiles, apparel, leather (r6: C13-C15)",
    "C07": "Wood and cork products (r7: C16)", "C08": "Paper and paper products (r8: C17)",
    "C09": "Printing and recorded media (r9: C18)", "C10": "Coke and refined petroleum (r10: C19)",
    "C11": "Chemicals (r11: C20)", "C12": "Pharmaceuticals (r12: C21)", "C13": "Rubber and plastics (r13: C22)",
    "C14": "Other non-metallic minerals (r14: C23)", "C15": "Basic metals (r15: C24)",
    "C16": "Fabricated metal products (r16: C25)", "C17": "Computer, electronic and optical (r17: C26)",
    "C18": "Electrical equipment (r18: C27)", "C19": "Machinery n.e.c. (r19: C28)",
    "C20": "Motor vehicles (r20: C29)", "C21": "Other transport equipment (r21: C30)",
    "C22": "Furniture; other manufacturing (r22: C31_C32)",
    **{f"C{k:02d}": "utilities, construction or services (WIOD r23-r56, merged; KITE gives no mapping)"
       for k in range(23, 51)},
}
"""KITE's 50 sectors: C01–C22 are WIOD rows r1–r22 (``../shared/data/README.md``, section 9)."""


def _table(name: str) -> pd.DataFrame:
    with resources.files("tariffsim.data").joinpath("tables", name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def icio_sectors() -> pd.DataFrame:
    """The ICIO cubes' 28 sectors: ``sector_idx`` (int), ``sector``, ``source_label`` (as in the cube),
    ``label``, ``isic4`` (ISIC Rev. 4 divisions or groups)."""
    table = _table("icio_sectors.csv")
    table["sector_idx"] = table["sector_idx"].astype(int)
    return table


@cache
def wiod_sectors() -> pd.DataFrame:
    """The WIOD cubes' 16 sectors: ``sector_idx`` (int), ``sector``, ``corrected_label``,
    ``upstream_label``, ``tariff_from`` (tuple of the 1-based indices whose tariffs belong to the sector)."""
    table = _table("wiod_sectors.csv")
    table["sector_idx"] = table["sector_idx"].astype(int)
    table["tariff_from"] = [tuple(int(x) for x in str(v).split(";")) for v in table["tariff_from"]]
    return table


@cache
def isic3_icio() -> dict[str, str]:
    """ISIC Rev. 3 prefix (2, 3 or 4 digits) → ICIO sector; the longest matching prefix applies."""
    table = _table("isic3_icio.csv")
    return dict(zip(table["isic3"], table["sector"], strict=True))


def icio_sector_of_isic3(code: str) -> str | None:
    """The ICIO sector of an ISIC Rev. 3 class (4 digits) by the longest prefix of :func:`isic3_icio`;
    ``None`` for classes without one (``9999``, goods not elsewhere classified)."""
    table = isic3_icio()
    for length in (4, 3, 2):
        sector = table.get(code[:length])
        if sector is not None:
            return sector
    return None


def hs_icio_concordance(hs6_isic3: Mapping[str, str]) -> dict[str, str]:
    """HS prefix → ICIO sector, the fewest prefixes that place every mapped HS6 code exactly.

    Parameters
    ----------
    hs6_isic3
        HS6 code → ISIC Rev. 3 class (the WITS table). Codes whose class has no ICIO
        sector (``9999``) are left out: by the longest-prefix rule of
        :meth:`tariffsim.World.sector_of` they take the sector of their HS4 heading or
        HS2 chapter.

    Returns
    -------
    dict
        Each HS2 chapter maps to the sector most of its HS6 lines map to (ties: the
        first sector in ICIO order); an HS4 heading is listed where its majority
        differs from its chapter's; an HS6 code where its sector differs from its
        heading's. Sorted by prefix.
    """
    order = {s: k for k, s in enumerate(icio_sectors()["sector"])}
    placed: dict[str, str] = {}
    for hs6, isic in hs6_isic3.items():
        if len(hs6) != 6 or not hs6.isdigit():
            raise DataError(f"HS code '{hs6}' is not 6 digits")
        sector = icio_sector_of_isic3(isic)
        if sector is not None:
            placed[hs6] = sector
    if not placed:
        raise DataError("no HS6 code maps to an ICIO sector")

    def majority(codes: list[str]) -> str:
        counts: dict[str, int] = {}
        for code in codes:
            counts[placed[code]] = counts.get(placed[code], 0) + 1
        return min(counts, key=lambda s: (-counts[s], order[s]))

    out: dict[str, str] = {}
    codes = sorted(placed)
    chapters: dict[str, list[str]] = {}
    for code in codes:
        chapters.setdefault(code[:2], []).append(code)
    for chapter, members in chapters.items():
        out[chapter] = majority(members)
        headings: dict[str, list[str]] = {}
        for code in members:
            headings.setdefault(code[:4], []).append(code)
        for heading, lines in headings.items():
            sector = majority(lines)
            if sector != out[chapter]:
                out[heading] = sector
            parent = out.get(heading, out[chapter])
            for code in lines:
                if placed[code] != parent:
                    out[code] = placed[code]
    return dict(sorted(out.items()))
