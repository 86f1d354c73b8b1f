"""Follow-up questions made standalone without an LLM: a short or anaphoric question borrows the previous
question's subject ("And in drier areas?" after "How long is the revegetation period where rainfall is more
than 26 inches?" -> "How long is the revegetation period — in drier areas")."""

from __future__ import annotations

import re

from assistant.core.tokens import content_terms, has_cjk

_ANAPHORA = re.compile(
    r"^(?:and|also|what about|how about|then|or|but)\b|\b(?:it|its|this|that|these|those|they|them|there|such)\b", re.I
)
# a follow-up that is only a condition ("in drier areas", "where the site is under 5 ha", "for quarries")
_QUALIFIER = re.compile(r"^(?:in|on|at|for|where|when|if|under|during|within|with|without)\b", re.I)
# the previous question's trailing condition, from its last "where/if/when/in areas …" clause to the end
_LAST_QUALIFIER = re.compile(r"\s+(?:where|if|when|in (?:areas|places|sites|regions))\b[^?]*$", re.I)
_ZH_ANAPHORA = re.compile(r"^(?:那么?|还有|以及|另外)|[它其这那]|呢[？?]?$")


def elliptical(question: str) -> bool:
    """A follow-up that cannot stand alone: it points back ("and …", "it", 那) or is only a condition ("in …")."""
    q = question.strip()
    if has_cjk(q):
        return bool(_ZH_ANAPHORA.search(q))
    rest = re.sub(r"^(?:and|also|what about|how about|then|or|but)\b[\s,]*", "", q, flags=re.I)
    return bool(_ANAPHORA.search(q) or _QUALIFIER.match(rest))


def rewrite_followup(question: str, history: list[tuple[str, str]]) -> str:
    """``question`` standing alone, given ``(user, assistant)`` turns; unchanged when it already does."""
    if not history:
        return question
    prev = history[-1][0].strip()
    q = question.strip()
    zh = has_cjk(q)
    short = len(content_terms(q)) <= (4 if zh else 3)
    anaphoric = bool(_ZH_ANAPHORA.search(q) if zh else _ANAPHORA.search(q))
    if not prev or not (short or anaphoric):
        return question
    if zh:
        rest = re.sub(r"^(?:那么?|还有|以及|另外)[，,]?", "", q)
        return f"{prev.rstrip('？?。 ')}，{rest}"
    rest = re.sub(r"^(?:and|also|what about|how about|then|or|but)\b[\s,]*", "", q, flags=re.I)
    base = prev.rstrip("?. ")
    if _QUALIFIER.match(rest):
        # "And in drier areas?" swaps the condition of the previous question ("… where rainfall is more
        # than 26 inches"): keeping both would ask for the old answer again
        base = _LAST_QUALIFIER.sub("", base) or base
    return f"{base} — {rest}"
