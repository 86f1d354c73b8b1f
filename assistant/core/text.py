"""Text normalisation for matching, shared by the keyword index and the question side.

Documents and questions are folded the same way before they are tokenised (:mod:`assistant.core.tokens`), so a
question written differently from the document still meets it:

- Unicode NFKC (full-width letters and digits, ligatures), curly quotes to straight, every dash to "-";
- Latin letters without their accents for the English tokens ("Céloron" → "Celoron", "São" → "Sao",
  "Straße" → "Strasse"): questions are typed without the accents the source carries;
- common abbreviations spelled out: "Art. 46" → "Article 46", "Sec. 5" and "§ 5" → "section 5",
  "Prof. Lee" → "Professor Lee", "Para. 3" → "paragraph 3", "No. 7" → "number 7", "Mt. Isa" → "Mount Isa";
- spelled numbers as digits: "twenty-six" / "twenty six" → "26", "one hundred and five" → "105",
  and Chinese numerals before a unit or after 第: "十年" → "10年", "第四十六条" → "第46条", "百分之三十" → "30%";
- English stemming with the Snowball stemmer (PyStemmer, the stemmer bm25s uses) and bm25s's English
  stopword list plus the modal and connective words of legal text.

This module is also the one place that says which characters are CJK (:data:`CJK`).

It is not the loaders' clean-up: :func:`indexing.normalize.normalize_text` makes extracted text safe and
keeps its layout; this module changes text only for comparison and never what is stored or shown.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from assistant.core.numerals import CN_NUMERAL_CHARS, cn_to_int

# ---- CJK: the one definition ---------------------------------------------------------------------------
#: CJK ideographs: Extension A, the unified block and the compatibility ideographs (for character classes).
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: "wide" script, for layout: the ideographs plus CJK radicals, punctuation, kana and full-width forms.
CJK_WIDE = CJK + r"\u2e80-\u33ff\uff00-\uffef"
CJK_RE = re.compile(f"[{CJK}]")
CJK_RUN = re.compile(f"[{CJK}]+")


def has_cjk(text: str) -> bool:
    """True when ``text`` holds at least one CJK ideograph."""
    return bool(CJK_RE.search(text))


# ---- characters ------------------------------------------------------------------------------------
_CHARS = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
    }
)


def fold(text: str) -> str:
    """NFKC, straight quotes and one kind of dash."""
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text if text.isascii() else text.translate(_CHARS)


_LATIN_EXTRA = {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d"}


@lru_cache(maxsize=4096)
def _unaccented(char: str) -> str:
    if char in _LATIN_EXTRA:
        return _LATIN_EXTRA[char]
    base = unicodedata.normalize("NFD", char)
    # only Latin letters lose their marks: kana and other scripts keep what NFD would split off
    return base[0] if base[0].isascii() and base[0].isalpha() else char


def fold_accents(text: str) -> str:
    """Latin letters without accents ("Céloron" → "Celoron"); other characters unchanged."""
    return text if text.isascii() else "".join(c if c.isascii() else _unaccented(c) for c in text)


# ---- abbreviations ---------------------------------------------------------------------------------
_ABBREVIATION = re.compile(r"\b(Arts?|Secs?|Paras?|Sch|No|Prof|Mt)\.(?=\s*([\dIVXLC]|[A-Z]))|(§§?)\s*", re.I)
# abbreviation → (its full form, what must follow: a number or a capitalised name)
_FULL = {
    "art": ("Article", "number"), "arts": ("Articles", "number"), "sec": ("section", "number"),
    "secs": ("sections", "number"), "para": ("paragraph", "number"), "paras": ("paragraphs", "number"),
    "sch": ("Schedule", "number"), "no": ("number", "digit"), "prof": ("Professor", "name"), "mt": ("Mount", "name"),
}  # fmt: skip


def _abbreviation_sub(m: re.Match[str]) -> str:
    if m.group(3):
        return "sections " if len(m.group(3)) == 2 else "section "
    full, follows = _FULL[m.group(1).lower()]
    nxt = m.group(2)
    ok = {
        "number": nxt.isdigit() or nxt in "IVXLC",
        "digit": nxt.isdigit() and m.group(1)[0] == "N",
        "name": nxt.isupper() and m.group(1)[0].isupper(),
    }[follows]
    return full if ok else m.group(0)


def expand_abbreviations(text: str) -> str:
    """'Art. 46' → 'Article 46', '§ 5' → 'section 5', 'Prof. Lee' → 'Professor Lee' (see the module docstring)."""
    if "." not in text and "§" not in text:
        return text
    return _ABBREVIATION.sub(_abbreviation_sub, text)


# ---- spelled numbers -------------------------------------------------------------------------------
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_SPELLED = re.compile(
    # the look-ahead on the first letter lets most positions fail fast (twice the speed on English text)
    rf"\b(?=[efhmnostzEFHMNOSTZ])(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*\b",
    re.I,
)


def number_word(word: str) -> str | None:
    """'twenty-six' → '26', 'five' → '5', 'one hundred' → '100'; None for anything else ('hundred' alone)."""
    value = _spelled_value(re.split(r"[\s-]+", word.lower().strip()))
    return None if value is None else str(value)


def _spelled_value(words: list[str]) -> int | None:
    """Value of number words in order, or None when they do not make one number."""
    words = [w for w in words if w and w != "and"]
    if not words or words[0] in _SCALES:
        return None
    total, group, last = 0, 0, ""
    for w in words:
        if w in _SCALES:
            if last in _SCALES and _SCALES[w] <= _SCALES[last]:
                return None
            if _SCALES[w] == 100:
                group = (group or 1) * 100
            else:
                total += (group or 1) * _SCALES[w]
                group = 0
        elif w in _TENS:
            if group % 100 or last in _UNITS:
                return None
            group += _TENS[w]
        elif w in _UNITS:
            if last in _UNITS or (last in _TENS and _UNITS[w] >= 10) or (_UNITS[w] >= 10 and group % 100):
                return None
            group += _UNITS[w]
        else:
            return None
        last = w
    return total + group


def _spelled_sub(m: re.Match[str]) -> str:
    words = re.split(r"[\s-]+", m.group(0).lower())
    value = _spelled_value(words)
    if value is not None:
        return str(value)
    # no single number ("five six"): each word that is one by itself
    return " ".join(str(_UNITS.get(w, _TENS.get(w, w))) for w in words if w)


_ZH_NUM = f"[{CN_NUMERAL_CHARS}]+"
# a Chinese numeral counts as a number after 第 or 百分之, or before a unit or classifier
_ZH_UNIT = "年月日天周个条款项章节编目倍次人名位株棵亩公顷米里元万%"
_ZH_NUMBER = re.compile(f"(第|百分之)?({_ZH_NUM})(?=[{_ZH_UNIT}])|(第|百分之)({_ZH_NUM})")
_ZH_HINT = re.compile(f"[{CN_NUMERAL_CHARS}]")


def _zh_sub(m: re.Match[str]) -> str:
    lead = m.group(1) or m.group(3) or ""
    raw = m.group(2) or m.group(4)
    try:
        value = cn_to_int(raw)
    except ValueError:
        return m.group(0)
    return f"{value}%" if lead == "百分之" else f"{lead}{value}"


def spelled_numbers(text: str) -> str:
    """Spelled numbers in English and Chinese as digits (see the module docstring)."""
    if re.search(r"[A-Za-z]", text):
        text = _SPELLED.sub(_spelled_sub, text)
    if _ZH_HINT.search(text):
        text = _ZH_NUMBER.sub(_zh_sub, text)
    return text


def normalize(text: str) -> str:
    """``text`` as it is compared: folded, abbreviations spelled out, numbers as digits."""
    return spelled_numbers(expand_abbreviations(fold(text)))


# ---- stemming and stopwords ------------------------------------------------------------------------
# words of legal text that carry no content, beside bm25s's English list
_LEGAL_STOPWORDS = ("shall", "may", "could", "would", "also", "per", "via", "upon", "whether", "within",
                    "without", "hereby", "thereof", "therein", "herein")  # fmt: skip


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English stopwords: bm25s's list (single letters other than 'a' and 'i' kept: "Schedule B") plus legal ones."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS  # bm25s (and scipy) load only when text is first tokenised

    base = {w for w in STOPWORDS_EN_PLUS if len(w) > 1 or w in ("a", "i")}
    return frozenset(base | set(_LEGAL_STOPWORDS))


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer: the Snowball stemmers bm25s uses

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=131072)
def stem(word: str) -> str:
    """Snowball English stem of a lower-case word ('graded' and 'grade' → 'grade', 'mining' → 'mine')."""
    return _stemmer().stemWord(word)
