"""Everything `estimate` and `limits` read: prompt files and request-shaped files, by content.

Each path (file, directory, or ``-``) is read as the kind its content shows
(:func:`~gpt41cost.readers.requests.detect_kind`), or as ``force`` (``--as``). Plain text is
one request per file; request files give one or many. Batch input files are read to the end
with every bad line recorded, so the pre-flight can list every finding.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from ..catalog import Catalog
from ..errors import InputError, Skipped, UsageError
from ..images import ImageSize
from ..measure import KINDS, Keeper, Measured, MeasuredTable
from . import parallel
from .requests import BatchFacts, detect_kind, read_head, read_requests
from .text import STDIN, check_encoding, decode_text, expand_paths, read_bytes

#: Receives the number of bytes of input finished, for a progress bar.
OnProgress = Callable[[int], None]


@dataclass
class Gathered:
    """What was read: the requests, the batch files' facts, and the bad lines skipped."""

    measured: MeasuredTable = field(default_factory=MeasuredTable)
    batches: list[tuple[BatchFacts, slice]] = field(default_factory=list)  # facts, their slice of measured
    skipped: Skipped[InputError] = field(default_factory=Skipped)
    total_bytes: int = 0


def check_kind(force: str | None) -> str | None:
    if force is not None and force not in KINDS:
        raise UsageError(f"--as: unknown kind {force!r}; use one of {', '.join(KINDS)}")
    return force


def gather(
    paths: Sequence[str],
    catalog: Catalog,
    *,
    force: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    encoding: str = "utf-8",
    image_size: ImageSize | None = None,
    skip_bad: bool = False,
    text_blocks: bool = False,
    stdin: BinaryIO | None = None,
    on_progress: OnProgress | None = None,
    keep: Keeper | None = None,
    on_total: OnProgress | None = None,
) -> Gathered:
    """Read every input under ``paths``.

    ``text_blocks``: also hash plain-text prompts into cache blocks (for ``--cache auto``).
    ``skip_bad``: a bad JSONL line is recorded in ``skipped`` and reading goes on; without it
    the first bad line stops everything (batch files always read on, for the pre-flight).
    ``keep``: fed each record, in run order, as it is read; what it returns is stored (e.g. the
    record without its cache blocks once a streaming cache detector has seen them). The
    records are stored by column (:class:`~gpt41cost.measure.MeasuredTable`).
    """
    check_kind(force)
    encoding = check_encoding(encoding)
    files = expand_paths(paths, include, exclude)
    out = Gathered(measured=MeasuredTable(tuple(catalog.models)))
    sizes = [0 if f == STDIN else os.path.getsize(f) for f in files]
    out.total_bytes = sum(sizes)
    if on_total is not None:
        on_total(out.total_bytes)
    for source, size in zip(files, sizes, strict=True):
        data: bytes | None = None
        if source == STDIN:
            data = read_bytes(source, stdin)
            head = data[: 1 << 20]
        else:
            head = read_head(source)  # raises a one-line InputError for a file it cannot open
        kind = force or detect_kind(source, head) or "text"
        if kind == "text":
            if data is None:
                data = read_bytes(source)
            if force is None:
                _refuse_broken_json(source, data)
            text = decode_text(source, data, encoding)
            m = _text(source, text, catalog, text_blocks, _scaled(on_progress, size, len(text)))
            out.measured.link_ids(None)
            out.measured.append(keep.feed(m) if keep is not None else m)
        else:
            stream = io.BytesIO(data) if data is not None else None
            reported = 0

            def on_bytes(n: int) -> None:
                nonlocal reported
                reported += n
                if on_progress is not None:
                    on_progress(n)

            _requests(out, source, kind, catalog, image_size, skip_bad, stream, on_bytes, keep)
            if on_progress is not None:
                on_progress(max(0, size - reported))
    return out


def _refuse_broken_json(source: str, data: bytes) -> None:
    """A file that starts like JSON but does not parse is a broken request, not a prompt.

    Valid JSON that is not a request (a config file, say) is still counted as text; so is a
    JSONL file whose first line parses. ``--as text`` counts a broken one as text anyway.
    """
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] not in (b"{", b"["):
        return
    import orjson

    try:
        orjson.loads(body)
        return
    except orjson.JSONDecodeError as exc:
        first = body.split(b"\n", 1)[0]
        try:
            orjson.loads(first)
            return  # JSONL of something other than requests
        except orjson.JSONDecodeError:
            pass
        label = "stdin" if source == STDIN else source
        raise InputError(
            f"{label}: starts like JSON but is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}; "
            "truncated?); fix it, or pass --as text to count it as plain text"
        ) from None


def _scaled(on_progress: OnProgress | None, size: int, chars: int) -> OnProgress | None:
    """Report characters counted as the matching share of the file's bytes."""
    if on_progress is None:
        return None
    done = [0, 0]  # characters seen, bytes reported

    def advance(n: int) -> None:
        done[0] += n
        target = size * done[0] // max(chars, 1)
        on_progress(target - done[1])
        done[1] = target

    return advance


def _text(source: str, text: str, catalog: Catalog, blocks: bool, on_chars: OnProgress | None = None) -> Measured:
    from ..tokens import count_tokens

    names = list(catalog.models)
    if not blocks:
        n = count_tokens(text, on_chars)
        return Measured(source=source, kind="text", input_tokens=dict.fromkeys(names, n))
    from ..cache import block_hashes
    from ..tokens import get_encoding

    ids = get_encoding().encode_ordinary(text)
    if on_chars is not None:
        on_chars(len(text))
    hashes = block_hashes(ids, catalog.cache_step_tokens)
    return Measured(
        source=source,
        kind="text",
        input_tokens=dict.fromkeys(names, len(ids)),
        cache_blocks=dict.fromkeys(names, hashes),
    )


def _requests(
    out: Gathered,
    source: str,
    kind: str,
    catalog: Catalog,
    image_size: ImageSize | None,
    skip_bad: bool,
    stream: BinaryIO | None,
    on_bytes: OnProgress | None = None,
    keep: Keeper | None = None,
) -> None:
    facts = BatchFacts() if kind == "batch" else None
    start = len(out.measured)
    out.measured.link_ids(facts.ids if facts is not None else None)  # a batch record's custom_id is in the file's log
    skipped_here: Skipped[InputError] = Skipped()
    on_error = skipped_here.append if (skip_bad or kind == "batch") else None
    try:
        if stream is None and parallel.eligible(source, kind, os.path.getsize(source)):
            kept, skipped = parallel.read_parallel(
                source,
                kind,
                catalog,
                image_size=image_size,
                collect=on_error is not None,
                facts=facts,
                on_bytes=on_bytes,
                keep=keep,
            )
            skipped_here += skipped
            out.measured.extend_table(kept)
        else:
            got = read_requests(
                source,
                kind,
                catalog,
                image_size=image_size,
                on_error=on_error,
                facts=facts,
                stream=stream,
                on_bytes=on_bytes,
            )
            out.measured.extend(map(keep.feed, got) if keep is not None else got)
    except InputError as exc:
        if kind in ("finetune", "prompts") and " line " in exc.message:
            raise InputError(
                f"{exc.message}; nothing was counted: fix the line or pass --skip-bad to count the other lines"
            ) from None
        raise
    if facts is not None:
        out.batches.append((facts, slice(start, len(out.measured))))
        if skip_bad:
            out.skipped += skipped_here
    else:
        out.skipped += skipped_here
