"""How much of a question an answer text covers: answerability features computed from the two texts alone.

Shared by the answer engine (at run time, on the composed answer) and evaluation (on recorded answers when
the answerability model is trained), so both compute exactly the same numbers. Only the first
``ANSWER_CHARS`` characters of the answer count, and ``[n]`` markers are ignored.
"""

from __future__ import annotations

import math
import re

from assistant.core.tokens import content_terms, named_terms, numbers, tokenize

ANSWER_CHARS = 600
_SCOPE = re.compile(r"^关于案例[^：:]{0,60}[：:]")  # "关于案例 0008（…）：" names the case, not what is asked
_MARKER = re.compile(r"\[\d+\]")


def _covered(term: str, tokens: set[str], prefixes: set[str]) -> bool:
    if term in tokens:
        return True
    return term.isascii() and term.isalpha() and len(term) >= 5 and term[:5] in prefixes


def overlap_features(question: str, answer: str) -> dict[str, float]:
    """Share and count of the question's content terms, numbers and names missing from the answer text."""
    q = _SCOPE.sub("", question.strip())
    a = _MARKER.sub(" ", answer[:ANSWER_CHARS])
    tokens = set(tokenize(a))
    prefixes = {t[:5] for t in tokens if len(t) >= 5}
    terms = content_terms(q)
    missing = [t for t in terms if not _covered(t, tokens, prefixes)]
    names = named_terms(q)
    nums = numbers(q)
    return {
        "ans_cov": 1.0 - len(missing) / len(terms) if terms else 1.0,
        "ans_missing": math.log1p(len(missing)),
        "ans_missing_names": float(sum(not _covered(n, tokens, prefixes) for n in names)),
        "ans_missing_numbers": float(len(nums - numbers(a))),
    }
