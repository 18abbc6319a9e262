"""Writing scenarios back to TOML (for round trips, diffs and generated scenarios)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tariffsim.scenario.schema import Scenario

__all__ = ["to_toml", "data_to_toml"]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes; TOML also forbids a raw DEL.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _table(data: dict[str, Any]) -> list[str]:
    return [f"{_key(k)} = {_value(v)}" for k, v in data.items() if v is not None]


def to_toml(spec: Scenario) -> str:
    """The scenario as TOML text; ``parse_scenario(to_toml(s)).spec == s``.

    Rates are written as fractions; keys left at their defaults are omitted.
    """
    data = spec.model_dump(mode="python", exclude_defaults=True)
    data.setdefault("scenario", {"name": spec.scenario.name})
    if spec.game is not None:
        data["game"] = spec.game.model_dump(mode="python", exclude_defaults=True)
    for name in ("uncertainty", "sweep"):
        if getattr(spec, name) is not None:
            data[name] = data.get(name) or {}
    return data_to_toml(data)


def data_to_toml(data: dict[str, Any]) -> str:
    """Scenario tables given as plain data (``{"scenario": {...}, "action": [{...}], ...}``, not yet
    validated) as TOML text in the layout of :func:`to_toml`; keys whose value is ``None`` are left out.

    For editors that build a scenario field by field: the text is then read with
    :func:`~tariffsim.scenario.parse_scenario`, whose errors name its lines and keys.
    """
    lines = ["[scenario]", *_table(data.get("scenario") or {})]
    if data.get("regions"):
        lines += ["", "[regions]", *_table(data["regions"])]
    for table in ("action", "retaliation", "trade_cost", "purchase"):
        for entry in data.get(table) or []:
            lines += ["", f"[[{table}]]", *_table(entry)]
    if data.get("game") is not None:
        lines += ["", "[game]", *_table(data["game"])]
    for name in ("uncertainty", "sweep"):
        if data.get(name) is not None:
            lines += _nested(name, data[name])
    return "\n".join(lines) + "\n"


def _nested(name: str, data: dict[str, Any]) -> list[str]:
    """``[name]`` with its plain keys, then each list of tables as ``[[name.key]]`` entries."""
    lists = {k: v for k, v in data.items() if isinstance(v, list) and v and all(isinstance(e, dict) for e in v)}
    lines = ["", f"[{name}]", *_table({k: v for k, v in data.items() if k not in lists})]
    for key, entries in lists.items():
        for entry in entries:
            lines += ["", f"[[{name}.{key}]]", *_table(entry)]
    return lines
