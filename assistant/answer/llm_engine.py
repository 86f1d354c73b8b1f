"""The ``llm`` answer engine: a chat model writes the answer from numbered passages.

The model sees the versioned prompt ``prompts/answer.yaml``; what it writes is never trusted as is:
``assistant.citations.finalize_answer`` resolves its ``[n]`` markers against the passages actually
retrieved, drops markers naming no passage, flags sentences no cited passage supports and detects the
fixed refusal. Every backend failure (unreachable, slow, HTTP error, garbage) surfaces as one
:class:`~assistant.core.errors.LLMError` within ``settings.llm_timeout_s``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from assistant.answer.followup import elliptical, rewrite_followup
from assistant.answer.question import Question, as_question, question_text
from assistant.core.config import Settings
from assistant.core.errors import LLMError
from assistant.core.types import REFUSAL, Answer, Passage
from assistant.llm import TextStream, describe_endpoint, invoke_text
from assistant.prompts import format_history, format_passages, load_prompt

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# Reasoning models (DeepSeek-R1, Qwen3 …) served raw put their thinking in the content.
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:standalone question|rewritten question|question)\s*[:：]\s*", re.IGNORECASE)


class AnswerEngine(Protocol):
    """What the service needs of an answer engine (extractive or LLM)."""

    def answer(self, question: Question, passages: list[Passage]) -> Answer: ...

    def stream(self, question: Question, passages: list[Passage]) -> Iterator[str | Answer]: ...

    def rewrite(self, question: str, history: list[tuple[str, str]]) -> str: ...


def clean_reply(text: str) -> str:
    """The model's reply without reasoning blocks and surrounding whitespace."""
    return _THINK.sub("", text).strip()


class LLMEngine:
    """Answers, follow-up rewrites and free generation through a LangChain chat model.

    ``fallback``: an engine (e.g. the extractive one) used when the LLM fails; the answer then carries
    a warning naming the failure instead of raising. Without it, failures raise :class:`LLMError`.
    """

    name = "llm"

    def __init__(self, chat_model: BaseChatModel, settings: Settings, *, fallback: AnswerEngine | None = None) -> None:
        self.chat_model = chat_model
        self.settings = settings
        self.fallback = fallback
        self.endpoint = describe_endpoint(chat_model, settings)
        # Load now: a broken prompt file should fail when the engine is built, not mid-answer.
        self.answer_prompt = load_prompt("answer", settings.prompts_dir)
        self.rewrite_prompt = load_prompt("rewrite", settings.prompts_dir)

    # ---- answers --------------------------------------------------------------------------
    def answer_messages(self, question: str | Question, passages: Sequence[Passage]) -> list[Any]:
        """The chat messages the model is sent for ``question`` over ``passages``."""
        return self.answer_prompt.render(
            question=question_text(question), passages=format_passages(passages), refusal=REFUSAL
        )

    def answer(self, question: str | Question, passages: list[Passage]) -> Answer:
        """A validated, cited answer (or the refusal); no model call when nothing was retrieved."""
        if not passages:
            return self._refusal(question_text(question))
        try:
            text, finish = invoke_text(
                self.chat_model, self.answer_messages(question, passages), self.endpoint, self.settings.llm_timeout_s
            )
            return self._finalize(question_text(question), text, passages, finish)
        except LLMError as exc:
            if self.fallback is None:
                raise
            return self._fall_back(question, passages, exc)

    def stream(self, question: str | Question, passages: list[Passage]) -> Iterator[str | Answer]:
        """Text pieces as the model sends them, then the validated :class:`Answer`.

        The pieces are the raw reply (markers as the model wrote them); the final Answer is what to
        keep and show: its text has unknown markers removed and its citations resolved.
        """
        if not passages:
            yield REFUSAL
            yield self._refusal(question_text(question))
            return
        ts = TextStream(
            self.chat_model, self.answer_messages(question, passages), self.endpoint, self.settings.llm_timeout_s
        )
        pieces: list[str] = []
        try:
            for piece in ts:
                pieces.append(piece)
                yield piece
        except LLMError as exc:
            if self.fallback is None or pieces:  # once text was shown, switching engines would confuse
                raise
            answer = self._fall_back(question, passages, exc)
            yield answer.answer
            yield answer
            return
        yield self._finalize(question_text(question), "".join(pieces), passages, ts.finish_reason)

    def _refusal(self, question: str) -> Answer:
        return Answer(question=question, answer=REFUSAL, refused=True, outcome="refused", engine=self.name)

    def _finalize(self, question: str, text: str, passages: list[Passage], finish: str | None) -> Answer:
        from assistant.citations import finalize_answer

        reply = clean_reply(text)
        if not reply:
            raise LLMError(
                f"the LLM server at {self.endpoint} sent an empty reply. Check that the model is a chat "
                "(instruct) model and that its context window holds the passages; or use --engine extractive."
            )
        answer = finalize_answer(question, reply, passages, engine=self.name)
        if finish == "length":
            answer.warnings.append("the LLM reply was cut off at the model's output limit")
        return answer

    def _fall_back(self, question: str | Question, passages: list[Passage], exc: LLMError) -> Answer:
        assert self.fallback is not None
        answer = self.fallback.answer(as_question(question, passages), passages)  # the same analysis
        answer.warnings.append(f"fallback: the llm engine failed, answered by the {answer.engine} engine ({exc})")
        return answer

    # ---- follow-ups -------------------------------------------------------------------------
    def rewrite(self, question: str, history: list[tuple[str, str]]) -> str:
        """``question`` rewritten to stand alone, given ``(user, assistant)`` turns; unchanged without history."""
        if not history:
            return question
        messages = self.rewrite_prompt.render(history=format_history(history), question=question)
        try:
            text, _ = invoke_text(self.chat_model, messages, self.endpoint, self.settings.llm_timeout_s)
        except LLMError:
            if self.fallback is None:
                raise
            # the answer step will fail the same way and say so; the follow-up still keeps its subject
            return rewrite_followup(question, history)
        lines = [ln for ln in clean_reply(text).splitlines() if ln.strip()]
        rewritten = _LABEL.sub("", lines[0]).strip().strip("\"'“”‘’「」").strip() if lines else ""
        if not rewritten or (rewritten.lower() == question.strip().lower() and elliptical(question)):
            # the model kept an elliptical follow-up ("And in drier areas?") as it was: borrow the previous
            # question's subject as the extractive engine does (a question that stands alone is kept)
            return rewrite_followup(question, history)
        return rewritten
