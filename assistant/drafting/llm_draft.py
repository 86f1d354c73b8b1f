"""The LLM drafting path: prose for one item from ``prompts/draft_section.yaml``, validated like an answer.

The model sees only the evidence passages of the item, numbered from 1; ``finalize_answer`` checks its
[n] markers against those passages, and the surviving markers are renumbered into the section's
reference list so numbers stay unique across the whole section.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from assistant.citations import finalize_answer
from assistant.drafting.references import NO_EVIDENCE, References
from assistant.drafting.site import LABELS, SiteProfile
from assistant.drafting.templates import SectionTemplate, TemplateItem

if TYPE_CHECKING:
    from assistant.drafting.evidence import Evidence

_MARKER = re.compile(r"\[(\d+)\]")


def _facts_block(item: TemplateItem, site: SiteProfile) -> str:
    fields = item.site_facts or ["name", "country", "commodity", "mine_type"]
    lines = [f"{LABELS.get(f, f)}: {site.display(f)}" for f in fields if site.value(f) is not None]
    return "\n".join(lines) or "(none given)"


def resolve_chat_model(assistant: Any, given: Any = None) -> Any:
    """The chat model for drafting and judging: the one passed in (``Drafter(..., chat_model=)``,
    ``check_plan(..., chat_model=)``), else the Assistant's own (``Assistant.chat_model``, built on first use)."""
    return given if given is not None else assistant.chat_model


def llm_item_text(
    assistant: Any,
    section: SectionTemplate,
    item: TemplateItem,
    site: SiteProfile,
    evidence: list[Evidence],
    refs: References,
    chat_model: Any,
) -> tuple[str, list[str]]:
    """Validated, section-numbered prose for one item, and any warnings about dropped markers.

    ``chat_model`` is a LangChain chat model (see :func:`resolve_chat_model`)."""
    from assistant.prompts import format_passages, load_prompt

    passages = list({e.passage.chunk.chunk_id: e.passage for e in evidence}.values())
    prompt = load_prompt("draft_section", assistant.settings.prompts_dir)
    messages = prompt.render(
        section=f"{section.title}: {item.title}",
        requirement=item.requirement,
        site_facts=_facts_block(item, site),
        passages=format_passages(passages),
        placeholder="[to complete:",
        no_evidence=NO_EVIDENCE,
    )
    from assistant.llm import chat_text

    text = chat_text(chat_model, messages, assistant.settings).strip()
    warnings: list[str] = []
    answer = finalize_answer(item.requirement, text, passages, engine="llm")
    if answer.refused:
        return NO_EVIDENCE, ["the model found no evidence in the passages"]
    text = answer.answer
    local_to_chunk = {c.marker: c.chunk_id for c in answer.citations}
    if answer.dropped_markers:
        warnings.append(f"dropped citation markers naming no passage: {', '.join(answer.dropped_markers)}")
    # Placeholder sentences are meant to be uncited; anything else without support is flagged.
    warnings += [f"unsupported sentence: {s}" for s in answer.unsupported_sentences if "[to complete" not in s]
    by_chunk = {p.chunk.chunk_id: p for p in passages}
    quotes = {e.passage.chunk.chunk_id: e.sentence for e in evidence}

    def renumber(m: re.Match[str]) -> str:
        cid = local_to_chunk.get(m.group(0))
        if cid is None or cid not in by_chunk:
            warnings.append(f"removed marker {m.group(0)}: it names no passage given to the model")
            return ""
        return refs.cite(by_chunk[cid], quotes.get(cid, ""))

    return _MARKER.sub(renumber, text).strip(), warnings
