"""A draft → a scenario file, position skeletons and targets for the trade-talks tools.

:func:`draft_scenario` writes the tariff and purchase items of a :class:`Draft` as a scenario
for a World: an action (or purchase) whose essentials — imposer, targets and rate (an amount for
a purchase) — are resolved on the World's grid becomes an ``[[action]]`` (``[[purchase]]``) with
its sentence as ``source``; one missing something is written *commented out*, with a ``TODO``
line saying what to fill in, and listed as a warning with its sentence. The file therefore always
passes ``tariffsim scenario check``, and an entry becomes live when the user fills in and uncomments it.

How items reach the World's grid:

* countries: ISO3 codes of the World; ``EU`` is the World's ``EU`` or, on a World with the member
  states, a ``[regions]`` entry of the members (on the publication date); a member state on a
  World that has ``EU`` and not the state becomes ``EU``; anything else is left out with a warning;
* what is covered: HS codes of the product words (``products``) placed in sectors by the World's
  concordance; a named Section 301 list as ``product_list`` (resolved with ``--lists DIR``) over
  every traded sector; nothing named: every traded sector;
* the stated amount (USD millions at the year's rate) as ``coverage``; without an amount the
  whole sectors are covered (with a warning) — the product codes are then written as a comment,
  to apply line by line with product-level weights;
* a rate change "to 25% from 10%" as ``add`` of the difference (additional tariffs stack on MFN);
  "to 7.5%" without the rate before as ``mode = "set"`` (with a warning: ``set`` replaces the whole
  rate, MFN included);
* suspensions with a rate as ``suspended = true`` actions; removals as a cut of the stated rate.

Targets and demands are not scenario entries: :class:`TalksTarget` carries a balance target to the
target finder of the trade-talks tools (``tariffsim talks target --pair A:B --balance-change X
--by DATE``), and :class:`Position` turns a party's demands into a skeleton overlay that
``extends`` the draft, for ``tariffsim talks gap``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tariffsim.draft.items import Item, Span
from tariffsim.draft.lexicon import eu_members, named_lists

if TYPE_CHECKING:
    from tariffsim.world import World

__all__ = ["Draft", "DraftScenario", "TalksTarget", "Position", "draft_scenario"]


@dataclass(frozen=True)
class TalksTarget:
    """A bilateral-balance goal for the target finder: the balance of ``pair[0]`` with ``pair[1]`` (exports
    minus imports, USD millions) changes by ``balance_change_musd`` by ``by``.

    ``bound`` is ``at_least`` when the text says "by at least". ``set_by`` is the party that states the goal.
    """

    pair: tuple[str, str]
    balance_change_musd: float
    by: dt.date | None
    bound: str
    set_by: str | None
    evidence: Span

    def cli_args(self) -> list[str]:
        """Arguments for ``tariffsim talks target`` (the instrument and world are the user's choice)."""
        args = ["--pair", f"{self.pair[0]}:{self.pair[1]}", "--balance-change", f"{self.balance_change_musd:g}"]
        if self.by is not None:
            args += ["--by", self.by.isoformat()]
        return args

    def find_target_kwargs(self) -> dict[str, Any]:
        """The target as keyword arguments of the talks tools' target finder
        (``find_target(world, instruments=..., **kwargs)``)."""
        return {"pair": self.pair, "balance_change": self.balance_change_musd, "by": self.by}

    def to_json(self) -> dict[str, Any]:
        return {"pair": list(self.pair), "balance_change_musd": self.balance_change_musd,
                "by": None if self.by is None else self.by.isoformat(), "bound": self.bound, "set_by": self.set_by,
                "evidence": {"sentence": self.evidence.text, "start": self.evidence.start, "end": self.evidence.end}}


@dataclass(frozen=True)
class Position:
    """What one party demands in the article: its demand and target items, as a skeleton overlay."""

    party: str
    items: tuple[Item, ...]

    def to_toml(self, name: str, extends: str) -> str:
        """A scenario overlay that ``extends`` the draft and lists the demands as comments: the talks tools
        read positions as overlays; write what the party asks of both sides as entries below its header."""
        lines = [f"# Position of {self.party}: a skeleton drafted by `tariffsim draft` for `tariffsim talks gap`.",
                 "# The article states these demands; write each one the models can express as [[action]]",
                 "# or [[purchase]] entries below (tariff cuts, no retaliation, purchases); the others are",
                 "# recorded here but not modelled.", "#"]
        for item in self.items:
            if item.kind == "target":
                lines.append(f"# - target: {item.pair[0] if item.pair else '?'}'s balance with "
                             f"{item.pair[1] if item.pair else '?'} changes by {item.balance_change_musd:,.0f} USD m"
                             + (f" by {item.by.isoformat()}" if item.by else "")
                             + " (tariffsim talks target)")
            elif item.demand is not None:
                of = ", ".join(item.target_list) or "?"
                flag = "" if item.demand.modelled else " [not modelled]"
                lines.append(f"# - of {of}: {_one_line(item.demand.what)}{flag}")
            lines.append(f"#   \"{_one_line(item.sentence.text)[:300]}\" (characters {item.sentence.start}-"
                         f"{item.sentence.end})")
        lines += ["", "[scenario]", f"name = {json.dumps(name)}",
                  f"description = {json.dumps(f'Position of {self.party} (drafted; fill in its demands)')}",
                  f"extends = {json.dumps(extends)}"]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class DraftScenario:
    """The scenario written from a draft: TOML text, what could not be resolved, and whether it can run."""

    toml: str
    warnings: tuple[str, ...]
    entries: int
    left_out: int

    @property
    def runnable(self) -> bool:
        """Something to run and nothing essential missing."""
        return self.entries > 0 and self.left_out == 0


@dataclass(frozen=True)
class Draft:
    """Items drafted from an article published on ``date``; ``source`` names the article in outputs."""

    text: str
    date: dt.date
    items: tuple[Item, ...]
    source: str = "article"

    def to_json(self) -> list[dict[str, Any]]:
        """The items as JSON-ready dictionaries (the output of ``tariffsim draft --json``)."""
        return [item.to_json() for item in self.items]

    def targets(self) -> list[TalksTarget]:
        """Balance targets, for the target finder."""
        return [TalksTarget(i.pair, float(i.balance_change_musd), i.by, i.bound or "exactly", i.imposer, i.sentence)
                for i in self.items if i.kind == "target" and i.pair and i.balance_change_musd is not None]

    def positions(self) -> list[Position]:
        """One position per party that states demands or targets, in order of appearance."""
        parties: dict[str, list[Item]] = {}
        for item in self.items:
            if item.kind in ("demand", "target") and item.imposer:
                parties.setdefault(item.imposer, []).append(item)
        return [Position(party, tuple(items)) for party, items in parties.items()]

    def scenario(self, world: World, world_name: str, name: str = "draft") -> DraftScenario:
        """The tariff and purchase items as a scenario on ``world`` (see :func:`draft_scenario`)."""
        return draft_scenario(self, world, world_name, name)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------- countries and sectors


@dataclass
class _Grid:
    world: World
    date: dt.date
    regions: dict[str, list[str]] = field(default_factory=dict)

    def country(self, code: str) -> tuple[str | None, str | None]:
        """(the World's label for ``code``, or None with the reason)."""
        countries = self.world.countries
        if code in countries:
            return code, None
        members = eu_members(self.date)
        if code == "EU":
            present = [c for c in countries if c in members]
            if present:
                self.regions["EU"] = present
                return "EU", None
            return None, f"the EU is not in this World ({', '.join(countries[:12])})"
        if code in members and "EU" in countries:
            return "EU", None
        return None, f"{code} is not a country of this World ({', '.join(countries[:12])}); map it to a region"

    def sectors(self, codes: list[str]) -> list[str]:
        """World sectors holding the HS codes (ranges expanded); traded sectors in World order."""
        import pandas as pd

        if not self.world.concordance:
            return []
        expanded: list[str] = []
        for code in codes:
            if "-" in code:
                low, high = code.split("-")
                if int(high) - int(low) <= 500:
                    expanded += [str(k).zfill(len(low)) for k in range(int(low), int(high) + 1)]
                    continue
                expanded += [low, high]
            else:
                expanded.append(code)
        mapped = set(self.world.sector_of(pd.Series(expanded, dtype=object)).dropna())
        return [s for s in self.world.sectors if s in mapped]


# ---------------------------------------------------------------------- writing


def _toml(value: Any) -> str:
    from tariffsim.scenario.writer import _value

    return _value(value)


def _label(item: Item, n: int) -> str:
    who = item.imposer or "?"
    on = "all" if item.targets == "all" else ("all except " + ", ".join(item.target_list)
                                              if isinstance(item.targets, dict) else ", ".join(item.target_list))
    words = ", ".join(p.text for p in item.products[:3])
    rate = f" {item.rate_pct:g}%" if item.rate_pct is not None else ""
    return f"{n}. {who} {item.kind}{rate} on {on or '?'}" + (f": {words}" if words else "")


def _source(draft: Draft, item: Item) -> str:
    sentence = _one_line(item.sentence.text)
    if len(sentence) > 240:
        sentence = sentence[:239] + "…"
    return (f"tariffsim draft of {draft.source} (published {draft.date.isoformat()}), {item.status or ''} "
            f"{item.kind}, characters {item.sentence.start}-{item.sentence.end}: \"{sentence}\"")


def _entry(draft: Draft, item: Item, grid: _Grid, n: int) -> tuple[str, dict[str, Any], list[str], list[str]]:
    """(table, keys, problems that keep it out, notes written as comments)."""
    problems: list[str] = []
    notes: list[str] = []
    keys: dict[str, Any] = {"label": _label(item, n)}
    if item.kind == "purchase":
        importer = grid.country(item.imposer)[0] if item.imposer else None
        exporter = grid.country(item.target_list[0])[0] if item.target_list else None
        if importer is None:
            problems.append("buyer not resolved" if item.imposer is None else grid.country(item.imposer)[1] or "")
        if exporter is None:
            problems.append("seller not stated" if not item.target_list else grid.country(item.target_list[0])[1]
                            or "")
        if item.coverage_usd is None:
            problems.append("amount not stated")
        hs = [c for p in item.products for c in p.hs]
        sectors = grid.sectors(hs) if hs else []
        keys.update(importer=importer, exporter=exporter, sectors=sectors or "all",
                    value=None if item.coverage_usd is None else round(item.coverage_usd, 3))
        if item.effective:
            keys["effective"] = item.effective
        if item.until:
            keys["until"] = item.until
        keys["source"] = _source(draft, item)
        return "purchase", keys, problems, notes
    imposer = None
    if item.imposer is None:
        problems.append("imposer not stated")
    else:
        imposer, why = grid.country(item.imposer)
        if why:
            problems.append(why)
    target: Any = None
    if item.targets is None:
        problems.append("target not stated")
    elif item.targets == "all":
        target = "all"
    else:
        resolved = []
        for code in item.target_list:
            label, why = grid.country(code)
            if label is None:
                notes.append(f"left out of the targets: {why}")
            elif label != imposer and label not in resolved:
                resolved.append(label)
        if isinstance(item.targets, dict):
            target = {"all_except": resolved} if resolved else "all"
        elif resolved:
            target = resolved
        else:
            problems.append("no target in this World")
    if item.rate_pct is None:
        problems.append("rate not stated")
    rate = item.rate_pct
    mode = "add"
    if rate is not None and item.mode == "set":
        if item.rate_before_pct is not None and rate - item.rate_before_pct > -100:
            rate = rate - item.rate_before_pct
            notes.append(f"stated as {item.rate_pct:g}% from {item.rate_before_pct:g}%: {rate:+g} points on the same "
                         "trade (write it on the same product list as the earlier action to stack on its lines)")
        else:
            mode = "set"
            why = ("without the rate before" if item.rate_before_pct is None else
                   f"from {item.rate_before_pct:g}% (a cut of 100 points or more cannot be written as add)")
            notes.append(f"stated as a level ({item.rate_pct:g}%) {why}: mode = \"set\" replaces the whole tariff, "
                         "MFN included; if the rate is additional, write the change with add on the earlier action's "
                         "lines")
    if item.status == "removed" and rate is not None:
        rate = -rate
        notes.append("removal: written as a cut of the stated rate")
    keys.update(imposer=imposer, target=target)
    hs = [c for p in item.products if p.list is None for c in p.hs]
    lists = [p for p in item.products if p.list is not None]
    coverage = item.coverage_usd
    if lists:
        named = {n.product_list: n for n in named_lists() if n.product_list}
        keys["product_list"] = lists[0].list
        if coverage is None and lists[0].list in named and named[lists[0].list].coverage_musd:
            coverage = named[lists[0].list].coverage_musd
            notes.append(f"coverage not in the article: {coverage:,.0f} USD m announced for {lists[0].text} "
                         f"({named[lists[0].list].source})")
        keys["sectors"] = "all"
    elif hs:
        sectors = grid.sectors(hs)
        if not sectors:
            problems.append(f"products {', '.join(hs)} map to no sector of this World")
        if coverage is not None:
            keys["products"] = hs
        else:
            notes.append(f"no amount stated: the whole sectors are covered; products = {_toml(hs)} apply line by "
                         "line with product-level weights (--weights)")
        keys["sectors"] = sectors or None
    else:
        keys["sectors"] = "all"
        if coverage is None:
            notes.append("neither products nor an amount stated: every traded sector is covered in full")
    if coverage is not None:
        keys["coverage"] = round(coverage, 3)
    if rate is not None:
        keys["rate"] = f"{rate:g}%"
    if mode == "set":
        keys["mode"] = "set"
    if item.effective is not None:
        keys["effective"] = item.effective
    if item.until is not None and (item.effective is None or item.until > item.effective):
        keys["until"] = item.until
    if item.kind == "suspension" and item.status == "suspended":
        keys["suspended"] = True
    keys["source"] = _source(draft, item)
    return "action", keys, problems, notes


def draft_scenario(draft: Draft, world: World, world_name: str, name: str = "draft") -> DraftScenario:
    """The draft's tariff and purchase items as scenario TOML for ``world`` (named ``world_name`` in the file).

    Entries with everything essential are live; the others are commented out with ``TODO`` lines, so the
    text always validates. Warnings name each item left out or changed, with its sentence.
    """
    grid = _Grid(world, draft.date)
    blocks: list[str] = []
    warnings: list[str] = []
    entries = left_out = 0
    n = 0
    for item in draft.items:
        if item.kind not in ("action", "retaliation", "suspension", "purchase"):
            continue
        n += 1
        table, keys, problems, notes = _entry(draft, item, grid, n)
        sentence = _one_line(item.sentence.text)
        for warning in item.warnings:
            if warning != "rate not stated" or not problems:
                warnings.append(f"item {n} ({item.kind}): {warning} — \"{sentence[:160]}\"")
        body = [f"{key} = {_toml(value)}" for key, value in keys.items() if value is not None]
        comments = [f"# note: {note}" for note in notes]
        if problems:
            left_out += 1
            warnings.append(f"item {n} ({item.kind}) left out: {'; '.join(problems)} — \"{sentence[:160]}\"")
            blocks.append("\n".join([*(f"# TODO: {p}" for p in problems), *comments, f"# [[{table}]]",
                                     *(f"# {line}" for line in body)]))
        else:
            entries += 1
            blocks.append("\n".join([*comments, f"[[{table}]]", *body]))
    header = [f"# Drafted by `tariffsim draft` from {_one_line(draft.source)} (published {draft.date.isoformat()}).",
              "# Check every entry against its source sentence; entries that need more are commented out with",
              "# a TODO: fill them in and uncomment them. Targets and demands are in the position files.", ""]
    for target in draft.targets():
        header.insert(-1, f"# Target: {target.pair[0]}'s balance with {target.pair[1]} changes by "
                          f"{target.balance_change_musd:,.0f} USD m" + (f" by {target.by}" if target.by else "")
                          + f" — tariffsim talks target {' '.join(target.cli_args())}")
    head = ["[scenario]", f"name = {json.dumps(name)}",
            f"description = {json.dumps(_one_line(f'Draft from {draft.source} ({draft.date.isoformat()})'))}",
            f"world = {json.dumps(world_name)}"]
    regions = [] if not grid.regions else ["", "[regions]", *(f"{k} = {_toml(v)}" for k, v in grid.regions.items())]
    text = "\n".join([*header, *head, *regions, *(f"\n{b}" for b in blocks)]) + "\n"
    if not entries:
        warnings.append("no tariff or purchase entry could be written: the scenario has nothing to run")
    return DraftScenario(text, tuple(warnings), entries, left_out)


def scenario_name(source: str) -> str:
    """A scenario name from an article's file name (``news/us-china.txt`` → ``draft-us-china``)."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", source.replace("\\", "/").rsplit("/", 1)[-1])
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60]
    if not stem:
        return "draft"
    return stem if stem.startswith("draft") else f"draft-{stem}"
