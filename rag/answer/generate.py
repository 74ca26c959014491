"""The optional generative step: stream an OpenAI-compatible model's answer, keep only what the passages support."""

from __future__ import annotations

from collections.abc import Callable, Generator

from ..embedders import Embedder
from ..settings import Settings
from ..types import Answer, Passage
from .compose import TEXTS
from .query import Ask


def generated(
    settings: Settings, ask: Ask, passages: list[Passage], embedder: Embedder, done: Callable
) -> Generator[str | Answer, None, str | None]:
    """Stream the language model's answer and yield the checked Answer; else return why it fell back."""
    from .. import llm

    lang, query = ask.answer_lang, ask.query
    try:
        checked = None
        for event in llm.generate(settings, query.question, passages, lang, embedder, topic=query.topic):
            if isinstance(event, str):
                yield event
            else:
                checked = event
    except llm.LLMError as exc:
        return TEXTS[lang]["llm_failed"].format(error=exc)
    if checked is None or not checked.citations:
        return TEXTS[lang]["llm_unsupported"]
    dropped = len(checked.unsupported)
    notice = TEXTS[lang]["dropped"].format(n=dropped) if dropped else None
    yield done(
        checked.text, checked.citations, False, mode="generative", unsupported=checked.unsupported, notice=notice
    )
    return None
