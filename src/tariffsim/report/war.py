"""The report of a trade war (``tariffsim war ... --report``): read from the war folder's tables.

Like every report, it computes no economics: it reads ``war.json`` and the CSV tables
that :meth:`tariffsim.games.war.WarRun.write` laid out, and arranges them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from tariffsim.errors import DataError
from tariffsim.report.html import write_page
from tariffsim.report.views import Chart, Section, Table, signed_pct

__all__ = ["WAR_TABLES", "read_war", "war_sections", "write_war_report"]

WAR_TABLES = ("tariffs", "players", "countries", "path", "starts")
"""The tables a war folder holds (``path`` for Nash wars, ``starts`` for both)."""


def read_war(folder: str | Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A war folder's record (``war.json``) and tables, as :meth:`tariffsim.games.war.WarRun.write` laid
    them out."""
    where = Path(folder)
    try:
        record = json.loads((where / "war.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"not a war folder (war.json unreadable: {exc})", file=str(where)) from None
    tables = {}
    for name in WAR_TABLES:
        path = where / f"{name}.csv"
        if path.exists():
            tables[name] = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return record, tables


def _players_sentence(record: dict[str, Any], players: pd.DataFrame) -> list[str]:
    game = record["game"]
    kind = "Nash tariffs (the end of a trade war)" if game["kind"] == "nash" else "optimal tariffs"
    out = [f"{kind} of {', '.join(game['players'])}: {game['instrument']} tariffs, "
           f"{'one rate per sector' if game['sectors'] == 'each' else 'one rate for all sectors'}, "
           f"between {100 * game['lower']:.0f} % and {100 * game['upper']:.0f} %; every other country keeps its "
           "tariffs."]
    for row in players.to_dict("records"):
        out.append(f"{row['country']}: median tariff {row['median_tariff_pct']:.1f} % (trade-weighted "
                   f"{row['trade_weighted_tariff_pct']:.1f} %); its {row['objective']} changes by "
                   f"{signed_pct(float(row['objective_change_pct']))} from where the game started.")
    return out


def war_sections(record: dict[str, Any], tables: dict[str, pd.DataFrame]) -> list[Section]:
    """What a war report shows: summary, tariffs, welfare by country, the path, diagnostics."""
    players = tables["players"]
    tariffs = tables["tariffs"]
    countries = tables["countries"]
    sections = [Section("summary", "Summary", bullets=tuple(_players_sentence(record, players)))]
    by_sector = (tariffs.groupby(["importer", "sector"], sort=False)["tariff_pct"].median().reset_index())
    sections.append(Section(
        "tariffs", "Tariffs chosen",
        paragraphs=("Each player's tariff by sector (median over its partners for bilateral tariffs).",),
        charts=(Chart("war-tariffs", "Tariffs chosen by each player", "grouped_bar",
                      by_sector.rename(columns={"sector": "x", "importer": "series", "tariff_pct": "y"}),
                      "sector", "tariff (%)"),),
        tables=(Table("Every controlled tariff, at the start and at the end (percent; baseline trade in USD "
                      "millions)", tariffs),)))
    welfare = countries[["country", "welfare_pct", "real_gdp_pct"]]
    sections.append(Section(
        "welfare", "Welfare by country",
        paragraphs=("Percent change of real income from the baseline World (not from the game's start when it "
                    "started from a scenario).",),
        charts=(Chart("war-welfare", "Welfare change by country", "bar",
                      welfare.rename(columns={"country": "x", "welfare_pct": "y"})[["x", "y"]],
                      "country", "welfare change (%)", colour_by_sign=True),),
        tables=(Table("Welfare and real GDP, percent change from the baseline", welfare),)))
    path = tables.get("path")
    if path is not None and len(path):
        sections.append(Section(
            "path", "Round by round",
            paragraphs=("The largest change of each player's tariffs in each round of best responses; the war has "
                        "ended when every change is below 1e-5.",),
            charts=(Chart("war-path", "Largest tariff change per round", "grouped_bar",
                          path.assign(x=path["round"].astype(str), y=100 * path["max_change"])
                          .rename(columns={"player": "series"})[["x", "series", "y"]],
                          "round", "largest change (percentage points)"),),
            tables=(Table("Each round: the largest tariff change (fraction) and the player's objective (hat)",
                          path),)))
    diag = record.get("diagnostics", {})
    starts = tables.get("starts")
    sections.append(Section(
        "diagnostics", "Diagnostics",
        paragraphs=(f"Model: {record['model']}. World: {record['world']['name']} ({record['world']['countries']} "
                    f"countries × {record['world']['sectors']} sectors).",
                    f"Optimality: each player's projected-gradient (KKT) residual is in the players table; "
                    f"solver: {diag}.",),
        tables=tuple([Table("Players: objective at the start and the end (hats), tariffs and KKT residual",
                            players)]
                     + ([Table("Starts tried by each player's last optimisation", starts)]
                        if starts is not None else []))))
    return sections


def write_war_report(folder: str | Path, path: str | Path) -> Path:
    """Write the HTML report of the war folder ``folder`` to ``path``."""
    record, tables = read_war(folder)
    game = record["game"]
    title = f"tariffsim trade war: {', '.join(game['players'])}"
    subtitle = f"{record.get('label') or record['world']['name']}" + (f" · {record['date']}" if record.get("date")
                                                                        else "")
    return write_page(path, title, subtitle, war_sections(record, tables))
