"""Answerability around a question's focus: what exactly is asked for must be in the chosen sentences.

Topic words ("Xuzhou", "coal", "mines") are often in the evidence when the asked-for fact is not
("how many tonnes … in 1990"). The focus of an English question is

* the interrogative's target: the noun phrase after "how many", "which", "what" ("which plant species"
  -> plant, species; "what is the capital of" -> capital), or a quantity verb after "how much" ("cost");
* its years and numbers (clause references set aside), and its proper names (exact match, not a prefix:
  "Australasia" does not cover "Australia");
* for quantity questions ("how many", "how much", "what percentage", 多少, 几) a number.

:func:`focus_missing` lists what the selected answer sentences (with their passages' headings for names
and numbers) fail to cover; the engine refuses when anything is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from assistant.answer.names import DATE_WORDS, name_covered
from assistant.core.references import strip_refs
from assistant.core.text import CJK
from assistant.core.tokens import has_cjk, named_terms, numbers, stem, tokenize

_AUX = frozenset(
    "is are was were be been do does did has have had can could should must may might will would shall".split()  # noqa: SIM905
)
_STOP_AFTER = _AUX | frozenset(
    "of in on at for to by from with under about per that which who the a an and or".split()  # noqa: SIM905
)
# head nouns that only shape the question ("what kind of …", "which steps …"): the answer need not repeat them
_GENERIC_TARGETS = frozenset(
    "kind kinds type types sort sorts role roles approach approaches way ways purpose purposes step steps "  # noqa: SIM905 (a word list reads better as words)
    "measure measures thing things rule rules requirement requirements obligation obligations principle "
    "principles standard standards factor factors information aspect aspects element elements criterion "
    "criteria condition conditions duty duties responsibility responsibilities task tasks provision "
    "provisions action actions method methods part parts section sections article articles clause clauses "
    "chapter chapters document documents law laws act regulation regulations matter matters issue issues "
    "activities activity practice practices point points goal goals aim aims objective objectives outcome "
    "outcomes result results problem problems effect effects reason reasons happens happen say says said "
    "mean means require requires required need needs apply applies cover covers does do did is are was "
    "were name names term terms example examples entity entities else".split()
)
_QUANTITY_VERBS = frozenset(
    ["cost", "costs", "weigh", "weighs", "pay", "pays", "paid", "spend", "spent", "earn", "earned", "raise", "raised"]
)
_NUMBER_Q = re.compile(r"\bhow (?:many|much)\b|\bwhat (?:percentage|proportion|share|fraction)\b|多少|几", re.I)
_HAS_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|half|quarter)\b|[一二两三四五六七八九十百千万亿]",
    re.I,
)
_WHEN_PAST = re.compile(r"^\s*when (?:was|were|did)\b", re.I)
_ORDINAL = re.compile(r"\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b", re.I)
_PER = re.compile(r"\bper\s+(\w+)(?:\s+of\s+((?:\w+\s*){1,3}))?", re.I)
_WH = re.compile(r"\b(how many|how much|which|what)\s+([^?.,;:]*)", re.I)
_ANY_WH = re.compile(r"\b(?:how|what|which|when|who|whom|whose|why|where)\b", re.I)
_TIME_TARGETS = frozenset(
    ["date", "dates", "year", "years", "day", "days", "month", "months", "period", "deadline", "time", "times"]
)
_QUANTITY_NOUNS = frozenset("percentage percent proportion fraction ratio share number amount".split())  # noqa: SIM905
_GENERIC_NAMES = frozenset(
    ["act", "law", "regulation", "rule", "code", "standard", "chapter", "section", "article", "title", "part"]
)
# "每公顷多少棵树": what is counted follows 多少/几, after a classifier; units of time or clauses are numbers only
_ZH_COUNTED = re.compile(f"(?:多少|几)([{CJK}]{{1,4}})")
_ZH_CLASSIFIERS = "棵个条项名次只株座家块张件位台辆头"
_ZH_NUMBER_ONLY = frozenset("年天日月倍次条章个项人元钱")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-']*")


@dataclass(frozen=True)
class Focus:
    """What a question asks for (see the module docstring); one per question, shared, so never changed."""

    targets: list[str] = field(default_factory=list)  # stemmed tokens of the interrogative's target
    years: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    wants_number: bool = False
    raw: dict[str, str] = field(default_factory=dict)  # target token -> the question's word, for paraphrase checks


def _target_words(question: str) -> tuple[list[str], bool]:
    """Words naming what is asked for, and whether the asked-for thing is a time (a date or year: a number)."""
    out: list[str] = []
    wants_time = False
    first = _ANY_WH.search(question)
    m = _WH.search(question)
    if m and first and first.start() == m.start():  # "when …, and in which journal": the first question counts
        wh = m.group(1).lower()
        words = _WORD.findall(m.group(2))
        if wh == "how much":
            # "how much waste dump area": any measure answers it; "how much did it cost": the verb is the focus
            out += [w for w in words if w.lower() in _QUANTITY_VERBS] if words and words[0].lower() in _AUX else []
        else:
            if wh == "what" and words and words[0].lower() in _AUX:
                # "what is the capital of …": the noun after the article
                rest = words[1:]
                if rest and rest[0].lower() in {"the", "a", "an"}:
                    rest = rest[1:]
                words = [*rest[:1], "is"] if len(rest) > 1 and rest[1].lower() == "of" else []
            taken: list[str] = []
            for w in words:
                if w.lower() in _STOP_AFTER or len(taken) >= (1 if wh == "how many" else 3):
                    break
                taken.append(w)
            # "which species were …" names an object; in "what lies …" / "which factors determine …" the phrase
            # is the subject of a verb we cannot tell from a noun: only a phrase closed by an auxiliary counts
            nxt = words[len(taken)].lower() if len(words) > len(taken) else ""
            if wh == "how many" or nxt in _AUX:
                if any(w.lower() in _TIME_TARGETS for w in taken):
                    wants_time = True
                elif taken:
                    out.append(taken[-1])  # the head noun: "which plant species" asks for species
    # a rate ("per ton of uranium ore") names what is measured: the unit and its object
    for m in _PER.finditer(question):
        out.append(m.group(1))
        for w in _WORD.findall(m.group(2) or ""):
            if w.lower() in _STOP_AFTER:
                break
            out.append(w)
    out += _ORDINAL.findall(question)
    return out, wants_time


def question_focus(question: str, doc_name_words: set[str] | frozenset[str] | None = None) -> Focus:
    """The focus of ``question``: targets, years, names, and whether a number is wanted (English; Chinese: numbers)."""
    plain = strip_refs(question)
    skip = doc_name_words or set()
    wants_number = bool(_NUMBER_Q.search(plain) or _WHEN_PAST.search(plain))
    years = sorted(n for n in numbers(plain) if re.fullmatch(r"(1[6-9]|20)\d\d", n))
    years = [y for y in years if y not in skip]
    if has_cjk(plain):
        return Focus(targets=_zh_targets(plain), years=years, wants_number=wants_number)
    targets: list[str] = []
    raw: dict[str, str] = {}
    words, wants_time = _target_words(plain)
    for w in words:
        lw = w.lower()
        if lw in _QUANTITY_NOUNS:  # "what was the percentage of …" asks for a number, as "what percentage" does
            wants_number = True
            continue
        if lw in _GENERIC_TARGETS or lw in skip:
            continue
        for t in tokenize(w):
            if t not in skip and stem(lw) not in skip:
                targets.append(t)
                raw.setdefault(t, lw)
    return Focus(
        targets=list(dict.fromkeys(targets)),
        years=years,
        names=[n for n in named_terms(plain) if n not in skip and n not in _GENERIC_NAMES and n not in DATE_WORDS],
        wants_number=wants_number or wants_time,
        raw=raw,
    )


def _zh_targets(plain: str) -> list[str]:
    """What a Chinese question counts ("每公顷多少棵树" -> 树), if it counts a thing rather than time or clauses."""
    m = _ZH_COUNTED.search(plain)
    if not m:
        return []
    word = m.group(1)
    word = word[1:] if len(word) > 1 and word[0] in _ZH_CLASSIFIERS else word
    word = re.split("[，。？、的是]", word)[0][:2]
    return [word] if word and word not in _ZH_NUMBER_ONLY and word[0] not in _ZH_NUMBER_ONLY else []


def _word_covered(term: str, tokens: set[str], evidence: str = "") -> bool:
    """Exact stemmed token, or a longer inflection of it ("restor" ~ "restoration"), or a unit written as its
    symbol in ``evidence`` ("pound" ~ "lb", "kilowatt" ~ "kWh"); no other prefix sharing."""
    if term in tokens:
        return True
    if term in _UNIT_SYMBOLS and re.search(_UNIT_SYMBOLS[term], evidence):
        return True
    return len(term) >= 4 and any(t.startswith(term) and len(t) - len(term) <= 4 for t in tokens)


# units as sources print them, by the stem of the word a question spells out (case matters: "MW" is not "mW")
_UNIT_SYMBOLS = {
    "pound": r"\blbs?\b",
    "kilowatt": r"\bkW(?:h|e)?\b",
    "megawatt": r"\bMW(?:h|e)?\b",
    "gigawatt": r"\bGW(?:h|e)?\b",
    "kilogram": r"\bkg\b",
    "kilometr": r"\bkm\b",
    "kilomet": r"\bkm\b",
    "mile": r"\bmi\b|\bmph\b",
    "hectar": r"\bha\b",
    "ounc": r"\boz\b",
    "feet": r"\bft\b",
    "foot": r"\bft\b",
    "inch": r"\bin\.|″|\"",
    "degre": r"°",
    "percent": r"%",
    "hour": r"\b(?:hrs?|kWh|MWh|GWh)\b",
}


# Units a "how many <unit>" question asks to be counted in: the answer must state a number in that unit.
_NUM = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|fifty|hundred|thousand)"
_UNITS = {
    "hectar": r"hectares?|ha\b",
    "acr": r"acres?",
    "tonn": r"tonnes?|tons?|t\b",
    "metr": r"metres?|meters?|m\b",
    "kilometr": r"kilometres?|kilometers?|km\b",
    "percent": r"%|per ?cent",
}


def _counted_unit_missing(focus: Focus, answer_text: str) -> list[str]:
    """ "number:<unit>" for each unit the question counts in that no number of the answer is stated in."""
    if not focus.wants_number:
        return []
    return [
        f"number:{t}"
        for t in focus.targets
        if t in _UNITS and not re.search(rf"{_NUM}\s*-?\s*(?:{_UNITS[t]})", answer_text, re.I)
    ]


def _mostly_cjk(text: str) -> bool:
    """Written in Chinese: a Chinese title in brackets inside an English sentence does not make it so."""
    cjk = len(re.findall(f"[{CJK}]", text))
    return cjk > 0 and cjk >= 0.3 * len(re.findall(r"\w", text))


def focus_missing(
    focus: Focus, answer_text: str, context_text: str, similar: Callable[[str, str], bool] | None = None
) -> list[str]:
    """Focus items neither ``answer_text`` (the chosen sentences) nor ``context_text`` (their passages and
    headings) cover; a wanted number must be in the chosen sentences themselves."""
    if _mostly_cjk(answer_text) != has_cjk(" ".join([*focus.targets, *focus.names])) and (focus.targets or focus.names):
        # answered across languages (an English question about a Chinese article): words cannot be compared
        focus = replace(focus, targets=[], names=[], raw={})
    ans_tokens = set(tokenize(answer_text))
    ctx_tokens = ans_tokens | set(tokenize(context_text))
    evidence = f"{answer_text}\n{context_text}" if context_text else answer_text
    missing = [
        f"target:{t}"
        for t in focus.targets
        # The asked-for thing must be in the evidence passages, not necessarily in the chosen sentence: a
        # sentence-level test refused too many answerable paraphrases on unseen documents.
        if not (t in answer_text or t in context_text if has_cjk(t) else _word_covered(t, ctx_tokens, evidence))
        # a paraphrase ("fee" for "cost") is judged by the caller's word similarity
        and not (similar is not None and not has_cjk(t) and similar(focus.raw.get(t, t), evidence))
    ]
    missing += [f"year:{y}" for y in focus.years if y not in ctx_tokens and y not in context_text]
    missing += [f"name:{n}" for n in focus.names if not name_covered(n, tokenize(n), ctx_tokens, evidence)]
    # the question's own years do not answer "how many"
    rest = re.sub("|".join(map(re.escape, focus.years)), " ", answer_text) if focus.years else answer_text
    if focus.wants_number and not _HAS_NUMBER.search(rest):
        missing.append("number")
    return missing + _counted_unit_missing(focus, rest)
