"""``tariffsim draft``: news text → a draft scenario, each field traced to its sentence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from tariffsim.cli._console import (
    console,
    err_console,
    path_argument,
    path_option,
    print_frame,
    safe,
    summary_table,
    warn,
)
from tariffsim.errors import TariffsimError

if TYPE_CHECKING:
    from tariffsim.draft import Draft

__all__ = ["draft_command"]


def draft_command(
    article: Annotated[Path, path_argument(help="The article: a plain-text (UTF-8) file, or - for standard input.")],
    date: Annotated[str, typer.Option("--date", help="Publication date (YYYY-MM-DD): the reference for 'Friday', "
                                      "'next month', 'in 15 days' and dates without a year.")],
    world: Annotated[str, typer.Option("--world", help="World whose countries and sectors the scenario uses "
                                       "(bundled name or folder).")] = "demo-2017",
    out: Annotated[Path | None, path_option("--out", "-o", help="Write the draft scenario here (TOML), and each "
                                            "party's position skeleton beside it (NAME.position-ISO3.toml).",
                                            show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the extracted items as a JSON array (and "
                                          "nothing else on standard output).")] = False,
    run: Annotated[bool, typer.Option("--run", help="Run the draft on the world when nothing essential is "
                                      "missing, and print the effects.")] = False,
    target_instrument: Annotated[str | None, typer.Option(
        "--target", help="Also find what reaches each balance target of the article on the world with this "
        "instrument of the talks tools' target finder: purchase:CHN:USA, tariff:USA:CHN or tariff-cut:CHN:USA.",
        show_default=False)] = None,
) -> None:
    """Draft a scenario from a news article: tariff actions, retaliation, suspensions, purchases, balance targets
    and demands, each traced to its sentence. Unresolved entries are written commented out with a TODO, so the
    file always passes `tariffsim scenario check`."""
    from tariffsim._json import atomic_file, check_file_target
    from tariffsim.data import load_world
    from tariffsim.draft import draft_article, read_article, scenario_name

    if not world.strip():
        raise TariffsimError("--world is empty: give a bundled world name (demo-2017) or a World folder")
    if out is not None:
        check_file_target(out)
    source = "standard input" if str(article) == "-" else article.name
    text = read_article("-" if str(article) == "-" else article)
    drafted = draft_article(text, date, source=source)
    base = load_world(world)
    name = scenario_name(source if out is None else out.name)
    written = drafted.scenario(base, world, name)
    files: list[Path] = []
    if out is not None:
        targets = [(out, written.toml)]
        for position in drafted.positions():
            path = out.with_name(f"{out.stem}.position-{position.party}.toml")
            targets.append((path, position.to_toml(f"{name}-position-{position.party.lower()}", out.name)))
        for path, content in targets:
            check_file_target(path)
            with atomic_file(path) as tmp:
                tmp.write_text(content, encoding="utf-8")
            files.append(path)
    if as_json:
        print(json.dumps(drafted.to_json(), ensure_ascii=False, indent=1))
    else:
        _print(drafted, written.warnings)
        if out is None:
            console.print(safe(written.toml), highlight=False, soft_wrap=True)
        for path in files:
            console.print(f"wrote {safe(path)}", highlight=False, soft_wrap=True)
        if target_instrument is None:
            for goal in drafted.targets():
                console.print(f"target: tariffsim talks target --world {safe(world)} "
                              f"{safe(' '.join(goal.cli_args()))} --instrument ... (or draft --target ...)",
                              highlight=False, soft_wrap=True)
    if run:
        _run(written, world, out)
    if target_instrument is not None:
        _targets(drafted, world, target_instrument, quiet=as_json)


def _print(drafted: Draft, warnings: tuple[str, ...]) -> None:
    rows = []
    for n, item in enumerate(drafted.items, start=1):
        targets = item.targets if isinstance(item.targets, str) else (
            "all except " + ", ".join(item.target_list) if isinstance(item.targets, dict) else
            ", ".join(item.target_list))
        what = (item.demand.what if item.demand else
                f"{item.pair[0]}-{item.pair[1]} {item.balance_change_musd:+,.0f}" if item.pair else
                ", ".join(p.text for p in item.products))
        rows.append({"#": n, "kind": item.kind, "imposer": item.imposer or "?", "targets": targets or "?",
                     "rate %": float("nan") if item.rate_pct is None else item.rate_pct,
                     "mode": item.mode or "", "USD bn": float("nan") if item.coverage_usd is None
                     else item.coverage_usd / 1e3, "what": what[:40],
                     "effective": "" if item.effective is None else
                     ("≥ " if item.effective_bound == "not_before" else "") + item.effective.isoformat(),
                     "until": "" if item.until is None else item.until.isoformat(),
                     "by": "" if item.by is None else item.by.isoformat(), "status": item.status or "",
                     "conf.": item.confidence})
    if rows:
        print_frame(pd.DataFrame(rows), title=f"Items drafted from {drafted.source} ({drafted.date})", digits=1)
    else:
        console.print(f"no tariff action, purchase, target or demand found in {safe(drafted.source)}",
                      highlight=False)
    for warning in warnings:
        warn(warning)


def _targets(drafted: Draft, world: str, instrument: str, quiet: bool) -> None:
    """The article's balance targets through the talks tools' target finder, from the World's status quo."""
    from tariffsim.games.targets import find_target

    targets = drafted.targets()
    if not targets:
        raise TariffsimError("--target: the article states no balance target (a surplus or deficit to cut by an "
                             "amount)")
    for goal in targets:
        answer = find_target(world, instruments=instrument, allow_unreached=True, **goal.find_target_kwargs())
        line = f"target {goal.pair[0]}:{goal.pair[1]} {goal.balance_change_musd:+,.0f} USD m: {answer.describe()}"
        (err_console if quiet else console).print(safe(line), highlight=False, soft_wrap=True)


def _run(written: object, world: str, out: Path | None) -> None:
    from tariffsim.draft import DraftScenario
    from tariffsim.runs import run_scenario

    assert isinstance(written, DraftScenario)
    where = f"in {out}" if out is not None else "(write it with --out)"
    if not written.runnable:
        missing = "nothing to run" if written.entries == 0 else f"{written.left_out} entries need more"
        raise TariffsimError(f"--run: the draft is not ready ({missing}): fill in the TODO entries {where} and "
                             "run it with `tariffsim run FILE`")
    result = run_scenario(written.toml, world=world)
    last = result.last
    print_frame(summary_table(last.result.countries),
                title=f"Effects of the draft on {last.key or 'all actions'} (percent change from baseline; trade "
                "balance and tariff revenue in USD bn)")
