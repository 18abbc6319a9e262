"""The extraction rules: sentences → clauses → items.

Each rule is a small function over a :class:`Part` (a clause of a sentence, or a piece of a
clause that carries one rate) and its mentions (:mod:`tariffsim.draft.nlp`), money and rates
(:mod:`tariffsim.draft.money`) and dates (:mod:`tariffsim.draft.dates`):

* :func:`split_clauses` — a sentence splits where a coordinated or subordinate clause with its own
  party and verb begins ("..., and China said it would retaliate ...", "... after Beijing
  retaliated ..."); coordinated clauses share their dates ("... will fall to 30% ... and ... to 10%,
  starting May 14"), subordinate ones do not;
* :func:`split_rates` — a clause stating several rates ("25% on steel and 10% on aluminium", "34% on
  China and 20% on the European Union") becomes one part per rate;
* :func:`parties` — who imposes (the subject; "U.S. duties"; "by X") and on whom ("on Chinese goods",
  "imports from Canada", "against Washington"; "all countries"; "except Canada and Mexico");
* :func:`rate` — the rate and its mode ("to 25% from 10%" sets 25, with 10 before; "25%" adds);
* :func:`coverage` — the money a tariff covers ("on $34 billion of", "worth $34 billion");
* :func:`products` — product words and named lists, leaving out those naming the other side's
  tariffs ("in response to U.S. steel tariffs");
* :func:`timing` — effective date, its bound and ``until`` from the dates' roles and durations;
* :func:`status` — from the first verb cue ("threatened", "will impose", "imposed"), corrected by
  the dates (a tariff "imposed" from a later date is announced);
* :func:`kind` — retaliation, suspension, purchase or action; demands and balance targets are read
  by :func:`demand_items`; "the duties ... after the comment period ends May 22" adds its date to the
  item before (:func:`continuation`); "Canada and Mexico are exempt" narrows it (:func:`exemption`).

:func:`extract` runs them over an article and returns the items in order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from tariffsim.draft.dates import DateMention, find_dates, find_durations
from tariffsim.draft.items import Demand, Item, Kind, Product, Span
from tariffsim.draft.lexicon import named_lists, product_words
from tariffsim.draft.money import Money, Percent, find_money, find_percents, to_usd
from tariffsim.draft.nlp import Mention, Sentence, analyse

__all__ = ["Part", "extract", "split_clauses", "split_rates", "parties", "rate", "coverage", "products", "timing",
           "status", "kind"]

VERB_CUES = ("THREAT", "PROPOSE", "ANNOUNCE", "IMPLEMENT", "RETALIATE", "SUSPEND", "REMOVE", "CUT", "RAISE",
             "PURCHASE", "DEMAND")
STATUS_OF = {"THREAT": "threatened", "PROPOSE": "proposed", "ANNOUNCE": "announced", "IMPLEMENT": "implemented"}
_PAST_RETALIATION = {"retaliated", "hit back", "struck back", "answered", "matched", "responded"}
_SPLITTERS = {";": True, ":": True, "and": True, "while": False, "but": False, "whereas": False, "after": False}
_DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "all"}
_TARGET_BEFORE = {"on", "from", "against", "of", "for", "toward", "towards", "at"}
_POSSESSIVE = {"'s", "’s", "'"}


@dataclass
class Part:
    """A stretch of a sentence (token ``i`` to ``j``) that the rules read as one clause or one rate's piece."""

    sentence: Sentence
    i: int
    j: int
    shares_dates: bool = True
    context: list[tuple[int, int]] = field(default_factory=list)  # other token ranges read for missing fields

    @property
    def start(self) -> int:
        return self.sentence.offsets[self.i]

    @property
    def end(self) -> int:
        last = self.j - 1
        return self.sentence.offsets[last] + len(self.sentence.tokens[last])

    @property
    def text(self) -> str:
        return self.sentence.text[self.start - self.sentence.start:self.end - self.sentence.start]

    def mentions(self, label: str, within: tuple[int, int] | None = None) -> list[Mention]:
        i, j = within or (self.i, self.j)
        return [m for m in self.sentence.of(label) if m.i >= i and m.j <= j]

    def has(self, label: str) -> bool:
        return bool(self.mentions(label))

    def lower(self, k: int) -> str:
        return self.sentence.lowers[k] if 0 <= k < len(self.sentence.lowers) else ""

    def span(self, start: int, end: int) -> Span:
        """Article characters ``start:end`` as a :class:`Span`."""
        return Span(self.sentence.text[start - self.sentence.start:end - self.sentence.start], start, end)

    def token_at(self, char: int) -> int:
        """Index of the token holding article character ``char``."""
        for k, offset in enumerate(self.sentence.offsets):
            if offset > char:
                return max(k - 1, 0)
        return len(self.sentence.offsets) - 1


# ---------------------------------------------------------------------- clauses and rate pieces


def _verb_cues(sentence: Sentence, i: int, j: int) -> list[Mention]:
    return [m for m in sentence.cues if m.label in VERB_CUES and m.i >= i and m.j <= j]


def _places(sentence: Sentence, i: int, j: int) -> list[Mention]:
    return [m for m in sentence.entities if m.label == "PLACE" and m.i >= i and m.j <= j]


_CLAUSE_VERBS = {"said", "says", "has", "have", "had", "will", "would", "is", "are", "was", "were", "plans", "could",
                 "may", "might", "also", "then", "on", "later"}


