"""The spaCy pipeline: sentences, an entity ruler for places, products and named lists, and cue matchers.

Only ``spacy.blank("en")`` is used — the English tokenizer and rule components, no trained
model (official pipelines are not on PyPI and model hubs are out of reach). The pipeline:

1. ``sentencizer`` on each paragraph (a blank line ends a paragraph, so a headline is never
   glued to the first sentence);
2. ``entity_ruler`` with three gazetteers: ``PLACE`` (news aliases of countries and blocs from
   ``tables/place_aliases.csv``, then ISO 3166 names), ``PRODUCT`` (``tables/product_words.csv``)
   and ``LIST`` (``tables/named_lists.csv``); the entity's ``ent_id_`` is the ISO3 code, the
   product word's key or the list's key;
3. a token :class:`~spacy.matcher.Matcher` of *cues* — the words that set an item's kind and
   status (``threatened``, ``will impose``, ``imposed``, ``retaliate``, ``suspend``, ``exempt``,
   ``agreed to buy``, ``surplus``, ``wants``, ...), listed in :data:`CUES`.

The pipeline is built once per process (:func:`pipeline`); :func:`analyse` turns an article into
:class:`Sentence` records whose mentions carry character offsets into the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

__all__ = ["CUES", "Mention", "Sentence", "pipeline", "analyse", "paragraphs"]

# Cue label → phrases. A phrase is matched token by token on lower-case text; "VERB+" marks a
# modal or auxiliary followed by any of the action verbs.
_ACTION_VERBS = ["impose", "raise", "levy", "put", "slap", "increase", "hike", "apply", "introduce", "add", "charge",
                 "place", "extend", "expand", "lift", "cut", "lower", "reduce", "halve", "remove", "retaliate",
                 "hit", "match", "reinstate", "restore", "double", "triple", "go", "take", "rise", "fall", "drop",
                 "slash", "scrap", "suspend", "delay", "postpone", "pause", "follow", "respond", "answer", "tax",
                 "target", "begin", "start", "buy", "purchase", "end", "set", "keep", "announce", "face", "resume"]
CUES: dict[str, list[str]] = {
    "TARIFF": ["tariff", "tariffs", "duty", "duties", "levy", "levies", "import tax", "import taxes",
               "counter-tariffs", "counter tariffs", "countermeasures", "counter-measures", "surcharge",
               "surcharges", "rate", "rates"],
    "THREAT": ["threaten", "threatens", "threatened", "threatening", "threat", "threats", "warned", "warns",
               "may VERB+", "might VERB+", "could VERB+", "considering", "consider", "weighing", "mulling"],
    "PROPOSE": ["propose", "proposes", "proposed", "proposing", "proposal", "plans to", "planned", "plan to",
                "draft list", "public comment", "comment period"],
    "ANNOUNCE": ["will VERB+", "would VERB+", "is to", "are to", "set to", "announced", "announces", "announce",
                 "unveiled", "unveils", "signed", "signs", "ordered", "orders", "approved", "approves", "agreed",
                 "agrees", "decided", "decides", "due to", "scheduled", "committed", "commits", "pledged",
                 "said it would", "is going to", "are going to"],
    "IMPLEMENT": ["imposed", "imposes", "began", "begins", "began collecting", "took effect", "takes effect",
                  "went into effect", "came into force", "entered into force", "kicked in", "raised", "raises",
                  "increased", "hiked", "slapped", "levied", "applied", "introduced", "started", "starts",
                  "put", "in force", "in effect", "collecting", "imposing"],
    "RETALIATE": ["retaliate", "retaliates", "retaliated", "retaliating", "retaliatory", "retaliation",
                  "hit back", "hits back", "hitting back", "struck back", "strikes back", "countermeasures",
                  "counter-measures", "counter-tariffs", "counter tariffs", "in response", "responded", "responds",
                  "matching", "matched", "answered", "answers", "tit-for-tat", "in kind", "rebalancing"],
    "SUSPEND": ["suspend", "suspends", "suspended", "suspending", "suspension", "postpone", "postpones",
                "postponed", "delay", "delays", "delayed", "pause", "pauses", "paused", "hold off", "holds off",
                "held off", "called off", "calls off", "put on hold", "on hold"],
    "REMOVE": ["lift", "lifts", "lifted", "lifting", "remove", "removes", "removed", "removing", "scrap", "scraps",
               "scrapped", "drop", "dropped", "drops", "revoke", "revoked", "revokes", "eliminate", "eliminated",
               "eliminates", "roll back", "rolled back", "withdraw", "withdrew", "withdrawn", "repeal", "repealed"],
    "EXEMPT": ["exempt", "exempted", "exempts", "exemption", "exemptions", "spared", "spare", "spares"],
    "EXCEPT": ["except", "except for", "excluding", "other than", "with the exception of", "apart from",
               "but not"],
    "CUT": ["cut", "cuts", "cutting", "lower", "lowered", "lowers", "reduce", "reduced", "reduces", "halve",
            "halved", "halves", "slash", "slashed", "slashes", "fall", "falls", "fell", "drop", "drops", "dropped",
            "ease", "eased", "narrow", "narrowed", "trim", "trimmed"],
    "RAISE": ["raise", "raised", "raises", "raising", "increase", "increased", "increases", "hike", "hiked",
              "hikes", "rising", "rise", "rises", "rose", "double", "doubled", "doubles", "lift to", "boost",
              "boosted"],
    "PURCHASE": ["buy", "buys", "bought", "buying", "purchase", "purchases", "purchased", "purchasing",
                 "import more", "imports more"],
    "SURPLUS": ["surplus", "surpluses", "deficit", "deficits", "trade gap", "trade imbalance", "imbalance"],
    "DEMAND": ["wants", "want", "wanted", "demand", "demands", "demanded", "demanding", "asked", "asks", "ask",
               "called on", "calls on", "urged", "urges", "insist", "insists", "insisted", "pressed", "presses",
               "pressing"],
    "OWN_LIST": ["own list", "their own list", "its own list", "own demands", "counter-proposal",
                 "counterproposal", "counteroffer", "counter-offer"],
    "NEGATION": ["not", "n't", "no", "never", "without", "ruled out", "rules out", "rule out", "refrain",
                 "refrains", "refrained", "stop"],
    "ALL": ["all countries", "all trading partners", "all partners", "every country", "all nations",
            "all imports", "all imported goods", "all foreign goods", "the rest of the world", "worldwide",
            "every trading partner", "all its trading partners", "all of its trading partners", "imported",
            "foreign-made", "from everywhere"],
    "ANAPHORA": ["the duties", "the tariffs", "these tariffs", "those tariffs", "these duties", "those duties",
                 "the levies", "the new tariffs", "the new duties", "them"],
    "GOODS": ["goods", "products", "imports", "exports", "items", "shipments", "produce", "lines"],
}


@dataclass(frozen=True)
class Mention:
    """Something found in a sentence: ``label`` (``PLACE``, ``PRODUCT``, ``LIST`` or a cue label), its ``key``
    (ISO3 code, product key, list key or the matched text in lower case), character offsets into the
    article and token offsets into the sentence."""

    label: str
    key: str
    start: int
    end: int
    text: str
    i: int
    j: int


@dataclass
class Sentence:
    """One sentence of the article: its text and offsets, tokens and what the rules need from them."""

    start: int
    end: int
    text: str
    tokens: list[str]
    lowers: list[str]
    offsets: list[int]  # character offset of each token in the article
    entities: list[Mention] = field(default_factory=list)
    cues: list[Mention] = field(default_factory=list)

    def of(self, label: str) -> list[Mention]:
        return [m for m in [*self.entities, *self.cues] if m.label == label]


def _token_pattern(nlp: Any, phrase: str, exact: bool) -> list[dict[str, Any]]:
    tokens = [t.text for t in nlp.make_doc(phrase)]
    return [{"TEXT": t} if exact else {"LOWER": t.lower()} for t in tokens]


@cache
def pipeline() -> Any:
    """The blank English pipeline with the sentencizer, the entity ruler and the cue matcher (built once).

    Returns
    -------
    tuple
        ``(nlp, matcher)``.
    """
    import spacy
    from spacy.matcher import Matcher

    from tariffsim.draft.lexicon import country_names, named_lists, place_aliases, product_words

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    patterns: list[dict[str, Any]] = []
    for lst in named_lists():
        for name in lst.names:
            patterns.append({"label": "LIST", "pattern": _token_pattern(nlp, name, exact=False), "id": lst.key})
    seen: set[str] = set()
    for place in (*place_aliases(), *country_names()):
        if place.alias.lower() in seen:
            continue
        seen.add(place.alias.lower())
        patterns.append({"label": "PLACE", "pattern": _token_pattern(nlp, place.alias, place.exact_case),
                         "id": place.code})
    for product in product_words():
        for word in product.words:
            patterns.append({"label": "PRODUCT", "pattern": _token_pattern(nlp, word, exact=False),
                             "id": product.key})
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    matcher = Matcher(nlp.vocab)
    for label, phrases in CUES.items():
        token_patterns: list[list[dict[str, Any]]] = []
        for phrase in phrases:
            if phrase.endswith("VERB+"):
                head = phrase.split()[0]
                token_patterns.append([{"LOWER": head}, {"LOWER": {"IN": ["also", "now", "then", "soon", "not"]},
                                                         "OP": "?"}, {"LOWER": {"IN": _ACTION_VERBS}}])
            else:
                token_patterns.append(_token_pattern(nlp, phrase, exact=False))
        matcher.add(label, token_patterns)
    return nlp, matcher


_PARAGRAPH = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, paragraph)`` for each paragraph (blank lines separate paragraphs)."""
    start = 0
    for match in _PARAGRAPH.finditer(text):
        if text[start:match.start()].strip():
            yield start, text[start:match.start()]
        start = match.end()
    if text[start:].strip():
        yield start, text[start:]


