"""Evidence features of a question against its retrieved passages, and the calibrated refusal rule.

Features: the best cosine between the question and a candidate sentence, the share of the question's
content terms (clause references and named document titles set aside) found in the best passage, whether
the question's numbers appear there, the share of its names ("Queensland", "France") found in any
passage, and whether a clause the question names was found. A term or number found in the passage's
document title counts as covered (``title_coverage``, ``title_numbers_ok``) when the question names a
retrieved document by most of its title (``names_title``): a question that names its case or act
("关于案例 N（…纠纷）：…") is not short of evidence because the passage's text
does not repeat the title; this took the CAIL2019 dev false refusals of answerability-v1 from 0.21 to 0.03.
``score_untitled`` keeps the score without titles, so recorded answers can replay the older rule.

The weights and ``THRESHOLD`` come from ``python -m evaluation.calibrate`` over answerable and unanswerable
questions (our fixture questions tests/fixtures/answers/gold.jsonl and the development gold set
evaluation/gold/dev_shared.jsonl over the real SMCRA and Chinese laws): 0.225 refused every unanswerable
fixture question and 10 of 11 unanswerable dev questions, and no answerable one.
``settings.refusal_threshold`` is added to ``THRESHOLD``.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from assistant.core.references import strip_refs
from assistant.core.tokens import ZH_QUESTION_STOP, content_terms, has_cjk, named_terms, numbers, tokenize

_ZH_QUESTION_CHARS = re.compile("[哪几何啥吗呢么谁]|多少|什么|怎么|怎样|如何")
_GENERIC_NAMES = frozenset(
    ["act", "law", "regulation", "rule", "code", "standard", "chapter", "section", "article", "title", "part"]
)

THRESHOLD = 0.225
_PREFIX = 5


@dataclass
class Evidence:
    best_cos: float
    coverage: float
    numbers_ok: float
    names_ok: float
    ref_hit: float
    has_terms: bool
    cross_lingual: bool = False
    ref_missing: bool = False
    chinese: bool = False
    # the same two shares with the passage's title counted as part of the passage (-1: not measured)
    title_coverage: float = -1.0
    title_numbers_ok: float = -1.0
    names_title: bool = False  # the question names a retrieved document by (most of) its title

    def score(self) -> float:
        """One number: higher means better evidence (see the module docstring)."""
        if self.cross_lingual:
            # a clause named in one language and found in another: words cannot be compared, the reference can
            return 0.5 + 0.5 * self.ref_hit
        # the bundled English model finds most Chinese text similar: for Chinese, words found weigh more
        cos_w = 0.25 if self.chinese else 0.4
        # title words count only when the question names the document by its title ("关于案例 N（…）："): a place
        # or topic word that is also in a title ("… in Nordvale?") does not make a passage answer
        t_cov, t_nums = (self.title_coverage, self.title_numbers_ok) if self.names_title else (-1.0, -1.0)
        cov = max(self.coverage, t_cov)
        s = cos_w * self.best_cos + (1.0 - cos_w) * cov + 0.1 * max(self.numbers_ok, t_nums)
        if self.ref_missing:  # the question names a clause no indexed document has
            s -= 0.4
        s -= 0.6 * (1.0 - self.names_ok)
        if (
            self.has_terms and cov < 0.34 and self.ref_hit < 0.8
        ):  # most of what was asked about is nowhere in the passages
            s -= 0.3
        if self.ref_hit >= 0.8:
            s += 0.5 if not self.has_terms else 0.25 * cov
        return s

    def untitled(self) -> Evidence:
        """The same evidence with titles not counted (the rule before they were: replays the old baseline)."""
        return Evidence(**(asdict(self) | {"title_coverage": -1.0, "title_numbers_ok": -1.0}))

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()} | {
            "score": self.score(),
            "score_untitled": self.untitled().score(),
        }


NAMES_TITLE = 0.6


def title_share(question_tokens: set[str], title: str) -> float:
    """Share of a title's words the question uses (1.0: the question names that document by its title)."""
    words = set(tokenize(title or ""))
    return len(words & question_tokens) / len(words) if words else 0.0


def covered(term: str, tokens: set[str], prefixes: set[str], text: str = "") -> bool:
    """A term is found if the text has it, or (long words) a word sharing its first letters; Chinese: a substring."""
    if has_cjk(term):
        return term in text
    if term in tokens:
        return True
    return term.isalpha() and term.isascii() and len(term) >= _PREFIX and term[:_PREFIX] in prefixes


def coverage(terms: list[str], text: str, weights: dict[str, float] | None = None) -> float:
    """Weighted share of ``terms`` found in ``text``."""
    if not terms:
        return 1.0
    tokens = set(tokenize(text))
    prefixes = {t[:_PREFIX] for t in tokens if len(t) >= _PREFIX}
    w = weights or {}
    total = sum(w.get(t, 1.0) for t in terms)
    return sum(w.get(t, 1.0) for t in terms if covered(t, tokens, prefixes, text)) / total


def idf_weights(terms: list[str], texts: list[str]) -> dict[str, float]:
    """Terms found in few of ``texts`` weigh more: a term no retrieved passage has is what the question is about."""
    sets = [(set(tokenize(t)), t) for t in texts]
    n = len(sets)
    out = {}
    for t in terms:
        prefixes_hit = sum(1 for s, x in sets if covered(t, s, {w[:_PREFIX] for w in s if len(w) >= _PREFIX}, x))
        out[t] = 1.0 + math.log((n + 1) / (prefixes_hit + 1))
    return out


def question_terms(question: str, doc_name_words: set[str]) -> tuple[list[str], set[str], list[str]]:
    """(content terms, numbers, names) of a question, without its clause references and named documents."""
    plain = strip_refs(question)
    if has_cjk(plain):
        terms = [t for t in chinese_terms(plain) if t not in doc_name_words and not any(t in w for w in doc_name_words)]
    else:
        terms = [t for t in content_terms(plain) if t not in doc_name_words]
    names = [n for n in named_terms(plain) if n not in doc_name_words and n not in _GENERIC_NAMES]
    nums = {n for n in numbers(plain) if not re.fullmatch(r"(19|20)\d\d", n)} - doc_name_words
    return terms, nums, names


def chinese_terms(question: str) -> list[str]:
    """Content words of a Chinese question (jieba): no question words, no single characters; English tokens kept."""
    import jieba

    jieba.setLogLevel(60)
    out: dict[str, None] = {}
    for w in jieba.lcut(question):
        w = w.strip()
        if not w or _ZH_QUESTION_CHARS.search(w) or w in ZH_QUESTION_STOP:
            continue
        if has_cjk(w):
            if len(w) >= 2:
                out.setdefault(w, None)
        else:
            for t in content_terms(w):
                out.setdefault(t, None)
    return list(out)
