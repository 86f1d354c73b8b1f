"""Check an author's restoration plan against the section templates: covered, partial or missing.

Deterministic by default: each requirement item is compared with every passage of the plan using the
Assistant's embedder (semantic similarity) and the item's key terms (lexical evidence). The strongest
plan passage is quoted with its heading and page, and the requirement itself is cited from the indexed
sources, so a reviewer sees both what the plan says and what the rule says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from assistant.core.types import Citation
from assistant.drafting.evidence import EvidenceFinder, term_hits
from assistant.drafting.plan_reader import PlanPassage, read_plan
from assistant.drafting.site import SiteProfile, jurisdictions_for
from assistant.drafting.templates import SectionTemplate, TemplateItem, load_sections

Status = Literal["covered", "partial", "missing"]

# (covered, paraphrase) similarity thresholds per embedder. With all-MiniLM-L6-v2 a plan paragraph that
# addresses a requirement scores 0.45–0.85 against it, but a paragraph on another restoration topic still
# reaches 0.35–0.55 (requirements share words such as "plan", "restoration", "site"). So similarity alone
# never makes an item covered: key terms decide, similarity confirms, and only a close paraphrase
# (above the second threshold) counts as partial coverage without any key term.
CHECK_THRESHOLDS: dict[str, tuple[float, float]] = {"hash": (0.25, 0.60), "default": (0.45, 0.65)}
# A single key term in a passage on another topic ("erosion" in a sentence on stockpiles) is not partial
# coverage: below this distance from the covered threshold, one term alone leaves the item missing.
# Calibrated on evaluation/gold/checks (msra eval --checks).
LONE_TERM_MARGIN = 0.05


class ItemCheck(BaseModel):
    section_id: str
    section_title: str = ""
    item_id: str
    title: str
    requirement: str
    status: Status
    similarity: float = Field(description="Best cosine similarity between the requirement and a plan passage.")
    key_terms_found: list[str] = Field(default_factory=list)
    plan_quote: str | None = None
    plan_heading: str | None = None
    plan_page: int | None = None
    requirement_citation: Citation | None = None
    judge: str = "embedding"
    reason: str = Field("", description="Why, in words (no scores).")
    detail: str = Field("", description="The scores behind the decision (shown with --verbose).")


class SectionSummary(BaseModel):
    section_id: str
    title: str
    covered: int = 0
    partial: int = 0
    missing: int = 0


class CheckReport(BaseModel):
    plan: str
    site_name: str
    jurisdictions: list[str]
    items: list[ItemCheck]
    summary: list[SectionSummary]

    def by_status(self, status: Status) -> list[ItemCheck]:
        return [i for i in self.items if i.status == status]


@dataclass(slots=True)
class _Match:
    passage: PlanPassage | None  # the closest passage that carries a key term, else the closest passage
    similarity: float
    terms: list[str]  # key terms in that passage (its heading included)
    heading_terms: list[str]  # the key terms that come from the passage's heading


def _thresholds(embedder_name: str) -> tuple[float, float]:
    return CHECK_THRESHOLDS["hash" if embedder_name.startswith("hash") else "default"]


def classify(similarity: float, terms: list[str], thresholds: tuple[float, float]) -> tuple[Status, str]:
    """The coverage decision: key terms plus a similar passage make 'covered'; either alone 'partial'.

    Returns the status and the scores behind it (the words for readers come from ``why``).
    """
    cov, paraphrase = thresholds
    if terms and (similarity >= cov or (len(terms) >= 2 and similarity >= cov - 0.05)):
        return "covered", f"similar passage ({similarity:.2f}) and key terms {terms}"
    if len(terms) >= 2 or (terms and similarity >= cov - LONE_TERM_MARGIN):
        return "partial", f"key terms {terms} but the closest passage only scores {similarity:.2f}"
    if similarity >= paraphrase:
        return "partial", f"a close passage ({similarity:.2f}) but none of the key terms"
    if terms:
        return "missing", f"only the key term {terms} in a passage on another topic ({similarity:.2f})"
    return "missing", f"no key term of the requirement and no close passage (best {similarity:.2f})"


def _terms_words(terms: list[str]) -> str:
    quoted = [f"“{t}”" for t in terms[:4]]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def why(status: Status, match: _Match, item: TemplateItem) -> str:
    """The decision in words a plan author can act on."""
    p = match.passage
    where = f"The plan's section “{_leaf(p.heading)}”" if p and p.heading else "A passage of the plan"
    if status == "covered":
        return f"{where} addresses it: it mentions {_terms_words(match.terms)} and reads close to the requirement."
    if status == "partial" and match.terms:
        return f"{where} mentions {_terms_words(match.terms)}, but says less than the requirement asks."
    if status == "partial":
        return f"{where} reads close to the requirement but uses none of its key words; check it says enough."
    if match.terms:
        return (
            f"{where} mentions {_terms_words(match.terms)} only in passing, on another topic: "
            "add a passage that addresses this requirement."
        )
    terms = _terms_words(item.key_terms)
    return f"Nothing in the plan mentions {terms} or reads like this requirement: add a passage on it."


def _quote(text: str, limit: int = 320) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[:limit].rsplit(" ", 1)[0] + " …"


def _citation(finder: EvidenceFinder, item: TemplateItem, site: SiteProfile) -> Citation | None:
    found = finder.find(item, site)
    if not found:
        return None
    e = found[0]
    c = e.passage.chunk
    return Citation.from_chunk("[1]", c, e.sentence)


def check_plan(
    path: Path | str,
    site: SiteProfile,
    assistant: Any,
    sections: list[str] | None = None,
    *,
    cite: bool = True,
    judge: Literal["embedding", "llm"] = "embedding",
    chat_model: Any = None,
) -> CheckReport:
    """Coverage of each requirement item (relevant to ``site``) by the plan at ``path``.

    ``chat_model`` is the LLM judge's model (``judge="llm"``); by default it is resolved from the Assistant."""
    plan = read_plan(Path(path), getattr(assistant, "settings", None))
    templates = _templates(assistant.settings.prompts_dir, sections)
    embedder = assistant.embedder
    thresholds = _thresholds(embedder.name)
    pv = embedder.embed_documents([passage_text(p) for p in plan]) if plan else np.zeros((0, 1), dtype=np.float32)
    finder = EvidenceFinder(assistant, per_query_k=3, max_sentences=1) if cite else None
    full_text = "\n".join(passage_text(p) for p in plan)
    todo = [(tpl, item) for tpl in templates for item in tpl.items if item.applies_to_site(site)]
    matches = _best_matches(embedder, [item for _, item in todo], plan, pv)
    items: list[ItemCheck] = []
    summary = {tpl.id: SectionSummary(section_id=tpl.id, title=tpl.title) for tpl in templates}
    for (tpl, item), match in zip(todo, matches, strict=True):
        terms = term_hits(full_text, item.key_terms)
        status, detail = classify(match.similarity, match.terms, thresholds)
        check = ItemCheck(
            section_id=tpl.id,
            section_title=tpl.title,
            item_id=item.id,
            title=item.title,
            requirement=item.requirement,
            status=status,
            similarity=round(match.similarity, 3),
            key_terms_found=terms,
            reason=why(status, match, item),
            detail=detail,
        )
        quote_from = match.passage
        if status != "missing" and quote_from is not None:
            check.plan_quote = _quote(quote_from.text)
            check.plan_heading = quote_from.heading or None
            check.plan_page = quote_from.page
        if judge == "llm" and status != "missing":
            chat_model = _judge(assistant, item, check, chat_model)
        if finder is not None:
            check.requirement_citation = _citation(finder, item, site)
        s = summary[tpl.id]
        setattr(s, check.status, getattr(s, check.status) + 1)
        items.append(check)
    return CheckReport(
        plan=str(path),
        site_name=site.name,
        jurisdictions=jurisdictions_for(site),
        items=items,
        summary=list(summary.values()),
    )


