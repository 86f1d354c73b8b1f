"""Lead with the fact: an extractive answer opens with the shortest cited unit that holds what is asked.

A US Code paragraph can be one 1,700-character sentence; quoting all of it for "how long is the revegetation
period" buries "five full years". When a unit of the composed answer is longer than ``MAX_CHARS`` and the
question asks for neither a list nor a whole clause ("list …", "what does Article X say/require", "full
text"), the answer becomes:

1. the unit that holds the question's focus (a sentence, or an item with its lead-in), first;
2. cut, when still too long, around its best part: the sentence is split at ";", ":", " — " and before
   "except …", "unless …", "provided …"; the part holding most of the question (its terms, a number when
   one is asked for, closeness in meaning) is quoted with the neighbouring parts that fit, marked "…" where
   text was left out;
3. then the other chosen units, each cut the same way (short units are kept whole: dropping them lost
   facts on the bundled gold set, where the fact is often in the second or third sentence chosen).

Every quoted part is an exact substring of its passage and carries its marker, so the citation still
points at the whole clause (the web chat shows it with the quote highlighted).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer.evidence import covered
from assistant.answer.question import Question
from assistant.answer.units import HAS_NUMBER, Candidate, items, lead_in, render
from assistant.core.tokens import has_cjk, tokenize

MAX_CHARS = 400
LEAD_IN_CHARS = 120  # a longer lead-in is cut to its last part ("… shall require the operation to—")
_CUT = re.compile(
    r"(?<=[;；:：])\s*|(?-i:(?<=[a-z]\.)\s+(?=[A-Z]))|,\s+(?=(?:except|unless|provided|but|whereas|if)\b)|\s+[—–]\s+(?=\S)",
    re.IGNORECASE,
)
_COMMA = re.compile(r"(?<=,)\s+")
_LEAD_CUT = re.compile(r",\s+|\s+and\s+(?=shall|must|may|will)|；|，")
_WHOLE = re.compile(r"\blist\b|\bfull text\b|\bwhole (?:text|clause|article|section)\b|\bverbatim\b|全文", re.I)
_CLAUSE_SAYS = re.compile(
    r"\b(?:say|says|said|require|requires|provide|provides|state|states|stipulate|stipulates|set out|contain)\b"
    r"|规定了?什么|规定的?内容|怎么规定|如何规定|内容是什么",
    re.IGNORECASE,
)
_MIN_PART = 20  # characters: shorter parts join the next one
# a part that states an exception or a proviso answers a question with a condition ("in drier areas", "where
# rainfall is …"); without one, the main rule comes first
_EXCEPTION = re.compile(r"^(?:except|unless|provided|but|whereas|if)\b", re.IGNORECASE)
_CONDITION = re.compile(
    r"\b(?:where|if|unless|except|provided|drier|wetter)\b|\bin (?:\w+ ){0,3}(?:areas?|regions?|places|sites|cases)\b"
    r"|如果|情形|地区",
    re.IGNORECASE,
)
EXCEPTION_PENALTY = 0.2
_HOW = re.compile(r"\bhow (long|many|much|far|often|soon|high|deep)\b", re.IGNORECASE)
Similarity = Callable[[list[str]], list[float]]  # texts -> cosine of each with the question


@dataclass(frozen=True)
class Part:
    start: int
    end: int
    text: str


def whole_asked(q: Question) -> bool:
    """A list, the full text, or what a named clause says or requires: then the answer is not cut."""
    if _WHOLE.search(q.text) or q.types.get("q_list"):
        return True
    return bool(q.refs) and bool(_CLAUSE_SAYS.search(q.text))


def parts(sentence: str, budget: int = MAX_CHARS) -> list[Part]:
    """``sentence`` split at its clause boundaries (see the module docstring), a part longer than ``budget``
    also at its commas; exact substrings, in order."""
    out: list[Part] = []
    for start, end in _spans(sentence, _CUT):
        if end - start > budget:  # one long clause ("(5) remove the topsoil …, replace it …, or …")
            out += [
                Part(start + a, start + b, sentence[start + a : start + b])
                for a, b in _spans(sentence[start:end], _COMMA)
            ]
        else:
            out.append(Part(start, end, sentence[start:end]))
    return out or [Part(0, len(sentence), sentence)]


def _spans(text: str, cut: re.Pattern[str]) -> list[tuple[int, int]]:
    """(start, end) of the pieces of ``text`` between ``cut`` matches, trimmed; short pieces join the next."""
    cuts = sorted({0, len(text), *(m.end() for m in cut.finditer(text))})
    out: list[tuple[int, int]] = []
    start = 0
    for end in cuts[1:]:
        raw = text[start:end]
        piece = raw.strip().rstrip(",;；:：").rstrip()
        if len(piece) < _MIN_PART and end < len(text):
            continue  # too short to stand alone: it joins the next part
        lead = len(raw) - len(raw.lstrip())
        out.append((start + lead, start + lead + len(piece)))
        start = end
    return out


def _part_scores(q: Question, candidates: list[Part], similarity: Similarity) -> list[float]:
    """How much of the question each part holds: its terms (numbers twice), a number when one is asked for,
    closeness in meaning; the first part (the main statement) is preferred on a tie."""
    condition = _CONDITION.search(q.text)
    # the condition's own words ("in drier areas") tell its exception from the other provisos: they count twice
    in_condition = set(tokenize(q.text[condition.start() :])) if condition else set()
    asked = set(tokenize(" ".join(_HOW.findall(q.text))))  # "how long" asks for a duration: not a word to find
    terms = {t: 2.0 if t in in_condition else 1.0 for t in q.terms if t not in asked}
    terms.update({n: 2.0 for n in q.numbers})
    total = sum(terms.values()) or 1.0
    wants_number = q.focus.wants_number or bool(q.types.get("q_number") or q.types.get("q_date"))
    conditional = condition is not None
    cos = similarity([p.text for p in candidates])
    scores = []
    for i, (p, cs) in enumerate(zip(candidates, cos, strict=True)):
        toks = set(tokenize(p.text))
        prefixes = {t[:5] for t in toks if len(t) >= 5}
        lex = sum(w for t, w in terms.items() if covered(t, toks, prefixes, p.text)) / total
        number = 0.3 if wants_number and HAS_NUMBER.search(p.text) else 0.0
        exception = EXCEPTION_PENALTY if not conditional and _EXCEPTION.match(p.text) else 0.0
        scores.append(0.6 * lex + number + 0.5 * cs + (0.02 if i == 0 else 0.0) - exception)
    return scores


def _cut(text: str, budget: int, q: Question, similarity: Similarity) -> str:
    """The best part of ``text`` with as many neighbouring parts as fit in ``budget`` characters (the one before
    it first: it often names the subject), with "…" where text was left out."""
    if len(text) <= budget:
        return text
    found = parts(text, budget)
    fits = [i for i, p in enumerate(found) if len(p.text) <= budget]
    if not fits:
        return text  # no part fits: a whole sentence beats a cut one mid-clause
    scores = _part_scores(q, [found[i] for i in fits], similarity)
    lo = hi = fits[max(range(len(fits)), key=lambda j: (scores[j], -j))]
    grown = True
    while grown:
        grown = False
        if lo > 0 and found[hi].end - found[lo - 1].start <= budget:
            lo, grown = lo - 1, True
        if hi + 1 < len(found) and found[hi + 1].end - found[lo].start <= budget:
            hi, grown = hi + 1, True
    start, end = found[lo].start, found[hi].end
    return ("… " if start > 0 else "") + text[start:end] + (" …" if end < len(text) else "")


def _short_lead_in(text: str) -> str:
    if len(text) <= LEAD_IN_CHARS:
        return text
    tail = _LEAD_CUT.split(text)[-1].strip()
    return f"… {tail}" if tail and len(tail) <= LEAD_IN_CHARS else text


def unit_answer(c: Candidate, pool: list[Candidate], q: Question, similarity: Similarity) -> str:
    """One chosen unit with its marker, cut to fit ``MAX_CHARS`` (see the module docstring)."""
    whole = render([c], pool)
    if len(whole) <= MAX_CHARS:
        return whole
    marker = f"[{c.passage_index + 1}]"
    intro = lead_in(c, pool)
    head = f"{_short_lead_in(intro.span.text)} … " if intro is not None else ""
    listed = items(c, pool)
    if listed:  # a lead-in with its items: as many items as fit, each with its marker
        text = f"{_cut(c.span.text, MAX_CHARS - len(marker) - 1, q, similarity)} {marker}"
        for item in listed:
            if len(text) + len(item.span.text) + len(marker) + 2 > MAX_CHARS:
                break
            text = f"{text} {item.span.text} {marker}"
        return text
    budget = MAX_CHARS - len(head) - len(marker) - 1
    body = _cut(c.span.text, budget, q, similarity)
    if head and body.startswith("… "):
        body = body[2:]  # one ellipsis between the lead-in and the part
    return f"{head}{body} {marker}"


def lead_with_fact(
    q: Question,
    chosen: list[Candidate],
    first: Candidate,
    pool: list[Candidate],
    rendered: str,
    similarity: Similarity,
) -> str:
    """``rendered``, or when one of its units is too long (and no list or whole clause is asked) the fact first:
    the unit holding the focus, then the others, each unit over ``MAX_CHARS`` cut to its best part. Short units
    are never dropped: the fact asked for is often in the second or third sentence chosen."""
    if len(rendered) <= MAX_CHARS or whole_asked(q):
        return rendered
    if all(len(render([c], pool)) <= MAX_CHARS for c in chosen):
        return rendered
    out = ""
    for c in [first, *(c for c in chosen if c is not first)]:
        more = unit_answer(c, pool, q, similarity)
        sep = "" if not out or (has_cjk(out) and has_cjk(more)) else " "
        out = f"{out}{sep}{more}"
    return out
