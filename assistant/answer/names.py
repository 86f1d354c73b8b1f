"""Does the evidence carry a name the question uses, allowing for how people actually type names?

Questions written by others misspell names by a letter ("Frensh", "Celeron" for "Céloron"), drop accents,
shorten a body to its initials ("the SP" for "the Scottish Parliament") and write months short ("Feb").
Refusing because such a name is "missing" refused answerable questions; a name that differs in more than
one letter, or an acronym whose initials no run of capitalised words in the evidence spells, still counts
as missing, so a question about another person or body is still caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# stems of month and weekday names and their short forms: a date, which the year and number checks judge
DATE_WORDS = frozenset(
    "jan januari feb februari mar march apr april may jun june jul juli aug august sep sept septemb oct octob "  # noqa: SIM905 (a word list reads better as words)
    "nov novemb dec decemb monday tuesday wednesday thursday friday saturday sunday".split()
)
MIN_FUZZY = 5  # letters: shorter names must match exactly ("Rolf" is not "Rollo")
_ACRONYM = re.compile(r"[a-z]{2,5}")
_ROMAN = re.compile(r"[IVX]{2,4}")
_NAME_RUN = re.compile(r"\b[A-Z][\w'\-]*(?:\s+(?:(?:of|and|for|the|on|de|du|la)\s+)*[A-Z][\w'\-]*)*")


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance of at most 1 (one letter replaced, added or dropped)."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    skip_a = 1 if len(a) == len(b) else 0  # replaced: skip it in both; added: skip it in the longer only
    return a[i + skip_a :] == b[i + 1 :]


def _inflection(name: str, token: str) -> bool:
    """'australasian' ~ 'australasia', 'europ' ~ 'european'; never a bare shared prefix of another word."""
    return (token.startswith(name) or name.startswith(token)) and len(token) >= 4 and abs(len(token) - len(name)) <= 3


def name_covered(name: str, forms: Iterable[str], tokens: set[str], evidence: str = "") -> bool:
    """``name`` (a stemmed question name; ``forms`` its tokens) is in ``tokens`` (the evidence's tokens),
    as a token, an inflection, one letter off when long enough, or as the initials of
    capitalised words in ``evidence``."""
    wanted = {name, *forms}
    if wanted & tokens or any(_inflection(name, t) for t in tokens):
        return True
    # tokens come without accents (assistant.core.text.fold_accents): "Céloron" is "celoron" here
    if len(name) >= MIN_FUZZY and any(t[:1] == name[:1] and within_one_edit(name, t) for t in tokens):
        return True
    return bool(evidence) and _ACRONYM.fullmatch(name) is not None and spells_acronym(name, evidence)


def spells_acronym(acronym: str, text: str) -> bool:
    """Some run of capitalised words in ``text`` has ``acronym``'s initials ('sp': 'the Scottish Parliament';
    'wwii': 'World War II'; with or without the small words inside: 'BoE', 'BE': 'Bank of England')."""
    for run in _NAME_RUN.finditer(text):
        words = run.group(0).split()
        capitals = "".join(_initial(w) for w in words if w[0].isupper())
        if acronym in capitals or acronym in "".join(_initial(w) for w in words):
            return True
    return False


def _initial(word: str) -> str:
    """A word's letter in an acronym; a Roman numeral stays whole ('World War II' -> 'wwii')."""
    return word.lower() if _ROMAN.fullmatch(word) else word[0].lower()
