"""Answerability features of a composed extractive answer, and the hedged reply's text.

Beyond :class:`assistant.answer.evidence.Evidence` (question-passage similarity, term coverage, numbers,
names, clause references), the answerability model sees how the retrievers agree on the quoted passage
(dense and BM25 scores and ranks), how clearly the best sentence wins, how much of the question the best
sentence itself covers, whether the quoted unit has the type of thing asked for (a number, a date, a
name, a list, a yes/no polarity), and the signs of a near-topic question (:func:`near_topic_features`: the
rare word, name, number or negation of the question that the best sentence and its passage lack, and a
question that names another retrieved document than the one quoted).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.answer.evidence import coverage, covered, idf_weights, title_share
from assistant.core.tokens import has_cjk, named_terms, numbers, tokenize

if TYPE_CHECKING:
    from assistant.core.types import Passage


class _Span(Protocol):
    text: str


class _Scored(Protocol):
    span: _Span
    passage_index: int
    score: float
    cos: float
    lex: float


_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|long|far|deep|thick|high|often|big|large|old|soon)\b|\bwhat (?:percentage|proportion|"
    r"amount|share|number|size|year|age)\b|多少|多长|多久|几|比例|金额|数额",
    re.I,
)
_DATE_Q = re.compile(
    r"\bwhen\b|\bwhat (?:year|date|day|month|century|decade)\b|\bwhich year\b|何时|什么时候|哪年|哪一年|日期|时间", re.I
)
_WHO_Q = re.compile(r"\bwho(?:m|se)?\b|\bwhich (?:person|company|organi[sz]ation|group)\b|谁|哪个人|哪家|什么人", re.I)
_WHERE_Q = re.compile(r"\bwhere\b|哪里|何地|什么地方|哪儿", re.I)
_LIST_Q = re.compile(r"\bwhich (?:\w+ )?(?:are|were)\b|\blist\b|\bwhat are\b|哪些|包括", re.I)
_YESNO_Q = re.compile(
    r"^(?:is|are|was|were|does|do|did|can|could|may|must|shall|should|has|have|had|will|would)\b|是否|有没有|吗[？?]?$",
    re.I,
)
_WHY_Q = re.compile(r"\bwhy\b|\bhow (?:do|does|did|can|is|are)\b|为什么|为何|原因|怎么|如何", re.I)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b|[一二两三四五六七八九十百千万]",
    re.I,
)
_DATE = re.compile(
    r"\b1[0-9]{3}\b|\b20[0-9]{2}\b|\b(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december|century|decade)\b|年|月|日",
    re.I,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+|某|[甲乙丙丁]公司|\w+公司|\w+某")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|neither|without|cannot)\b|n't\b|不|没有|未|无|否|非", re.I)
_HEDGE_LEADS: dict[str, dict[str, str]] = {}


def question_types(question: str) -> dict[str, float]:
    """What kind of thing the question asks for (one flag each)."""
    q = question.strip()
    return {
        "q_number": float(bool(_NUMBER_Q.search(q))),
        "q_date": float(bool(_DATE_Q.search(q))),
        "q_who": float(bool(_WHO_Q.search(q))),
        "q_where": float(bool(_WHERE_Q.search(q))),
        "q_list": float(bool(_LIST_Q.search(q))),
        "q_yesno": float(bool(_YESNO_Q.search(q.split("：")[-1]))),
        "q_why": float(bool(_WHY_Q.search(q))),
    }


def answer_features(
    question: str, terms: list[str], pool: list[_Scored], chosen: list[_Scored], passages: list[Passage], unit: str
) -> dict[str, float]:
    """Features of the composed answer: retriever agreement, sentence margin, type match (module docstring)."""
    ranked = sorted(pool, key=lambda c: -c.score)
    best = ranked[0]
    other = next((c for c in ranked[1:] if c.passage_index != best.passage_index), None)
    p = passages[best.passage_index]
    bm25s = [x.bm25_score for x in passages if x.bm25_score is not None]
    denses = [x.dense_score for x in passages if x.dense_score is not None]
    qt = question_types(question)
    has_num = float(bool(_NUMBER.search(unit)))
    has_date = float(bool(_DATE.search(unit)))
    has_name = float(bool(_NAME.search(unit)))
    out = {
        "top_score": best.score,
        "margin": best.score - (ranked[1].score if len(ranked) > 1 else 0.0),
        "margin_other_passage": best.score - (other.score if other else 0.0),
        "sent_lex": best.lex,
        "sent_cos": best.cos,
        "inv_rank": 1.0 / (p.rank or best.passage_index + 1),
        "dense": p.dense_score if p.dense_score is not None else 0.0,
        "dense_rel": (p.dense_score / max(denses)) if p.dense_score is not None and denses and max(denses) > 0 else 0.0,
        "bm25_rel": (p.bm25_score / max(bm25s)) if p.bm25_score is not None and bm25s and max(bm25s) > 0 else 0.0,
        "both_retrievers": float(p.dense_score is not None and p.bm25_score is not None),
        "top_both": float(passages[0].dense_score is not None and passages[0].bm25_score is not None),
        "same_passage_top": float(best.passage_index == 0),
        "position": math.log1p(p.chunk.position),
        "n_terms": math.log1p(len(terms)),
        "unit_len": math.log1p(len(unit)),
        "n_chosen": float(len(chosen)),
        "a_number": has_num,
        "a_date": has_date,
        "a_name": has_name,
        "number_mismatch": qt["q_number"] * (1.0 - has_num),
        "date_mismatch": qt["q_date"] * (1.0 - has_date),
        "name_mismatch": qt["q_who"] * (1.0 - has_name),
        **qt,
        **near_topic_features(question, terms, best.span.text, p, passages),
    }
    return {k: float(v) for k, v in out.items()}


def near_topic_features(
    question: str, terms: list[str], sentence: str, best: Passage, passages: list[Passage]
) -> dict[str, float]:
    """What of the question the best sentence and its passage lack: the signs of a near-topic question.

    SQuAD 2.0's unanswerable questions are written against the very paragraph that is retrieved, with one
    entity, number or negation changed; what gives them away is the one rare word, name or number the text
    does not have. The passage's title counts as part of the passage (it names the case, the act, the topic);
    a question that names another retrieved document's title better than the quoted one's is answered from
    the wrong document.
    IDF is over the retrieved passages (no corpus statistics at answer time): a term absent from all of them
    weighs most.
    """
    title = best.chunk.title or ""
    sent_text = f"{title}\n{sentence}"
    passage_text = f"{title}\n{best.chunk.text}"
    all_text = "\n".join(f"{x.chunk.title} {x.chunk.text}" for x in passages)
    idf = idf_weights(terms, [f"{x.chunk.title} {x.chunk.text}" for x in passages]) if terms else {}
    top_idf = 1.0 + math.log(len(passages) + 1)
    names = [] if has_cjk(question) else named_terms(question)
    nums = numbers(question)

    def missing(items: list[str], text: str) -> list[str]:
        toks = set(tokenize(text))
        prefixes = {t[:5] for t in toks if len(t) >= 5}
        return [t for t in items if not covered(t, toks, prefixes, text)]

    miss_sent, miss_passage = missing(terms, sent_text), missing(terms, passage_text)
    q_tokens = set(tokenize(question))
    title_named = title_share(q_tokens, best.chunk.title)
    neg_q, neg_s = bool(_NEGATION.search(question)), bool(_NEGATION.search(sentence))
    return {
        "sent_cov": coverage(terms, sent_text, idf),
        "title_cov": coverage(terms, passage_text, idf),
        "miss_idf_sent": max((idf[t] for t in miss_sent), default=0.0) / top_idf,
        "miss_idf_passage": max((idf[t] for t in miss_passage), default=0.0) / top_idf,
        "miss_terms_all": len(missing(terms, all_text)) / len(terms) if terms else 0.0,
        "miss_names_sent": float(len(missing(names, sent_text))),
        "miss_names_passage": float(len(missing(names, passage_text))),
        "miss_nums_sent": float(len(nums - numbers(sent_text))),
        "miss_nums_passage": float(len(nums - numbers(passage_text))),
        "neg_mismatch": float(neg_q != neg_s),
        "neg_question": float(neg_q),
        # the question names another retrieved document better than the one quoted: an answer from the wrong case
        "title_named": title_named,
        "title_named_gap": max(title_share(q_tokens, x.chunk.title) for x in passages) - title_named,
    }


def hedge_text(question: str, rendered: str, prompts_dir: Path) -> str:
    """The hedged reply: plain words that the documents may not answer, then the closest quoted passages."""
    lang = "zh" if has_cjk(question) else "en"
    key = str(prompts_dir)
    if key not in _HEDGE_LEADS:
        from assistant.prompts import load_prompt

        _HEDGE_LEADS[key] = {k: str(v) for k, v in load_prompt("hedge", prompts_dir).extra["lead"].items()}
    template = _HEDGE_LEADS[key]
    return f"{template.get(lang) or template['en']} {rendered}"