def _templates(prompts_dir: Path, sections: list[str] | None) -> list[SectionTemplate]:
    """The section templates to check: all, or the named ones (an unknown name is a clear error)."""
    templates: list[SectionTemplate] = load_sections(prompts_dir)
    if not sections:
        return templates
    known = {t.id for t in templates}
    unknown = [s for s in sections if s not in known]
    if unknown:
        from assistant.core.errors import TemplateError

        raise TemplateError(f"unknown section(s) {unknown}; known sections: {', '.join(sorted(known))}")
    return [t for t in templates if t.id in sections]


def _judge(assistant: Any, item: TemplateItem, check: ItemCheck, chat_model: Any) -> Any:
    """The LLM's second opinion on a screened item; returns the chat model, resolved once for the plan."""
    from assistant.drafting.llm_draft import resolve_chat_model
    from assistant.drafting.llm_judge import judge_item

    chat_model = resolve_chat_model(assistant, chat_model)
    check.status, check.reason = judge_item(assistant, item, check.plan_quote or "", chat_model)
    check.judge = "llm"
    return chat_model


def _leaf(heading: str) -> str:
    return heading.split(" › ")[-1] if heading else ""


def passage_text(p: PlanPassage) -> str:
    """What is embedded for a plan passage: its own heading, then its text (a heading says what it is about)."""
    leaf = _leaf(p.heading)
    return f"{leaf}: {p.text}" if leaf else p.text


def _best_matches(embedder: Any, items: list[TemplateItem], plan: list[PlanPassage], pv: np.ndarray) -> list[_Match]:
    """For each item, the plan passage that best shows coverage (one embedding call for all items).

    A passage carrying one of the item's key terms, in its text or in its own heading ("Monitoring"
    over a paragraph on surveys), is preferred over a merely similar one, so the decision and the quote
    rest on the same passage.
    """
    if not plan or not items:
        return [_Match(None, 0.0, [], []) for _ in items]
    texts = [[it.requirement, it.title, *it.queries[:2]] for it in items]
    qv = embedder.embed_documents([t for group in texts for t in group])
    sims = np.asarray(pv @ qv.T)  # passages x all item texts
    out, col = [], 0
    for item, group in zip(items, texts, strict=True):
        block = sims[:, col : col + len(group)].max(axis=1)
        col += len(group)
        with_terms = []
        for i, p in enumerate(plan):
            in_heading = term_hits(_leaf(p.heading), item.key_terms)
            hits = list(dict.fromkeys([*term_hits(p.text, item.key_terms), *in_heading]))
            if hits:
                with_terms.append((float(block[i]), i, hits, in_heading))
        if with_terms:
            sim, i, hits, in_heading = max(with_terms, key=lambda t: (t[0] + 0.02 * min(len(t[2]), 3), -t[1]))
            out.append(_Match(plan[i], sim, hits, in_heading))
        else:
            best = int(np.argmax(block))
            out.append(_Match(plan[best], float(block[best]), [], []))
    return out
