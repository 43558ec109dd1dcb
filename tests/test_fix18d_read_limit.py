"""Session 18, fix18d, 5: a file read whole is refused as soon as more than the limit has been
read, before its pieces are joined, so refusing /dev/zero holds the limit once, not twice (peak
RSS of read_whole('/dev/zero'), 64 MiB limit: 142 -> 78 MB); a gzip inflating past it is read in
the same pieces, not with read(limit + 1) and then again (tracemalloc peak 192 -> 84 MiB). The
memory is measured with tracemalloc (what Python allocated), never with a clock."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest

from gpt41cost.errors import InputError
from gpt41cost.readers import files, inputs

MIB = 1024 * 1024


class Zeros:
    """A stream of zero bytes of no known size (no fileno), as /dev/zero or a pipe reads."""

    def read(self, n: int = -1) -> bytes:
        return bytes(n)


def _peak(call) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="over 8 MiB read whole"):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_stream_over_the_limit_is_refused_before_it_is_joined() -> None:
    peak = _peak(lambda: files.read_limited(Zeros(), "zeros", limit=8 * MIB))  # type: ignore[arg-type]
    assert 8 * MIB < peak < 12 * MIB  # before: the pieces and their join, 16 MiB


def test_a_gzip_inflating_past_the_limit_is_refused_without_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "bomb.txt.gz"
    p.write_bytes(gzip.compress(bytes(9 * MIB)))
    monkeypatch.setattr(inputs, "MAX_WHOLE_BYTES", 8 * MIB)
    peak = _peak(lambda: inputs._gunzip_all(str(p)))
    # before: GzipFile.read(limit + 1), then read again in pieces and joined: 24 MiB; now the
    # pieces, and one read's own buffers while it inflates: 15 MiB
    assert peak < 20 * MIB


def test_at_the_limit_the_file_is_read() -> None:
    class Exactly:
        left = 2 * MIB

        def read(self, n: int = -1) -> bytes:
            n = min(n, self.left)
            self.left -= n
            return bytes(n)

    assert files.read_limited(Exactly(), "exact", limit=2 * MIB) == bytes(2 * MIB)  # type: ignore[arg-type]
