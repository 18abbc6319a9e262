"""Field-level precision and recall of drafted items against hand-written expectations.

Each expected item lists the fields a reader takes from the text; a scored field it leaves out
is expected to be null (``mode`` is scored only where the expected item gives it). Items are
matched one to one, greedily, by how many scored fields agree (an item of another kind can
match: its kind then counts as wrong). For each scored field:

* a true positive: predicted and expected, equal;
* a false positive: predicted (not null) but not expected, or different;
* a false negative: expected (not null) but not predicted, or different.

Unmatched predicted items count every non-null scored field as a false positive, unmatched
expected items every non-null field as a false negative. Numbers agree within 1e-6 (relative);
products compare as the set of HS codes and list names.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FIELDS = ("kind", "imposer", "targets", "status", "rate_pct", "rate_before_pct", "mode", "coverage_value",
          "coverage_currency", "products", "effective", "until", "pair", "balance_change_musd", "by")


def _norm(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "products":
        if not value:
            return None
        codes = set()
        for p in value:
            if isinstance(p, dict):
                codes.update(p.get("hs") or [])
                if p.get("list"):
                    codes.add(p["list"])
            else:
                codes.add(p)
        return frozenset(codes)
    if key == "targets" and isinstance(value, list):
        return frozenset(value)
    if key == "targets" and isinstance(value, dict):
        return ("all_except", frozenset(value["all_except"]))
    if key == "pair":
        return tuple(value)
    return value


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    return bool(a == b)


def _fields(expected: dict[str, Any]) -> list[str]:
    return [f for f in FIELDS if f != "mode" or "mode" in expected]


def _agree(expected: dict[str, Any], predicted: dict[str, Any]) -> int:
    return sum(1 for f in _fields(expected)
               if _norm(f, expected.get(f)) is not None and _equal(_norm(f, expected.get(f)),
                                                                   _norm(f, predicted.get(f))))


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, expected_items: list[dict[str, Any]], predicted_items: list[dict[str, Any]]) -> None:
        pairs = sorted(((_agree(e, p), ei, pi) for ei, e in enumerate(expected_items)
                        for pi, p in enumerate(predicted_items)), reverse=True)
        used_e: set[int] = set()
        used_p: set[int] = set()
        matches = []
        for agree, ei, pi in pairs:
            if agree > 0 and ei not in used_e and pi not in used_p:
                used_e.add(ei)
                used_p.add(pi)
                matches.append((expected_items[ei], predicted_items[pi]))
        for e, p in matches:
            for f in _fields(e):
                ev, pv = _norm(f, e.get(f)), _norm(f, p.get(f))
                if ev is not None and pv is not None and _equal(ev, pv):
                    self.tp[f] += 1
                    continue
                if pv is not None:
                    self.fp[f] += 1
                if ev is not None:
                    self.fn[f] += 1
                if ev != pv:
                    self.misses.append(f"{name}: {f} expected {e.get(f)!r}, got {p.get(f)!r}")
        for ei, e in enumerate(expected_items):
            if ei not in used_e:
                for f in _fields(e):
                    if _norm(f, e.get(f)) is not None:
                        self.fn[f] += 1
                self.misses.append(f"{name}: missed {e}")
        for pi, p in enumerate(predicted_items):
            if pi not in used_p:
                for f in FIELDS:
                    if f != "mode" and _norm(f, p.get(f)) is not None:
                        self.fp[f] += 1
                self.misses.append(f"{name}: extra {({k: p.get(k) for k in FIELDS if p.get(k) is not None})}")

    def prf(self, key: str | None = None) -> tuple[float, float, float]:
        tp = sum(self.tp.values()) if key is None else self.tp[key]
        fp = sum(self.fp.values()) if key is None else self.fp[key]
        fn = sum(self.fn.values()) if key is None else self.fn[key]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    def table(self) -> str:
        lines = [f"{'field':<22}{'precision':>10}{'recall':>8}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}"]
        for key in [*FIELDS, None]:
            p, r, f = self.prf(key)
            name = key or "all fields"
            tp = sum(self.tp.values()) if key is None else self.tp[key]
            fp = sum(self.fp.values()) if key is None else self.fp[key]
            fn = sum(self.fn.values()) if key is None else self.fn[key]
            lines.append(f"{name:<22}{p:>10.3f}{r:>8.3f}{f:>7.3f}{tp:>5}{fp:>5}{fn:>5}")
        return "\n".join(lines)