def analyse(text: str) -> list[Sentence]:
    """The article's sentences with their entities and cues (character offsets into ``text``)."""
    nlp, matcher = pipeline()
    offsets_texts = list(paragraphs(text))
    out: list[Sentence] = []
    for (offset, _), doc in zip(offsets_texts, nlp.pipe(p for _, p in offsets_texts), strict=True):
        for sent in doc.sents:
            stripped = sent.text.strip()
            if not stripped:
                continue
            tokens = [t for t in sent if not t.is_space]
            if not tokens:
                continue
            base = sent[0].i
            start = offset + tokens[0].idx
            end = offset + tokens[-1].idx + len(tokens[-1].text)
            record = Sentence(start, end, text[start:end], [t.text for t in sent], [t.lower_ for t in sent],
                              [offset + t.idx for t in sent])
            for ent in sent.ents:
                record.entities.append(Mention(ent.label_, ent.ent_id_, offset + ent.start_char, offset + ent.end_char,
                                               ent.text, ent.start - base, ent.end - base))
            span_doc = sent.as_doc()
            for match_id, i, j in matcher(span_doc):
                label = nlp.vocab.strings[match_id]
                piece = span_doc[i:j]
                record.cues.append(Mention(label, piece.text.lower(), offset + sent[i].idx,
                                           offset + sent[j - 1].idx + len(sent[j - 1].text), piece.text, i, j))
            record.cues.sort(key=lambda m: (m.i, -m.j))
            out.append(record)
    return out
