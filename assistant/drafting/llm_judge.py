"""Optional LLM second opinion for ``msra check --judge llm`` (prompts/check_item.yaml)."""

from __future__ import annotations

from typing import Any, Literal

from assistant.drafting.templates import TemplateItem

Verdict = Literal["covered", "partial", "missing"]


def judge_item(assistant: Any, item: TemplateItem, plan_text: str, chat_model: Any) -> tuple[Verdict, str]:
    """The model's verdict on one item; an unreadable reply falls back to 'partial' with the reply as reason."""
    from assistant.prompts import load_prompt

    prompt = load_prompt("check_item", assistant.settings.prompts_dir)
    from assistant.llm import chat_text

    messages = prompt.render(requirement=item.requirement, plan_text=plan_text)
    text = chat_text(chat_model, messages, assistant.settings).strip()
    first, _, rest = text.partition("\n")
    word = first.strip().strip("*.: ").lower()
    if word in ("covered", "partial", "missing"):
        return word, f"LLM: {rest.strip() or first}"  # type: ignore[return-value]
    return "partial", f"LLM reply not understood, kept for review: {text[:200]}"