def _starts_clause(sentence: Sentence, subject: Mention) -> bool:
    """A place followed closely by a verb, an auxiliary or a tariff word: the subject of a new clause ("and China
    said", "after Beijing retaliated", "and Chinese duties ... will drop"), not one more item of a list ("and
    Mexico on Tuesday")."""
    nxt = sentence.lowers[subject.j:subject.j + 2]
    if nxt[:1] == ["on"]:
        return False
    cue_at = {m.i for m in sentence.cues if m.label in (*VERB_CUES, "TARIFF")}
    return bool(set(nxt) & _CLAUSE_VERBS) or any(k in cue_at for k in range(subject.j, subject.j + 2)) or (
        sentence.lowers[subject.j:subject.j + 1] in (["'s"], ["’s"]))


def split_clauses(sentence: Sentence) -> list[Part]:
    """The sentence's clauses: it splits before ``;``, ``:``, ``and``, ``while``, ``but``, ``after`` when
    both sides have a verb cue and the new side names a party of its own."""
    n = len(sentence.tokens)
    candidates = [k for k, low in enumerate(sentence.lowers) if low in _SPLITTERS]
    parts: list[Part] = []
    start = 0
    shares = True
    for idx, k in enumerate(candidates):
        nxt = candidates[idx + 1] if idx + 1 < len(candidates) else n
        left_ok = bool(_verb_cues(sentence, start, k))
        right_places = _places(sentence, k + 1, nxt)
        right_verbs = _verb_cues(sentence, k + 1, nxt)
        # the new clause's party comes before its verb ("and Chinese duties ... will drop", "after Beijing retaliated")
        new_subject = (right_places and right_verbs and right_places[0].i < right_verbs[0].i
                       and right_places[0].i - (k + 1) <= 2 and _starts_clause(sentence, right_places[0]))
        # "... paused the tariffs ... but raised the levy on Chinese goods": the same subject, a new verb
        same_subject = (sentence.lowers[k] in ("but", "and") and right_verbs and right_verbs[0].i == k + 1
                        and right_verbs[0].label in ("IMPLEMENT", "RAISE", "CUT", "SUSPEND", "REMOVE")
                        and any(m.label == "TARIFF" and k < m.i < nxt for m in sentence.cues))
        if left_ok and (new_subject or same_subject):
            end = k - 1 if k > 0 and sentence.lowers[k - 1] == "," else k
            if end > start:
                parts.append(Part(sentence, start, end, shares))
            shares = _SPLITTERS[sentence.lowers[k]] or not new_subject
            start = k + 1
    if start < n:
        parts.append(Part(sentence, start, n, shares))
    if len(parts) == 1:
        parts[0].shares_dates = True
    return parts


def _rates(part: Part) -> tuple[list[Percent], dict[int, Percent]]:
    """The rates of a part (absolute offsets) and, for "to X% from Y%" pairs, the rate before keyed by the
    position of the rate after."""
    text = part.text
    found = [replace(p, start=p.start + part.start, end=p.end + part.start) for p in find_percents(text)]
    before: dict[int, Percent] = {}
    kept: list[Percent] = []
    for k, p in enumerate(found):
        prev_text = part.sentence.text[max(0, p.start - part.sentence.start - 6):p.start - part.sentence.start]
        if re.search(r"\bfrom\s*$", prev_text, re.I):
            # "to 25% from 10%" (the rate before follows) or "from 10% to 25%" (it comes first)
            if kept and _between(part, kept[-1].end, p.start).strip().lower() in ("from",):
                before[kept[-1].start] = p
                continue
            if k + 1 < len(found) and re.fullmatch(r"\s*to\s*", _between(part, p.end, found[k + 1].start), re.I):
                before[found[k + 1].start] = p
                continue
        stages = kept and re.search(r",\s+(?:rising|increasing|climbing|going up|falling|dropping)\b",
                                    _between(part, kept[-1].end, p.start), re.I)
        if kept and not stages and not before.get(p.start) and re.search(r"\bto\s+$", prev_text, re.I) and any(
                m.end <= p.start for m in [*part.mentions("CUT"), *part.mentions("RAISE")]):
            before[p.start] = kept.pop()  # "the 15% tariff ... would be cut to 7.5%"
        kept.append(p)
    # a rate followed by "of imports" is a share, not a tariff rate
    kept = [p for p in kept if not re.match(r"\s+of\s+(?:all\s+)?(?:its\s+)?(?:imports|exports|goods|trade)\b",
                                            _between(part, p.end, part.end), re.I)]
    return kept, before


def _between(part: Part, start: int, end: int) -> str:
    base = part.sentence.start
    return part.sentence.text[start - base:end - base]


def split_rates(part: Part, rates: list[Percent]) -> list[tuple[Part, Percent | None]]:
    """One piece per rate when a clause states several ("a 25 percent tariff on steel and a 10 percent tariff on
    aluminum"); a ", with ..." or ", including ..." phrase after the first rate belongs to the later ones."""
    if len(rates) < 2:
        return [(part, rates[0] if rates else None)]
    starts = [part.token_at(r.start) for r in rates]
    pieces: list[tuple[Part, Percent | None]] = []
    shared: tuple[int, int] | None = None
    first_end = starts[1]
    for k in range(starts[0] + 1, starts[1]):
        if part.lower(k - 1) == "," and part.lower(k) in ("with", "including", "and"):
            first_end, shared = k - 1, (k, starts[1])
            break
    # the first rate's piece also holds the words before it (its subject and verb)
    pieces.append((Part(part.sentence, part.i, first_end, part.shares_dates), rates[0]))
    for n, rate_ in enumerate(rates[1:], start=1):
        j = starts[n + 1] if n + 1 < len(starts) else part.j
        context = [shared] if shared else []
        pieces.append((Part(part.sentence, starts[n], j, part.shares_dates, [*context, (part.i, starts[0])]), rate_))
    return pieces


