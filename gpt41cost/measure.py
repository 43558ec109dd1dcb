"""What readers hand to the estimate core: one measured request each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

#: The kinds of input `estimate` reads (`--as` forces one).
KINDS = ("text", "chat", "responses", "batch", "finetune", "prompts", "image")


class SharedCounts:
    """``{model: n for model in models}``, one dict per distinct ``n``, shared by every record
    with that count: most requests count the same on every model (no images), and a large
    batch file keeps one record per request. A shared dict costs a record one pointer and
    is read at C speed. Treat the dicts as read-only (they are typed ``Mapping``).
    """

    def __init__(self, models: tuple[str, ...], max_entries: int = 100_000) -> None:
        self.models = models
        self.max_entries = max_entries
        self._by_count: dict[int, dict[str, int]] = {}

    def same(self, n: int) -> Mapping[str, int]:
        got = self._by_count.get(n)
        if got is None:
            if len(self._by_count) >= self.max_entries:
                self._by_count.clear()
            got = self._by_count[n] = dict.fromkeys(self.models, n)
        return got

    def compact(self, tokens: Mapping[str, int]) -> Mapping[str, int]:
        """``tokens``, or the shared dict equal to it when every model has the same count."""
        values = set(tokens.values())
        if len(values) == 1 and tuple(tokens) == self.models:
            return self.same(values.pop())
        return tokens


@dataclass(frozen=True, slots=True)
class Measured:
    """One request, measured.

    ``input_tokens`` maps each base model name (gpt-4.1, gpt-4.1-mini, gpt-4.1-nano) to the
    request's input tokens on that model; they differ only when the request holds images.
    ``cache_blocks`` maps each base model name to the chained hashes of the request's
    full 128-token blocks, in the order OpenAI caches a prompt (tools, system and earlier
    messages, images); None when the input has no request structure to cache (plain text
    prompts use their own token stream). ``cached_tokens`` is filled in by cache detection.
    """

    source: str
    kind: str
    input_tokens: Mapping[str, int]
    line: int | None = None
    model: str | None = None  # the request's own "model", as written
    max_output_tokens: int | None = None  # max_tokens / max_completion_tokens / max_output_tokens
    custom_id: str | None = None
    uncounted: tuple[str, ...] = ()  # parts that could not be counted (e.g. a remote image without a size)
    cache_blocks: Mapping[str, tuple[int, ...]] | None = None
    training_tokens: int | None = None  # fine-tuning data: tokens of one example (one epoch)
    notes: tuple[str, ...] = field(default=())

    def without_blocks(self) -> Measured:
        """This record with ``cache_blocks`` None (what a streaming cache keeps)."""
        return Measured(
            self.source,
            self.kind,
            self.input_tokens,
            self.line,
            self.model,
            self.max_output_tokens,
            self.custom_id,
            self.uncounted,
            None,
            self.training_tokens,
            self.notes,
        )

    def __reduce__(self) -> tuple[type[Measured], tuple[Any, ...]]:
        # Pickled by the parallel reader for every request of a large file: the arguments
        # of __init__ unpickle several times faster than dataclass state (field by field).
        return (Measured, tuple(getattr(self, name) for name in _FIELDS))

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


_FIELDS = tuple(f.name for f in fields(Measured))