# ---------------------------------------------------------------------- parties


def _prev_word(part: Part, k: int) -> str:
    k -= 1
    while k >= 0 and part.lower(k) in _DETERMINERS | {"imports", "goods", "products", "exports"} and \
            part.lower(k) not in _TARGET_BEFORE:
        if part.lower(k) in ("imports", "exports", "goods", "products") and part.lower(k - 1) not in _DETERMINERS:
            return part.lower(k)
        k -= 1
    return part.lower(k)


def _is_goods(part: Part, k: int) -> bool:
    low = part.lower(k)
    return low in ("goods", "products", "imports", "exports", "items", "shipments", "produce", "metal", "metals",
                   "purchases", "firms", "companies", "made") or any(
        m.i == k for m in part.sentence.entities if m.label == "PRODUCT")


def _reason_at(part: Part) -> int | None:
    """Where the words giving the reason for a retaliation begin ("in response to U.S. steel tariffs",
    "retaliating against Washington's metals tariffs"): what follows names the other side's measures."""
    for m in part.mentions("RETALIATE"):
        if part.lower(m.j) in ("to", "for", "against") or m.key in ("in response",):
            return m.j
    return None


def _place_roles(part: Part, places: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """(target-like, imposer-like) places of a part."""
    reason = _reason_at(part)
    tariff_at = {m.i for m in part.mentions("TARIFF")}
    targets, imposers = [], []
    previous: Mention | None = None
    for p in places:
        if previous is not None and previous in targets and all(
                part.lower(k) in (",", "and", "or", "the") for k in range(previous.j, p.i)):
            targets.append(p)  # "to the European Union, Canada and Mexico"
            previous = p
            continue
        previous = p
        prev = _prev_word(part, p.i)
        nxt = p.j
        if part.lower(nxt) in _POSSESSIVE:
            nxt += 1
        after_reason = reason is not None and reason <= p.i
        goods_next = _is_goods(part, nxt) or (_is_goods(part, nxt + 1) and part.lower(nxt) not in (",", "and"))
        to_after_tariff = prev == "to" and any(t < p.i for t in tariff_at)  # "apply its tariffs to the EU"
        if prev in _TARGET_BEFORE or prev == "imports" or goods_next or after_reason or to_after_tariff:
            if nxt in tariff_at or (nxt + 1 in tariff_at and not after_reason and prev not in _TARGET_BEFORE):
                imposers.append(p)  # "U.S. steel tariffs": the taxing side
            else:
                targets.append(p)
        elif prev == "by" or nxt in tariff_at or (nxt + 1 in tariff_at and part.lower(nxt) not in ("on", "and")):
            imposers.append(p)
        else:
            imposers.append(p)
    return targets, imposers


def parties(part: Part, previous: Item | None) -> tuple[str | None, Item | None, object, Span | None, Span | None]:
    """(imposer, the item it was inherited from or None, targets, where each was read).

    The imposer is the first place that is not a target, before the part's first verb cue (the subject), else a
    place right before a tariff word ("U.S. duties"), else "by X"; missing, it is the previous item's. Targets
    are places after *on*, *from*, *against*, *of*, places before *goods* or a product word ("Chinese goods",
    "Canadian energy"), places after a retaliation cue ("retaliating against Washington"); ``"all"`` for "all
    countries", "imported ..."; ``{"all_except": [...]}`` with "except ...".
    """
    places = part.mentions("PLACE")
    for lo, hi in part.context:
        if not places:
            places = part.mentions("PLACE", (lo, hi))
    except_at = [m for m in part.mentions("EXCEPT")]
    excepted = [p for p in places if except_at and p.i > except_at[0].i]
    places = [p for p in places if p not in excepted]
    target_like, imposer_like = _place_roles(part, places)
    verbs = _verb_cues(part.sentence, part.i, part.j)
    first_verb = verbs[0].i if verbs else part.j
    imposer_m = next((p for p in imposer_like if p.i < first_verb), None) or (imposer_like[0] if imposer_like
                                                                              else None)
    inherited = None
    imposer = imposer_m.key if imposer_m else None
    if imposer is None and previous is not None and previous.imposer is not None:
        imposer, inherited = previous.imposer, previous
    target_codes = list(dict.fromkeys(p.key for p in target_like if p.key != imposer))
    targets: object = target_codes or None
    target_span = part.span(target_like[0].start, target_like[-1].end) if target_like and target_codes else None
    all_cue = part.mentions("ALL")
    if excepted:
        codes = list(dict.fromkeys(p.key for p in excepted if p.key != imposer))
        targets = {"all_except": codes}
        target_span = part.span(except_at[0].start, excepted[-1].end)
    elif all_cue and not target_codes:
        targets = "all"
        target_span = part.span(all_cue[0].start, all_cue[0].end)
    imposer_span = part.span(imposer_m.start, imposer_m.end) if imposer_m else None
    return imposer, inherited, targets, imposer_span, target_span


# ---------------------------------------------------------------------- rate, money, products


def rate(part: Part, percent: Percent | None, before: dict[int, Percent]) -> tuple[float | None, float | None, str]:
    """(rate in percent, rate before, mode): "to X%" after a raise or cut, or with a rate before, sets X;
    otherwise X is added to the tariffs in force."""
    if percent is None:
        return None, None, "add"
    prior = before.get(percent.start)
    lead = _between(part, max(part.sentence.start, percent.start - 25), percent.start).lower()
    to_level = bool(re.search(r"\b(?:to|at)\s+(?:as\s+much\s+as\s+|up\s+to\s+)?$", lead))
    changed = part.has("RAISE") or part.has("CUT") or any(
        percent.start - 60 <= m.start and m.end <= percent.start
        for m in part.sentence.cues if m.label in ("RAISE", "CUT"))
    mode = "set" if prior is not None or (to_level and changed) else "add"
    return percent.value, None if prior is None else prior.value, mode


def coverage(part: Part, kind: str) -> Money | None:
    """The money an item states: for tariffs the covered trade ("on $34 billion of", "worth $34 billion"),
    skipping list names ("its $50 billion list") and amounts after "by" (targets)."""
    found = [replace(m, start=m.start + part.start, end=m.end + part.start) for m in find_money(part.text)]
    if not found:
        for lo, hi in part.context:
            sub = Part(part.sentence, lo, hi)
            found = [replace(m, start=m.start + sub.start, end=m.end + sub.start) for m in find_money(sub.text)]
            if found:
                break
    good = []
    for m in found:
        after = _between(part, m.end, min(m.end + 20, part.sentence.end)).lower()
        if re.match(r"\s*(?:list|tranche|package|round)\b", after):
            continue
        if kind in ("action", "retaliation", "suspension") and re.search(
                r"\bby\s+(?:at\s+least\s+|as\s+much\s+as\s+)?$", _between(part, max(part.start, m.start - 20),
                                                                            m.start).lower()):
            continue
        good.append(m)
    return good[0] if good else None


def products(part: Part) -> list[tuple[Product, Span]]:
    """Product words and named lists of the part, without those naming the other side's tariffs."""
    reason = _reason_at(part)
    mentions = [*part.mentions("PRODUCT"), *part.mentions("LIST")]
    if not mentions:
        for lo, hi in part.context:
            mentions = [*part.mentions("PRODUCT", (lo, hi)), *part.mentions("LIST", (lo, hi))]
            if mentions:
                break
    words = {p.key: p for p in product_words()}
    lists = {n.key: n for n in named_lists()}
    out: list[tuple[Product, Span]] = []
    for m in sorted(mentions, key=lambda m: m.i):
        if reason is not None and reason <= m.i:
            continue
        if m.label == "LIST":
            named = lists[m.key]
            out.append((Product(m.text, named.hs, named.product_list), part.span(m.start, m.end)))
        else:
            out.append((Product(m.text, words[m.key].hs), part.span(m.start, m.end)))
    seen: set[tuple[tuple[str, ...], str | None]] = set()
    unique = []
    for product, span in out:
        if (product.hs, product.list) not in seen:
            seen.add((product.hs, product.list))
            unique.append((product, span))
    return unique


# ---------------------------------------------------------------------- time and status


def status(part: Part, kind: str) -> tuple[str, Mention | None]:
    """The status from the part's first status cue (``threatened``, ``proposed``, ``announced``,
    ``implemented``); suspensions are ``suspended`` or, for "lift", "remove", ``removed``."""
    if kind == "suspension":
        removal = part.mentions("REMOVE")
        suspension = part.mentions("SUSPEND")
        first = min([*removal, *suspension], key=lambda m: m.i, default=None)
        return ("removed" if first is not None and first in removal else "suspended"), first
    cues = sorted([m for m in part.sentence.cues if m.label in STATUS_OF and part.i <= m.i < part.j],
                  key=lambda m: (m.i, -m.j))
    if cues:
        return STATUS_OF[cues[0].label], cues[0]
    past = [m for m in part.mentions("RETALIATE") if m.key in _PAST_RETALIATION]
    if past:
        return "implemented", past[0]
    return "", None


def own_dates(part: Part, base: dt.date, state: str) -> list[DateMention]:
    """The dates of a part itself (or of its context phrase), without the days things were said on."""
    prefer = "past" if state == "implemented" else "future"

    def found(piece: Part) -> list[DateMention]:
        out = [replace(d, start=d.start + piece.start, end=d.end + piece.start)
               for d in find_dates(piece.text, base, prefer)]  # type: ignore[arg-type]
        return [d for d in out if not (d.role == "on" and _speech_date(piece, d))]

    dates = found(part)
    for lo, hi in part.context:
        if not dates:
            dates = found(Part(part.sentence, lo, hi))
    return dates


def timing(part: Part, base: dt.date, state: str, kind: str, fallback: list[DateMention],
           shared_days: list[int] | None = None
           ) -> tuple[DateMention | None, str | None, DateMention | None, int | None, DateMention | None]:
    """(effective date, its bound, until date, duration in days, deadline) of a part.

    The effective date is the first "from" date ("from July 6", "starting", "effective"), else an "after ...
    ends" date (bound ``not_before``), else an "on" date that lies after the publication date or, for what has
    happened, any "on" date ("took effect on Friday"). A part without dates of its own takes ``fallback``: its
    coordinated clauses' dates, or the dates of the other rates of its clause.
    """
    dates = own_dates(part, base, state) or [d for d in fallback if not (d.role == "on" and _speech_date(part, d))]
    own_days = [d.days for d in find_durations(part.text)]
    days = own_days[0] if own_days else (shared_days[0] if shared_days and part.shares_dates else None)
    effective = next((d for d in dates if d.role == "from"), None)
    bound = "on" if effective else None
    if effective is None:
        effective = next((d for d in dates if d.role == "not_before"), None)
        bound = "not_before" if effective else None
    if effective is None:
        on = [d for d in dates if d.role == "on" and (d.date > base or state == "implemented"
                                                       or kind == "suspension")]
        effective = on[0] if on else None
        bound = "on" if effective else None
    until = next((d for d in dates if d.role == "until"), None)
    deadline = next((d for d in dates if d.role == "by"), None)
    return effective, bound, until, days, deadline


_SPEECH = {"said", "says", "announced", "signed", "told", "added", "wrote", "proposed", "ordered", "unveiled",
           "approved", "agreed", "saying", "announcing", "confirmed", "warned", "tweeted", "declared", "called"}


def _speech_date(part: Part, mention: DateMention) -> bool:
    """"said on Tuesday", "on Thursday signed": the day something was said or signed, not when a tariff applies."""
    k = part.token_at(mention.start)
    end = part.token_at(max(mention.end - 1, mention.start))
    window = [part.lower(x) for x in (k - 1, k - 2, end + 1, end + 2)]
    return any(w in _SPEECH for w in window)


# ---------------------------------------------------------------------- kinds


def _retaliation(part: Part) -> Mention | None:
    for m in part.mentions("RETALIATE"):
        if m.key in ("retaliation", "in response") and part.lower(m.j) in ("for", "to"):
            following = part.sentence.lowers[m.j:m.j + 8]
            tariff_words = {"tariff", "tariffs", "duties", "duty", "levies", "measures"}
            if not tariff_words & set(following) and not any(
                    k for k in range(m.j, min(m.j + 8, part.j)) if _is_goods(part, k) and part.lower(k) == "metals"):
                continue  # "in retaliation for alleged violations of intellectual property": the reason, not tariffs
        return m
    return None


def kind(part: Part) -> tuple[Kind | None, Mention | None]:
    """What a clause describes: ``suspension`` (suspend, delay, lift, remove), ``purchase`` (buy, purchase with
    an amount or products), ``retaliation`` (retaliate, respond, hit back, counter-tariffs), ``action`` (tariff
    words with a rate, an amount, products or a verb cue), or nothing."""
    tariff = part.has("TARIFF")
    if part.has("PURCHASE") and not tariff and (find_money(part.text) or part.has("PRODUCT")):
        return "purchase", part.mentions("PURCHASE")[0]
    if not tariff:
        return None, None
    removal = [m for m in [*part.mentions("SUSPEND"), *part.mentions("REMOVE")]
               if part.lower(m.j) != "to"]  # "drop to 10%" is a cut
    if removal:
        return "suspension", removal[0]
    retaliation = _retaliation(part)
    if retaliation is not None:
        return "retaliation", retaliation
    return "action", part.mentions("TARIFF")[0]


def _negated(part: Part) -> bool:
    """"would not impose", "no new tariffs", "without announcing any change to tariffs", "ruled out"."""
    for m in part.mentions("NEGATION"):
        if m.key in ("refrain", "refrains", "refrained", "stop"):
            continue
        window = part.sentence.lowers[m.j:m.j + 5]
        if {"tariff", "tariffs", "duties", "impose", "announcing", "change", "new", "raise", "levy",
            "retaliate"} & set(window):
            return True
    return False


# ---------------------------------------------------------------------- demands and targets


_DEMANDED_VERBS = {"cut", "reduce", "narrow", "refrain", "stop", "end", "halt", "drop", "lift", "remove", "buy",
                   "purchase", "open", "allow", "protect", "not", "abandon", "scrap", "lower", "eliminate", "cease",
                   "avoid", "increase", "raise", "import", "respect", "enforce", "change"}


def _demand_parties(sentence: Sentence, cue: Mention) -> tuple[Mention | None, Mention | None]:
    before = [m for m in sentence.entities if m.label == "PLACE" and m.j <= cue.i]
    after = [m for m in sentence.entities if m.label == "PLACE" and m.i >= cue.j]
    return (before[-1] if before else None), (after[0] if after else None)


def demand_items(sentence: Sentence, base: dt.date, previous_lists: list[Item]) -> list[Item] | None:
    """Items of a sentence that states demands: a list of demands ("U.S. trade demands" in a document; "their
    own list"), demanded conduct ("wants China to ... refrain from retaliation"; "wants the U.S. to stop an
    investigation") and balance targets ("cut its trade surplus with the U.S. by $200 billion by the end of
    2020"). ``None`` when the sentence states no demand."""
    full = Part(sentence, 0, len(sentence.tokens))
    own = full.mentions("OWN_LIST")
    cues = [m for m in full.mentions("DEMAND")]
    sentence_span = Span(sentence.text, sentence.start, sentence.end)
    if own and previous_lists:
        places = [m for m in sentence.entities if m.label == "PLACE" and m.i < own[0].i]
        if places:
            earlier = previous_lists[-1]
            item = Item("demand", sentence_span, imposer=places[0].key, targets=[earlier.imposer] if
                        earlier.imposer and earlier.imposer != places[0].key else None, status="proposed",
                        demand=Demand("list of demands", sentence.text, False), confidence=0.7)
            item.trace("imposer", full.span(places[0].start, places[0].end))
            item.trace("demand", full.span(own[0].start, own[0].end))
            item.warnings.append("the list's contents are not stated: write them into the position")
            return [item]
        return None
    if not cues:
        return None
    cue = cues[0]
    if cue.key == "demands" and {"document", "list", "paper", "letter"} & set(sentence.lowers):
        possessor = next((m for m in sentence.entities if m.label == "PLACE" and m.j <= cue.i and
                          cue.i - m.j <= 2), None)
        others = [m for m in sentence.entities if m.label == "PLACE" and (possessor is None or m.key != possessor.key)]
        if possessor is None:
            return None
        item = Item("demand", sentence_span, imposer=possessor.key, targets=[others[0].key] if others else None,
                    status="proposed", demand=Demand("list of demands", sentence.text, False), confidence=0.7)
        item.trace("imposer", full.span(possessor.start, possessor.end))
        if others:
            item.trace("targets", full.span(others[0].start, others[0].end))
        item.trace("demand", full.span(cue.start, cue.end))
        item.warnings.append("the list's contents are not stated: write them into the position")
        return [item]
    demander, demandee = _demand_parties(sentence, cue)
    if demander is None or demandee is None or demander.key == demandee.key:
        return None
    items: list[Item] = []
    # the demanded conduct: from the demandee on, split at "and" before a demanded verb
    k0 = demandee.j
    pieces, start = [], k0
    for k in range(k0, len(sentence.tokens)):
        if sentence.lowers[k] == "and" and k + 1 < len(sentence.tokens) and sentence.lowers[k + 1] in _DEMANDED_VERBS:
            pieces.append((start, k))
            start = k + 1
    pieces.append((start, len(sentence.tokens)))
    for lo, hi in pieces:
        part = Part(sentence, lo, hi)
        if lo == k0 and part.lower(lo) == "to":
            part = Part(sentence, lo + 1, hi)
        text = part.text.rstrip(" .")
        target = _target_item(part, sentence_span, demander, demandee, base)
        if target is not None:
            item = target
        else:
            item = Item("demand", sentence_span, imposer=demander.key, targets=[demandee.key], status="proposed",
                        demand=_what(part, text), confidence=0.6)
            item.trace("demand", Span(text, part.start, part.start + len(text)))
        item.trace("imposer", full.span(demander.start, demander.end))
        item.trace("targets", full.span(demandee.start, demandee.end))
        items.append(item)
    return items


def _what(part: Part, text: str) -> Demand:
    lowers = set(part.sentence.lowers[part.i:part.j])
    if part.has("RETALIATE") and (part.has("NEGATION") or "refrain" in lowers):
        return Demand("no retaliation", text, True)
    if "investigation" in lowers or "investigations" in lowers:
        return Demand("stop an investigation", text, False)
    if part.has("TARIFF") and (part.has("REMOVE") or part.has("CUT") or part.has("SUSPEND")):
        return Demand("tariffs lifted or cut", text, True)
    if part.has("TARIFF") and part.has("NEGATION"):
        return Demand("no new tariffs", text, True)
    if part.has("PURCHASE"):
        return Demand("purchases", text, True)
    return Demand(" ".join(text.split()[:6]), text, False)


def _target_item(part: Part, sentence_span: Span, demander: Mention | None, demandee: Mention | None,
                 base: dt.date) -> Item | None:
    """A bilateral-balance target: "cut its (annual) trade surplus with the U.S. by (at least) $200 billion by
    the end of 2020" → pair (surplus country, partner), change −200,000 USD m, bound, deadline."""
    surplus = part.mentions("SURPLUS")
    money = [replace(m, start=m.start + part.start, end=m.end + part.start) for m in find_money(part.text)]
    if not surplus or not money:
        return None
    word = surplus[0]
    owner = None
    prev = part.lower(word.i - 1)
    for k in range(word.i - 1, max(part.i - 1, word.i - 5), -1):
        m = next((p for p in part.sentence.entities if p.label == "PLACE" and p.j in (k + 1, k) and p.i <= k), None)
        if m is not None:
            owner = m.key
            break
        if part.lower(k) in ("its", "their") and demandee is not None:
            owner = demandee.key
            break
    partner_m = next((p for p in part.sentence.entities if p.label == "PLACE" and p.i > word.i and
                      part.lower(p.i - 1) in ("with", "the") and p.key != owner), None)
    if owner is None and demandee is not None:
        owner = demandee.key
    partner = partner_m.key if partner_m else (demander.key if demander and demander.key != owner else None)
    if owner is None or partner is None:
        return None
    deficit = "deficit" in word.key or "deficit" in prev
    pair = (partner, owner) if deficit else (owner, partner)
    amount = money[0]
    usd, _ = to_usd(amount.value, amount.currency, base)
    widen = part.has("RAISE") and not part.has("CUT")
    change = usd if widen else -usd
    lead = _between(part, max(part.start, amount.start - 20), amount.start).lower()
    at_least = re.search(r"at\s+least\s*$|no\s+less\s+than\s*$|more\s+than\s*$", lead)
    bound: Literal["at_least", "exactly"] = "at_least" if at_least else "exactly"
    deadline = next((d for d in find_dates(part.text, base, "future") if d.role == "by"), None)
    item = Item("target", sentence_span, imposer=demander.key if demander else owner,
                targets=[demandee.key] if demandee else [owner], status="proposed", pair=pair,
                balance_change_musd=round(change, 3), bound=bound, coverage_value=amount.value,
                coverage_currency=amount.currency, coverage_usd=usd, confidence=0.8)
    if deadline is not None:
        item.by = deadline.date
        item.trace("by", part.span(deadline.start + part.start, deadline.end + part.start))
    item.trace("pair", part.span(word.start, (partner_m or word).end))
    item.trace("balance_change_musd", part.span(amount.start, amount.end))
    item.trace("coverage_value", part.span(amount.start, amount.end))
    return item


# ---------------------------------------------------------------------- items from a clause


@dataclass
class _State:
    base: dt.date
    items: list[Item] = field(default_factory=list)
    lists: list[Item] = field(default_factory=list)

    @property
    def last_tariff(self) -> Item | None:
        return next((x for x in reversed(self.items) if x.kind in ("action", "retaliation", "suspension")), None)


def continuation(part: Part, state: _State, sentence_dates: list[DateMention]) -> bool:
    """"The government may impose the duties after a public comment period ends May 22": a clause that refers
    back to the last tariff item ("the duties", "the tariffs") with no rate, amount or party of its own gives
    that item its dates. Returns whether it did."""
    last = state.last_tariff
    if last is None or not part.has("ANAPHORA") or part.mentions("PLACE"):
        return False
    if _rates(part)[0] or find_money(part.text) or part.has("PRODUCT"):
        return False
    effective, bound, until, days, _ = timing(part, state.base, last.status or "", last.kind,
                                              sentence_dates if part.shares_dates else [])
    if effective is not None and last.effective is None:
        last.effective, last.effective_bound = effective.date, bound  # type: ignore[assignment]
        last.trace("effective", part.span(effective.start, effective.end))
    if until is not None and last.until is None:
        last.until = until.date
        last.trace("until", part.span(until.start, until.end))
    elif days and last.effective is not None and last.until is None:
        last.until = last.effective + dt.timedelta(days=days)
    return True


def exemption(part: Part, state: _State) -> bool:
    """"Canada and Mexico are exempt": places exempted in a clause without a rate or amount are taken out of the
    earlier items of this article that tax everyone. Returns whether it applied."""
    cues = [m for m in part.mentions("EXEMPT") if m.key not in ("exemption", "exemptions")]
    if not cues or _rates(part)[0] or find_money(part.text):
        return False
    cue = cues[0]
    places = list(dict.fromkeys(p.key for p in part.mentions("PLACE")
                                if p.j <= cue.i or (cue.key != "exempt" and cue.j <= p.i <= cue.j + 2)))
    if not places:
        return False
    changed = False
    for item in state.items:
        if item.kind != "action":
            continue
        if item.targets == "all":
            item.targets = {"all_except": [p for p in places if p != item.imposer]}
            changed = True
        elif isinstance(item.targets, dict):
            item.targets["all_except"] = list(dict.fromkeys(
                [*item.targets["all_except"], *(p for p in places if p != item.imposer)]))
            changed = True
        if changed:
            item.trace("targets", part.span(part.start, part.end))
    return changed


def _tariff_items(part: Part, what: Kind, cue: Mention | None, state: _State,
                  sentence_dates: list[DateMention], shared_days: list[int]) -> list[Item]:
    rates, before = _rates(part)
    state_, status_cue = status(part, what)
    out: list[Item] = []
    previous = state.last_tariff
    clause_imposer, inherited, clause_targets, imposer_span, clause_target_span = parties(
        part, previous or (state.items[-1] if state.items else None))
    pieces = split_rates(part, rates)
    piece_dates = [own_dates(piece, state.base, state_) for piece, _ in pieces]
    last = pieces[-1][0]
    trailing = [d for d in piece_dates[-1] if "," in _between(part, last.start, d.start)]
    for n, (piece, percent) in enumerate(pieces):
        if len(pieces) == 1:
            fallback = sentence_dates if part.shares_dates else []
        else:  # the rate before's dates ("25% ... on Tuesday, with a lower 10% rate"), else the clause's tail
            fallback = (piece_dates[n - 1] if n else []) or trailing
        imposer = clause_imposer
        targets, target_span = clause_targets, clause_target_span
        if len(pieces) > 1:
            _, _, own, _, own_span = parties(piece, None)
            if own is not None:
                targets, target_span = own, own_span
            elif out:
                targets, target_span = out[-1].targets, None
        if targets is None and inherited is not None:
            targets = inherited.targets  # "The rate will rise to 25% on January 1": the same action's parties
        if targets is None and previous is not None and piece.has("GOODS") and what != "retaliation":
            targets = previous.targets  # "another $120 billion of imports": the same partner as before
        if targets is None and what == "retaliation" and previous is not None and previous.imposer not in (None,
                                                                                                       imposer):
            targets = [previous.imposer]
        rate_pct, rate_before, mode = rate(piece, percent, before)
        money = coverage(piece, what)
        found_products = products(piece)
        if imposer is None and targets is None:
            continue
        if rate_pct is None and money is None and not found_products and not (
                state_ in ("threatened", "proposed") and targets is not None) and what != "suspension":
            continue  # "agreed to slash their tariffs": nothing to model without a rate, an amount or products
        item = Item(what, Span(part.sentence.text, part.sentence.start, part.sentence.end), imposer=imposer,
                    targets=targets)  # type: ignore[arg-type]
        item.trace("imposer", imposer_span)
        item.trace("targets", target_span)
        if inherited is not None:
            item.inherited.add("imposer")
            item.warnings.append("imposer not named in the sentence: taken from the one before")
        if rate_pct is not None and percent is not None:
            item.rate_pct, item.rate_before_pct, item.mode = rate_pct, rate_before, mode  # type: ignore[assignment]
            item.trace("rate_pct", piece.span(percent.start, percent.end))
            if percent.low is not None:
                item.warnings.append(f"rates from {percent.low:g}% to {percent.value:g}%: the upper end is used")
            if rate_before is not None:
                prior = before[percent.start]
                item.trace("rate_before_pct", piece.span(prior.start, prior.end))
        else:
            item.mode = "add"
            item.warnings.append("rate not stated")
        if money is not None:
            item.coverage_value, item.coverage_currency = money.value, money.currency
            item.coverage_usd, note = to_usd(money.value, money.currency, state.base)
            if "no " in note:
                item.warnings.append(f"{money.currency} {note}")
            item.trace("coverage_value", piece.span(money.start, money.end))
        for product, span in found_products:
            item.products.append(product)
            item.trace(f"products.{len(item.products) - 1}", span)
        effective, bound, until, days, _ = timing(piece, state.base, state_, what, fallback, shared_days)
        if effective is not None:
            item.effective, item.effective_bound = effective.date, bound  # type: ignore[assignment]
            item.trace("effective", piece.span(effective.start, effective.end))
        if until is not None:
            item.until = until.date
            item.trace("until", piece.span(until.start, until.end))
        elif days and item.effective is not None:
            item.until = item.effective + dt.timedelta(days=days)
        final = state_ or ("announced" if item.effective is None or item.effective > state.base else "implemented")
        if final == "implemented" and item.effective is not None and item.effective > state.base:
            final = "announced"  # signed or ordered now, in force later
        item.status = final
        if status_cue is not None:
            item.trace("status", piece.span(status_cue.start, status_cue.end))
        if cue is not None:
            item.trace("kind", piece.span(cue.start, cue.end))
        if targets is None:
            item.warnings.append("target not stated")
        item.confidence = min(0.95, 0.4 + 0.15 * (imposer is not None and inherited is None)
                              + 0.15 * (targets is not None) + 0.15 * (rate_pct is not None)
                              + 0.1 * (money is not None or bool(found_products)) + 0.05 * (effective is not None))
        out.append(item)
    return out


def _purchase_items(part: Part, cue: Mention | None, state: _State) -> list[Item]:
    places = part.mentions("PLACE")
    verbs = _verb_cues(part.sentence, part.i, part.j)
    first_verb = verbs[0].i if verbs else part.j
    buyer = next((p for p in places if p.i < first_verb), None)
    seller = next((p for p in places if buyer is None or p.key != buyer.key), None)
    if buyer is None:
        return []
    money = coverage(part, "purchase")
    item = Item("purchase", Span(part.sentence.text, part.sentence.start, part.sentence.end), imposer=buyer.key,
                targets=[seller.key] if seller else None, status=status(part, "purchase")[0] or "announced")
    item.trace("imposer", part.span(buyer.start, buyer.end))
    if seller is not None:
        item.trace("targets", part.span(seller.start, seller.end))
    if money is not None:
        item.coverage_value, item.coverage_currency = money.value, money.currency
        item.coverage_usd, _ = to_usd(money.value, money.currency, state.base)
        item.trace("coverage_value", part.span(money.start, money.end))
    for product, span in products(part):
        item.products.append(product)
        item.trace(f"products.{len(item.products) - 1}", span)
    if cue is not None:
        item.trace("kind", part.span(cue.start, cue.end))
    item.confidence = min(0.95, 0.5 + 0.15 * (seller is not None) + 0.2 * (money is not None))
    return [item]


def extract(text: str, base: dt.date) -> list[Item]:
    """Every item of an article published on ``base``, in the order of the text."""
    state = _State(base)
    for sentence in analyse(text):
        demanded = demand_items(sentence, base, state.lists)
        if demanded is not None:
            state.items.extend(demanded)
            state.lists.extend(x for x in demanded if x.demand is not None and x.demand.what == "list of demands")
            continue
        clauses = split_clauses(sentence)
        sentence_dates: list[DateMention] = []
        # a duration is shared by coordinated clauses ("agreed to slash their tariffs for 90 days: ... and ..."),
        # except one that a suspension states for itself ("paused ... for 90 days but raised ...")
        shared_days = [d.days for c in clauses if c.shares_dates and kind(c)[0] != "suspension"
                       for d in find_durations(c.text)]
        for clause in clauses:
            if clause.shares_dates:
                prefer = "past" if status(clause, "action")[0] == "implemented" else "future"
                sentence_dates += [replace(d, start=d.start + clause.start, end=d.end + clause.start)
                                   for d in find_dates(clause.text, base, prefer)]  # type: ignore[arg-type]
        for clause in clauses:
            if _negated(clause):
                continue
            if exemption(clause, state) or continuation(clause, state, sentence_dates):
                continue
            what, cue = kind(clause)
            if what is None:
                target = _target_item(clause, Span(sentence.text, sentence.start, sentence.end), None, None, base)
                if target is not None:
                    state.items.append(target)
                continue
            if what == "purchase":
                state.items.extend(_purchase_items(clause, cue, state))
            else:
                state.items.extend(_tariff_items(clause, what, cue, state, sentence_dates, shared_days))
    return state.items
